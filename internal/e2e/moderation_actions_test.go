package e2e

import (
	"fmt"
	"testing"

	"github.com/bodydouble/bodydouble/internal/model"
)

// TestSafetyModeratorClosesRoomAndResetsName: ana and ben work in ana's
// room, which every lobby lists; ana reports ben from his tile. mo, an
// admin, opens the report on the moderation page and resets ben's name
// (asked first): the status line and the card give the new name, which is
// ben's name from then on. mo then closes the room (asked first, with a
// reason): the room is closed for the server, and gone from mo's lobby.
func TestSafetyModeratorClosesRoomAndResetsName(t *testing.T) {
	t.Parallel()
	srv := startServer(t)
	ana, ben, mo := newBrowser(t, srv, "ana"), newBrowser(t, srv, "ben"), newBrowser(t, srv, "mo")
	room, _, benID := togetherUnder(t, "anyone", ana, ben)
	oldName := ana.text(tileOf(benID) + " " + tid("participant-name"))
	ana.reportFromTile(benID, "Shouting in the chat")
	ana.visible(tileOf(benID) + `[data-blocked="true"]`)

	mo.startAnonymously()
	makeRole(t, srv, mo.userID(), model.RoleAdmin)
	card := tid("room-card") + `[data-room-id="` + room + `"]`
	mo.open("/lobby")
	mo.visible(card) // two people work there: every lobby lists it

	mo.open("/moderation")
	report := tid("mod-report") + `[data-user-id="` + benID + `"]`
	mo.waitText(report+" "+tid("mod-reported-name"), oldName)

	// Reset the name: asked first; keeping it changes nothing.
	mo.click(report + " " + tid("mod-reset-name"))
	mo.visible(tid("mod-reset-name-dialog"))
	mo.waitText(tid("mod-reset-name-dialog"), oldName)
	mo.checkScreen("moderation-reset-name")
	mo.click(tid("mod-reset-name-cancel"))
	mo.waitFor("the question to close", `!document.querySelector('[data-testid="mod-reset-name-dialog"]').open`)
	if got := profileName(ben); got != oldName {
		t.Fatalf("after keeping the name ben is %q, want %q", got, oldName)
	}
	mo.click(report + " " + tid("mod-reset-name"))
	mo.click(tid("mod-reset-name-confirm"))
	mo.waitText(tid("mod-status"), oldName+" is now called ")
	newName := profileName(ben)
	if newName == oldName || newName == "" {
		t.Fatalf("ben's name after the reset: %q (was %q)", newName, oldName)
	}
	mo.waitText(tid("mod-status"), oldName+" is now called "+newName+".")
	mo.waitText(report+" "+tid("mod-reported-name"), newName)
	mo.waitText(report, "Recently also: "+oldName)

	// Close the room: asked first, with a reason; none given is refused.
	mo.click(report + " " + tid("mod-close-room"))
	mo.visible(tid("mod-close-room-dialog"))
	mo.click(tid("mod-close-room-confirm"))
	mo.visible(tid("mod-close-error"))
	if !roomActive(mo, room) {
		t.Fatal("the room closed without a reason")
	}
	mo.checkScreen("moderation-close-room")
	mo.typeInto(tid("mod-close-reason"), "Used to harass people")
	mo.click(tid("mod-close-room-confirm"))
	mo.waitText(tid("mod-status"), "is closed")
	mo.visible(report + " " + tid("mod-room-closed"))
	if mo.count(report+" "+tid("mod-close-room")) != 0 {
		t.Fatal("the card still offers to close the closed room")
	}
	if roomActive(mo, room) {
		t.Fatal("the room is still open on the server")
	}
	mo.waitText(tid("audit-log"), "Room closed")
	mo.waitText(tid("audit-log"), "Name reset")

	mo.open("/lobby")
	mo.visible(tid("room-card"))
	mo.gone(card)
}

// profileName is b's display name as the server has it.
func profileName(b *browser) string {
	b.t.Helper()
	return eval[string](b, `fetch('/api/users/profile').then((r) => r.json()).then((u) => u.displayName)`)
}

// roomActive says whether the server has room open, as b reads it.
func roomActive(b *browser, room string) bool {
	b.t.Helper()
	return eval[bool](b, fmt.Sprintf(`fetch('/api/rooms/' + %s).then((r) => r.json()).then((r) => r.isActive)`, jsString(room)))
}

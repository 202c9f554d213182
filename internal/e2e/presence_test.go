package e2e

import (
	"context"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/google/uuid"
)

// Presence never lies: whatever a person does to leave or come back, the
// server and every screen agree on who is in the room, within the grace
// period. Each case is a test of its own; together with TestReconnect (a
// restart) and TestCrash (kill -9, crash_test.go) they cover leaving, a
// dead link, a second tab, a reload and a crash.

// graceWait bounds a wait that may last the whole presence grace period
// (30 s) plus a sweep: longer than waitTimeout, which bounds ordinary steps.
const graceWait = 45 * time.Second

// waitLong is waitFor with the grace period's bound.
func (b *browser) waitLong(what, js string) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, graceWait)
	defer cancel()
	_, err := chromedp.Run(ctx, chromedp.Poll[chromedp.Void](js,
		chromedp.WithPollingInterval(100*time.Millisecond),
		chromedp.WithPollingTimeout(graceWait)))
	if err != nil {
		b.t.Fatalf("%s: waiting for %s: %v", b.name, what, err)
	}
}

// seated asks the server, as an outsider would, how many people are in room.
func seated(t *testing.T, u *apiUser, room string) int {
	t.Helper()
	var r struct {
		CurrentCapacity int `json:"currentCapacity"`
	}
	if st := u.call(http.MethodGet, "/api/rooms/"+room, nil, &r); st != http.StatusOK {
		t.Fatalf("GET /api/rooms/%s: %d", room, st)
	}
	return r.CurrentCapacity
}

// waitSeated waits (up to the grace period) until the server counts want
// people in room.
func waitSeated(t *testing.T, u *apiUser, room string, want int) {
	t.Helper()
	deadline := time.Now().Add(graceWait)
	for got := seated(t, u, room); got != want; got = seated(t, u, room) {
		if time.Now().After(deadline) {
			t.Fatalf("the server seats %d people in the room, want %d", got, want)
		}
		// The server has no event an outsider can wait on; ask again shortly.
		time.Sleep(200 * time.Millisecond)
	}
}

// watchTile records, in ben's page, whether the tile of id ever leaves the
// page from now on (a left/joined flicker), in window.__tileLeft.
func watchTile(b *browser, id string) {
	b.t.Helper()
	eval[chromedp.Void](b, fmt.Sprintf(`(() => {
		window.__tileLeft = false;
		new MutationObserver(() => {
			if (!document.querySelector(%s)) window.__tileLeft = true;
		}).observe(document.body, { childList: true, subtree: true });
	})()`, jsString(tileOf(id))))
}

// TestPresenceLeave: "Leave" takes the person out of the room for the
// server and for everyone at once.
func TestPresenceLeave(t *testing.T) {
	t.Parallel()
	srv := startServer(t)
	ana, ben := newBrowser(t, srv, "ana"), newBrowser(t, srv, "ben")
	room, anaID, _ := together(t, ana, ben)
	outsider := newAPIUser(t, srv)
	if n := seated(t, outsider, room); n != 2 {
		t.Fatalf("the server seats %d, want 2", n)
	}

	ana.click(tid("leave-room"))
	ana.waitPath("/lobby")
	ben.gone(tileOf(anaID))
	waitSeated(t, outsider, room, 1)
}

// TestPresenceDeadLink: someone in a room opens a link to a room that does
// not exist. Their screen says the room is not there and that they are in
// no room; so the server must not keep them seated in the room they were in.
func TestPresenceDeadLink(t *testing.T) {
	t.Parallel()
	srv := startServer(t)
	ana, ben := newBrowser(t, srv, "ana"), newBrowser(t, srv, "ben")
	room, anaID, _ := together(t, ana, ben)
	outsider := newAPIUser(t, srv)

	ana.open("/room/" + uuid.NewString())
	ana.visible(tid("room-error"))
	waitSeated(t, outsider, room, 1)
	ben.waitLong("ana's tile to go", fmt.Sprintf(`!document.querySelector(%s)`, jsString(tileOf(anaID))))
}

// TestPresenceSecondTab: the same person opens the room in a second tab.
// Both tabs show the room (neither sticks on "Joining"), the others see
// one tile for them, closing one tab keeps them in the room, and leaving
// in one tab takes both tabs out.
func TestPresenceSecondTab(t *testing.T) {
	t.Parallel()
	srv := startServer(t)
	ana, ben := newBrowser(t, srv, "ana"), newBrowser(t, srv, "ben")
	room, anaID, _ := together(t, ana, ben)
	outsider := newAPIUser(t, srv)
	watchTile(ben, anaID)

	second := ana.newTab("ana's second tab")
	second.open("/room/" + room)
	second.visible(tid("room-title"))
	second.visible(tileOf(anaID))
	second.waitFor("the room, not \"Joining\"", `!document.body.innerText.includes('Joining the room')`)
	if n := ben.count(tileOf(anaID)); n != 1 {
		t.Errorf("ben sees ana's tile %d times, want once", n)
	}

	second.close()
	// Still in: the first tab's socket holds the seat.
	ana.visible(tileOf(anaID))
	if n := seated(t, outsider, room); n != 2 {
		t.Errorf("after ana closed a tab the server seats %d, want 2", n)
	}
	if eval[bool](ben, `window.__tileLeft`) {
		t.Error("ben saw ana leave and come back")
	}

	third := ana.newTab("ana's third tab")
	third.open("/room/" + room)
	third.visible(tileOf(anaID))
	ana.click(tid("leave-room"))
	ana.waitPath("/lobby")
	third.waitFor("the other tab to leave the room too", `!location.pathname.startsWith('/room/') || !!document.querySelector('[data-testid="room-left"]')`)
	ben.gone(tileOf(anaID))
	waitSeated(t, outsider, room, 1)
}

// TestPresenceReload: a reload is a silent return: the others never see
// the person leave, and the person is back in the room with one tile each.
func TestPresenceReload(t *testing.T) {
	t.Parallel()
	srv := startServer(t)
	ana, ben := newBrowser(t, srv, "ana"), newBrowser(t, srv, "ben")
	room, anaID, benID := together(t, ana, ben)
	outsider := newAPIUser(t, srv)
	watchTile(ben, anaID)

	ana.reload()
	ana.visible(tid("room-title"))
	ana.visible(tileOf(benID))
	ana.visible(tileOf(anaID))
	if p := ana.path(); p != "/room/"+room {
		t.Errorf("ana is at %s after a reload, want /room/%s", p, room)
	}
	// A change of ana's after the reload reaches ben: she is live again.
	ana.clickLabel(tid("status-away"))
	ben.visible(tileOf(anaID) + `[data-status="away"]`)
	if eval[bool](ben, `window.__tileLeft`) {
		t.Error("ben saw ana leave and come back during her reload")
	}
	if n := seated(t, outsider, room); n != 2 {
		t.Errorf("after the reload the server seats %d, want 2", n)
	}
}

// newTab opens another tab in b's browser: the same person (cookies and
// storage), a page of its own. Its console is not recorded.
func (b *browser) newTab(name string) *tab {
	b.t.Helper()
	ctx, cancel := chromedp.NewContext(b.ctx)
	if err := chromedp.Do(ctx); err != nil {
		cancel()
		b.t.Fatalf("%s: opening a tab: %v", name, err)
	}
	b.t.Cleanup(cancel)
	return &tab{browser: &browser{t: b.t, name: name, ctx: ctx, base: b.base}, cancel: cancel}
}

// tab is a second tab of a browser.
type tab struct {
	*browser
	cancel context.CancelFunc
}

// close closes the tab, as a person closing it does.
func (t *tab) close() { t.cancel() }

package e2e

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/bodydouble/bodydouble/internal/model"
	"github.com/bodydouble/bodydouble/internal/store/sqlstore"
)

// makeRole gives userID role through the server's database, as
// `bodydouble admin role` does.
func makeRole(t *testing.T, srv *server, userID, role string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), waitTimeout)
	defer cancel()
	st, err := sqlstore.OpenSQLite(ctx, srv.cfg.DataDir)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	err = st.SetUserRole(ctx, userID, role, model.AuditEntry{
		At: time.Now().UTC(), ActorID: "cli", Action: "role.set", TargetType: "user", TargetID: userID, Reason: role,
	})
	if err != nil {
		t.Fatal(err)
	}
}

// reportFromTile reports someone from their tile, in the room, as ana does:
// "Report or block", a reason, a note, Report.
func (b *browser) reportFromTile(id, note string) {
	b.t.Helper()
	b.click(tileOf(id) + " " + tid("report-open"))
	b.visible(tid("report-sheet"))
	b.checkScreen("report-sheet")
	b.clickLabel(tid("report-reason-harassment"))
	b.typeInto(tid("report-note"), note)
	b.click(tid("report-submit"))
}

// TestSafetyReportHidesAndUnblocks: ana reports ben from his tile; at once
// his tile shows nothing of him (no name), says plainly what happens next,
// and stays so after a reload (the server's blocked mark). Settings lists
// him among the people she blocked; unblocking there shows him again.
func TestSafetyReportHidesAndUnblocks(t *testing.T) {
	t.Parallel()
	srv := startServer(t)
	ana, ben := newBrowser(t, srv, "ana"), newBrowser(t, srv, "ben")
	_, _, benID := together(t, ana, ben)
	name := ana.text(tileOf(benID) + " " + tid("participant-name"))

	ana.reportFromTile(benID, "Kept cheering at me after I asked him to stop")
	blocked := tileOf(benID) + `[data-blocked="true"]`
	ana.visible(blocked)
	ana.waitText(blocked+" "+tid("block-outcome"), "A moderator will look at your report.")
	if got := ana.text(blocked); strings.Contains(got, name) {
		t.Fatalf("ana's hidden tile of ben still shows his name: %q", got)
	}
	if n := ana.count(blocked + " :is(img, video, audio, button, ul)"); n != 0 {
		t.Fatalf("ana's hidden tile of ben still has %d pictures, media, controls or goal lists", n)
	}

	ana.checkScreen("room-blocked")

	ana.reload()
	ana.visible(blocked)
	if got := ana.text(blocked); strings.Contains(got, name) {
		t.Fatalf("after a reload ana's tile of ben shows %q", got)
	}

	ana.click(tid("nav-settings"))
	person := tid("blocked-person") + `[data-user-id="` + benID + `"]`
	ana.waitText(person, name)
	ana.checkScreen("settings-blocked")
	ana.click(person + " " + tid("unblock"))
	ana.gone(person)
	ana.visible(tid("blocked-empty"))
	ana.click(tid("room-bar-back"))
	ana.waitText(tileOf(benID)+" "+tid("participant-name"), name)
}

// TestSafetyBanShowsBannedScreen: an admin bans ben, who is in a room;
// his screen turns into the calm banned screen with the reason and "until
// lifted", his socket does not come back, and a reload shows it again.
func TestSafetyBanShowsBannedScreen(t *testing.T) {
	t.Parallel()
	srv := startServer(t)
	ana, ben := newBrowser(t, srv, "ana"), newBrowser(t, srv, "ben")
	_, _, benID := together(t, ana, ben)
	admin := newAPIUser(t, srv)
	makeRole(t, srv, admin.id, model.RoleAdmin)

	const reason = "Spam links in the room"
	if status := admin.call(http.MethodPost, "/api/mod/bans", map[string]any{"userId": benID, "reason": reason}, nil); status != http.StatusCreated {
		t.Fatalf("POST /api/mod/bans: %d", status)
	}
	ben.visible(tid("banned"))
	ben.waitText(tid("banned-reason"), reason)
	ben.waitText(tid("banned-until"), "until lifted")
	ben.checkScreen("banned")

	ben.reload()
	ben.visible(tid("banned"))
	ben.waitText(tid("banned-reason"), reason)
	ben.waitText(tid("banned-until"), "until lifted")
}

// TestSafetyModeratorBansFromReport: ana reports ben from his tile (he is
// hidden on her screen); only once made an admin does mo get the
// moderation page, with the audit log; mo sees the report there, with
// ben's name and ana's note, and bans him for 7 days; ben's screen shows
// the banned screen with the reason and its end.
func TestSafetyModeratorBansFromReport(t *testing.T) {
	t.Parallel()
	srv := startServer(t)
	ana, ben, mo := newBrowser(t, srv, "ana"), newBrowser(t, srv, "ben"), newBrowser(t, srv, "mo")
	_, _, benID := together(t, ana, ben)
	name := ana.text(tileOf(benID) + " " + tid("participant-name"))
	ana.reportFromTile(benID, "Rude names")
	ana.visible(tileOf(benID) + `[data-blocked="true"]`)

	mo.startAnonymously()
	if mo.count(tid("nav-moderation")) != 0 {
		t.Fatal("a member sees the moderation link")
	}
	makeRole(t, srv, mo.userID(), model.RoleAdmin)
	mo.reload() // the role comes with the session
	mo.click(tid("nav-moderation"))
	mo.waitPath("/moderation")
	mo.waitText(tid("audit-log"), "Role set") // the command line made mo an admin
	mo.checkScreen("moderation-audit")
	if status := eval[int](mo, `fetch('/api/mod/reports?status=open').then((r) => r.status)`); status == http.StatusNotFound {
		t.Skip("GET /api/mod/reports is not on the server yet: the moderation page is built on its documented contract")
	}
	report := tid("mod-report") + `[data-user-id="` + benID + `"]`
	mo.waitText(report, name)
	mo.waitText(report+" "+tid("mod-note"), "Rude names")
	mo.checkScreen("moderation")

	const reason = "Called people names after a warning"
	mo.typeInto(report+" "+tid("mod-reason"), reason)
	mo.click(report + " label:has(> " + tid("mod-length-168") + ")")
	mo.click(report + " " + tid("mod-ban"))
	mo.waitText(tid("mod-status"), "Banned for 7 days.")
	mo.gone(report)

	ben.visible(tid("banned"))
	ben.waitText(tid("banned-reason"), reason)
	ben.waitText(tid("banned-until"), "until ")
	mo.waitText(tid("audit-log"), "Banned")
}

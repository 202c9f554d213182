package api

import (
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"github.com/bodydouble/bodydouble/internal/model"
	"github.com/bodydouble/bodydouble/internal/wire"
)

// fileReport files a report as c and returns it; the clock moves on, so
// that the next report is newer.
func (e *testEnv) fileReport(t *testing.T, c *client, body map[string]any) wire.Report {
	t.Helper()
	var rep wire.Report
	c.do(t, "POST", "/api/reports", body).want(t, http.StatusCreated).decode(t, &rep)
	e.clock.Advance(time.Second)
	return rep
}

// modReports is one page of GET /api/mod/reports as c.
func (c *client) modReports(t *testing.T, query string) wire.ModReportPage {
	t.Helper()
	var page wire.ModReportPage
	c.do(t, "GET", "/api/mod/reports"+query, nil).want(t, http.StatusOK).decode(t, &page)
	return page
}

// reportStatus is the stored status of report id.
func (e *testEnv) reportStatus(t *testing.T, id string) string {
	t.Helper()
	r, err := e.store.GetReport(t.Context(), id)
	if err != nil {
		t.Fatal(err)
	}
	return r.Status
}

func TestMembersCannotModerateReports(t *testing.T) {
	t.Parallel()
	eachBackend(t, func(t *testing.T, e *testEnv) {
		ann, ben := e.signup(t), e.signup(t)
		room := starterRoom(t, e, "deep-work")
		ann.join(t, room)
		ben.join(t, room)
		rep := e.fileReport(t, ann, map[string]any{"userId": ben.userID, "roomId": room, "reason": "spam"})
		before := e.auditLen(t)

		ann.do(t, "GET", "/api/mod/reports", nil).problem(t, http.StatusForbidden, "forbidden")
		ann.do(t, "GET", "/api/mod/reports?status=bogus", nil).problem(t, http.StatusForbidden, "forbidden")
		for _, body := range []map[string]any{
			{"action": "ban", "reason": "spam"},
			{"action": "remove", "reason": "spam"},
			{"action": "nonsense"}, // the role comes before the body's rules
		} {
			ann.do(t, "POST", "/api/mod/reports/"+rep.ID+"/resolve", body).problem(t, http.StatusForbidden, "forbidden")
		}

		// Nothing changed: the report open, ben in the room and not banned,
		// nothing logged.
		if s := e.reportStatus(t, rep.ID); s != model.ReportOpen {
			t.Fatalf("report is %q", s)
		}
		var r wire.Room
		ben.do(t, "GET", "/api/rooms/"+room, nil).want(t, http.StatusOK).decode(t, &r)
		if r.CurrentCapacity != 2 {
			t.Fatalf("%d in the room, want ann and ben", r.CurrentCapacity)
		}
		if n := e.auditLen(t); n != before {
			t.Fatalf("%d audit entries, want %d", n, before)
		}
	})
}

func TestModeratorsListReportsWithContext(t *testing.T) {
	t.Parallel()
	eachBackend(t, func(t *testing.T, e *testEnv) {
		mod, ann, ben, cy := e.signup(t), e.signup(t), e.signup(t), e.signup(t)
		e.makeRole(t, mod, model.RoleModerator)
		room := starterRoom(t, e, "deep-work")
		for _, c := range []*client{ann, ben, cy} {
			c.join(t, room)
		}
		first := e.fileReport(t, ann, map[string]any{"userId": ben.userID, "roomId": room, "reason": "harassment", "note": "rude"})
		second := e.fileReport(t, cy, map[string]any{"userId": ben.userID, "roomId": room, "reason": "spam"})
		third := e.fileReport(t, ben, map[string]any{"userId": ann.userID, "reason": "other"})
		var benUser wire.User
		ben.do(t, "GET", "/api/users/profile", nil).want(t, http.StatusOK).decode(t, &benUser)

		// Bad queries are invalid.
		mod.do(t, "GET", "/api/mod/reports?status=bogus", nil).invalid(t, "status")
		mod.do(t, "GET", "/api/mod/reports?cursor=garbage", nil).invalid(t, "cursor")
		mod.do(t, "GET", "/api/mod/reports?limit=0", nil).invalid(t, "limit")

		// Newest first, a page at a time.
		page := mod.modReports(t, "?status=open&limit=2")
		if len(page.Reports) != 2 || page.NextCursor == nil || page.Reports[0].ID != third.ID || page.Reports[1].ID != second.ID {
			t.Fatalf("first page %+v", page)
		}
		rest := mod.modReports(t, "?limit=2&cursor="+*page.NextCursor)
		if len(rest.Reports) != 1 || rest.NextCursor != nil || rest.Reports[0].ID != first.ID {
			t.Fatalf("second page %+v", rest)
		}

		got := rest.Reports[0]
		if got.ReportedUser == nil || got.ReportedUser.ID != ben.userID || got.ReportedUser.DisplayName != benUser.DisplayName ||
			got.ReportedUser.RecentNames == nil || len(got.ReportedUser.RecentNames) != 0 {
			t.Fatalf("reported user %+v", got.ReportedUser)
		}
		if got.OpenReports != 2 || got.Room == nil || got.Room.ID != room || got.Room.Name == "" ||
			got.Reason != "harassment" || got.Note != "rude" || got.Status != "open" {
			t.Fatalf("report with context %+v", got)
		}
		if ann := page.Reports[0]; ann.OpenReports != 1 || ann.Room != nil || ann.RoomID != nil {
			t.Fatalf("report without a room %+v", ann)
		}
		// The reporter is never shown.
		var raw struct {
			Reports []map[string]json.RawMessage `json:"reports"`
		}
		mod.do(t, "GET", "/api/mod/reports", nil).want(t, http.StatusOK).decode(t, &raw)
		for _, r := range raw.Reports {
			if _, ok := r["reporterId"]; ok {
				t.Fatalf("a report names its reporter: %v", r)
			}
		}
		if n := len(mod.modReports(t, "?status=resolved").Reports); n != 0 {
			t.Fatalf("%d resolved reports, want none", n)
		}

		// A new name, by ben or a moderator, leaves the old ones visible,
		// newest first.
		ben.do(t, "PUT", "/api/users/profile", map[string]any{"displayName": "Ben Again"}).want(t, http.StatusOK)
		var reset wire.User
		mod.do(t, "POST", "/api/mod/users/"+ben.userID+"/reset-name", nil).want(t, http.StatusOK).decode(t, &reset)
		now := mod.modReports(t, "?limit=1&cursor="+*page.NextCursor).Reports[0].ReportedUser
		if now.DisplayName != reset.DisplayName || len(now.RecentNames) != 2 ||
			now.RecentNames[0] != "Ben Again" || now.RecentNames[1] != benUser.DisplayName {
			t.Fatalf("after two renames %+v, want names %q, %q", now, "Ben Again", benUser.DisplayName)
		}
	})
}

func TestModeratorsResolveReports(t *testing.T) {
	t.Parallel()
	eachBackend(t, func(t *testing.T, e *testEnv) {
		mod, ann, ben, cy := e.signup(t), e.signup(t), e.signup(t), e.signup(t)
		e.makeRole(t, mod, model.RoleModerator)
		room := starterRoom(t, e, "deep-work")
		for _, c := range []*client{ann, ben, cy} {
			c.join(t, room)
		}
		byAnn := e.fileReport(t, ann, map[string]any{"userId": ben.userID, "roomId": room, "reason": "harassment"})
		byCy := e.fileReport(t, cy, map[string]any{"userId": ben.userID, "roomId": room, "reason": "spam"})
		byBen := e.fileReport(t, ben, map[string]any{"userId": ann.userID, "reason": "other"})
		resolve := func(id string, body map[string]any) response {
			return mod.do(t, "POST", "/api/mod/reports/"+id+"/resolve", body)
		}

		// Bad input is invalid and changes nothing.
		before := e.auditLen(t)
		resolve(byCy.ID, map[string]any{"action": "kick", "reason": "x"}).invalid(t, "action")
		resolve(byCy.ID, map[string]any{"action": "dismiss", "reason": " "}).invalid(t, "reason")
		resolve(byCy.ID, map[string]any{"action": "dismiss", "reason": "x", "durationHours": 24}).invalid(t, "durationHours")
		resolve(byCy.ID, map[string]any{"action": "ban", "reason": "x", "durationHours": 0}).invalid(t, "durationHours")
		resolve(byBen.ID, map[string]any{"action": "remove", "reason": "x"}).invalid(t, "action") // it names no room
		resolve(unknownID, map[string]any{"action": "dismiss", "reason": "x"}).problem(t, http.StatusNotFound, "not_found")
		resolve("garbage", map[string]any{"action": "dismiss", "reason": "x"}).problem(t, http.StatusNotFound, "not_found")
		if n := e.auditLen(t); n != before || e.reportStatus(t, byCy.ID) != "open" || e.reportStatus(t, byBen.ID) != "open" {
			t.Fatalf("refused resolutions changed something: %d audit entries (want %d)", n, before)
		}

		// Dismiss: resolved, ben's open count drops, the log says so.
		var res wire.Report
		resolve(byCy.ID, map[string]any{"action": "dismiss", "reason": "not abuse"}).want(t, http.StatusOK).decode(t, &res)
		if res.ID != byCy.ID || res.Status != "resolved" {
			t.Fatalf("dismissed report %+v", res)
		}
		p := resolve(byCy.ID, map[string]any{"action": "ban", "reason": "x"}).problem(t, http.StatusBadRequest, "invalid")
		if p.Message != "This report is already resolved." {
			t.Fatalf("resolving twice: %q", p.Message)
		}
		ben.do(t, "GET", "/api/rooms", nil).want(t, http.StatusOK) // the second try banned nobody
		open := mod.modReports(t, "")
		if len(open.Reports) != 2 || open.Reports[1].ID != byAnn.ID || open.Reports[1].OpenReports != 1 {
			t.Fatalf("open reports after a dismissal %+v", open.Reports)
		}

		// Removing someone who has left is not_in_room, and the report
		// stays open for another decision.
		ben.do(t, "POST", "/api/rooms/"+room+"/leave", nil).want(t, http.StatusOK)
		resolve(byAnn.ID, map[string]any{"action": "remove", "reason": "harassing ann"}).problem(t, http.StatusConflict, "not_in_room")
		if s := e.reportStatus(t, byAnn.ID); s != "open" {
			t.Fatalf("a refused removal resolved the report: %q", s)
		}
		ben.join(t, room)

		// Remove: ben leaves the room.
		resolve(byAnn.ID, map[string]any{"action": "remove", "reason": "harassing ann"}).want(t, http.StatusOK).decode(t, &res)
		if res.Status != "resolved" {
			t.Fatalf("removal's report %+v", res)
		}
		var r wire.Room
		ann.do(t, "GET", "/api/rooms/"+room, nil).want(t, http.StatusOK).decode(t, &r)
		if r.CurrentCapacity != 2 {
			t.Fatalf("%d in the room after ben's removal, want ann and cy", r.CurrentCapacity)
		}

		// Ban: ann is banned for a day.
		resolve(byBen.ID, map[string]any{"action": "ban", "reason": "spam links", "durationHours": 24}).want(t, http.StatusOK).decode(t, &res)
		banned := ann.do(t, "GET", "/api/rooms", nil).problem(t, http.StatusForbidden, "banned")
		if banned.Reason != "spam links" || banned.Until == nil {
			t.Fatalf("ann's ban %+v", banned)
		}

		// Each is in the log: the resolution and the action's own entry.
		var audit wire.AuditPage
		mod.do(t, "GET", "/api/mod/audit?limit=5", nil).want(t, http.StatusOK).decode(t, &audit)
		got := []string{}
		for _, a := range audit.Entries {
			got = append(got, a.Action+" "+a.TargetID+" "+a.Reason)
		}
		want := []string{
			"report.resolve " + byBen.ID + " ban: spam links",
			"user.ban " + ann.userID + " spam links",
			"report.resolve " + byAnn.ID + " remove: harassing ann",
			"participant.remove " + ben.userID + " removed from room " + room,
			"report.resolve " + byCy.ID + " dismiss: not abuse",
		}
		for i := range want {
			if i >= len(got) || got[i] != want[i] || audit.Entries[i].ActorID != mod.userID {
				t.Fatalf("audit %v, want %v", got, want)
			}
		}
		if n := len(mod.modReports(t, "?status=resolved").Reports); n != 3 {
			t.Fatalf("%d resolved reports, want 3", n)
		}
		if n := len(mod.modReports(t, "").Reports); n != 0 {
			t.Fatalf("%d open reports, want none", n)
		}
	})
}

package api

import (
	"errors"
	"net/http"
	"testing"

	"github.com/bodydouble/bodydouble/internal/model"
	"github.com/bodydouble/bodydouble/internal/wire"
)

// A banned reporter's reports remain for moderators: ann reports ben, a
// moderator bans ann, and the report is still listed with its context
// (ben, the room, the reason and note, ben's open count) and can be
// resolved, here by removing ben from the room.
func TestBannedReportersReportsRemain(t *testing.T) {
	t.Parallel()
	eachBackend(t, func(t *testing.T, e *testEnv) {
		mod, ann, ben := e.signup(t), e.signup(t), e.signup(t)
		e.makeRole(t, mod, model.RoleModerator)
		room := starterRoom(t, e, "deep-work")
		ann.join(t, room)
		ben.join(t, room)
		rep := e.fileReport(t, ann, map[string]any{"userId": ben.userID, "roomId": room, "reason": "harassment", "note": "kept messaging"})
		var benUser wire.User
		ben.do(t, "GET", "/api/users/profile", nil).want(t, http.StatusOK).decode(t, &benUser)

		var ban wire.Ban
		mod.do(t, "POST", "/api/mod/bans", map[string]any{"userId": ann.userID, "reason": "abusive reports elsewhere"}).
			want(t, http.StatusCreated).decode(t, &ban)
		ann.do(t, "GET", "/api/rooms", nil).problem(t, http.StatusForbidden, "banned")

		page := mod.modReports(t, "?status=open")
		if len(page.Reports) != 1 {
			t.Fatalf("open reports after banning the reporter: %+v", page.Reports)
		}
		got := page.Reports[0]
		if got.ID != rep.ID || got.Status != model.ReportOpen || got.Reason != "harassment" || got.Note != "kept messaging" ||
			got.OpenReports != 1 || got.Room == nil || got.Room.ID != room || got.Room.Name == "" ||
			got.ReportedUser == nil || got.ReportedUser.ID != ben.userID || got.ReportedUser.DisplayName != benUser.DisplayName {
			t.Fatalf("report of a banned reporter %+v", got)
		}

		var res wire.Report
		mod.do(t, "POST", "/api/mod/reports/"+rep.ID+"/resolve", map[string]any{"action": "remove", "reason": "harassing ann"}).
			want(t, http.StatusOK).decode(t, &res)
		if res.ID != rep.ID || res.Status != model.ReportResolved {
			t.Fatalf("resolved report %+v", res)
		}
		if cur, err := e.store.CurrentRoom(t.Context(), ben.userID); !errors.Is(err, model.ErrNotFound) {
			t.Fatalf("ben after the removal: in %q (%v), want in no room", cur, err)
		}
		if n := len(mod.modReports(t, "?status=open").Reports); n != 0 {
			t.Fatalf("%d open reports after resolving, want none", n)
		}
		resolved := mod.modReports(t, "?status=resolved").Reports
		if len(resolved) != 1 || resolved[0].ID != rep.ID || resolved[0].ReportedUser == nil || resolved[0].Room == nil {
			t.Fatalf("resolved reports %+v", resolved)
		}
		// The ban still holds.
		ann.do(t, "GET", "/api/rooms", nil).problem(t, http.StatusForbidden, "banned")
	})
}

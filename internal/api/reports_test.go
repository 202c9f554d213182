package api

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/bodydouble/bodydouble/internal/wire"
)

func TestReports(t *testing.T) {
	t.Parallel()
	eachBackend(t, func(t *testing.T, e *testEnv) {
		ann, ben, cy := e.signup(t), e.signup(t), e.signup(t)
		room := starterRoom(t, e, "deep-work")
		ann.join(t, room)
		ben.join(t, room)

		// Nobody ann has met: not_found, as for someone unknown.
		ann.do(t, "POST", "/api/reports", map[string]any{"userId": cy.userID, "reason": "spam"}).problem(t, http.StatusNotFound, "not_found")
		ann.do(t, "POST", "/api/reports", map[string]any{"userId": unknownID, "reason": "spam"}).problem(t, http.StatusNotFound, "not_found")
		// Bad input is invalid and files nothing.
		for _, bad := range []struct {
			body  map[string]any
			field string
		}{
			{map[string]any{"userId": ben.userID, "reason": "rude"}, "reason"},
			{map[string]any{"userId": ben.userID}, "reason"},
			{map[string]any{"userId": ben.userID, "reason": "spam", "note": strings.Repeat("é", 501)}, "note"},
			{map[string]any{"userId": ben.userID, "reason": "spam", "note": "a\u202ebc"}, "note"},
			{map[string]any{"userId": ann.userID, "reason": "spam"}, "userId"},
			{map[string]any{"userId": ben.userID, "reason": "spam", "roomId": "x"}, "roomId"},
		} {
			ann.do(t, "POST", "/api/reports", bad.body).invalid(t, bad.field)
		}
		if len(ann.blocks(t)) != 0 {
			t.Fatalf("a refused report blocked someone")
		}

		note := strings.Repeat("é", 499) + "\n"
		var rep wire.Report
		ann.do(t, "POST", "/api/reports", map[string]any{"userId": ben.userID, "roomId": room, "reason": "harassment", "note": note}).
			want(t, http.StatusCreated).decode(t, &rep)
		if rep.ID == "" || rep.ReportedUserID != ben.userID || rep.RoomID == nil || *rep.RoomID != room || rep.Reason != "harassment" ||
			rep.Note != note || rep.Status != "open" || time.Time(rep.CreatedAt) != e.clock.Now() {
			t.Fatalf("report %+v", rep)
		}
		if got := ann.blocks(t); len(got) != 1 || got[0].UserID != ben.userID {
			t.Fatalf("reporting ben did not block him: %+v", got)
		}

		// Within a day, the same pair answers the open report.
		e.clock.Advance(23 * time.Hour)
		var again wire.Report
		ann.do(t, "POST", "/api/reports", map[string]any{"userId": ben.userID, "reason": "spam"}).want(t, http.StatusOK).decode(t, &again)
		if again.ID != rep.ID || again.Reason != "harassment" {
			t.Fatalf("second report %+v, want the first", again)
		}

		// Someone who left a day ago is out of reach.
		ben.do(t, "POST", "/api/rooms/"+room+"/leave", nil).want(t, http.StatusOK)
		e.clock.Advance(24*time.Hour + time.Second)
		ann.do(t, "POST", "/api/reports", map[string]any{"userId": ben.userID, "reason": "spam"}).problem(t, http.StatusNotFound, "not_found")
	})
}

func TestReportsAreRateLimited(t *testing.T) {
	t.Parallel()
	eachBackend(t, func(t *testing.T, e *testEnv) {
		ann := e.signup(t)
		room := ann.createRoom(t, map[string]any{"name": "Many", "category": "study", "maxCapacity": 20}).ID
		ann.join(t, room)
		others := make([]*client, reportBurst+1)
		for i := range others {
			others[i] = e.signup(t)
			others[i].join(t, room)
		}
		for i, o := range others[:reportBurst] {
			ann.do(t, "POST", "/api/reports", map[string]any{"userId": o.userID, "reason": "spam", "note": fmt.Sprint(i)}).want(t, http.StatusCreated)
		}
		last := others[reportBurst]
		res := ann.do(t, "POST", "/api/reports", map[string]any{"userId": last.userID, "reason": "spam"})
		res.problem(t, http.StatusTooManyRequests, "rate_limited")
		if res.header.Get("Retry-After") != fmt.Sprint(int(reportEvery/time.Second)) {
			t.Errorf("Retry-After %q, want %d", res.header.Get("Retry-After"), int(reportEvery/time.Second))
		}
		if len(ann.blocks(t)) != reportBurst {
			t.Errorf("a refused report blocked someone")
		}
		// A mistake costs nothing of the allowance, and it comes back.
		ann.do(t, "POST", "/api/reports", map[string]any{"userId": last.userID, "reason": "nope"}).invalid(t, "reason")
		e.clock.Advance(reportEvery)
		ann.do(t, "POST", "/api/reports", map[string]any{"userId": last.userID, "reason": "spam"}).want(t, http.StatusCreated)
	})
}

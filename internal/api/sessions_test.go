package api

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/bodydouble/bodydouble/internal/wire"
)

type sessionBody struct {
	ID              string   `json:"id"`
	RoomID          string   `json:"roomId"`
	UserID          string   `json:"userId"`
	StartedAt       string   `json:"startedAt"`
	EndedAt         *string  `json:"endedAt"`
	DurationMinutes *int     `json:"durationMinutes"`
	Goals           []string `json:"goals"`
	Achievements    []string `json:"achievements"`
	Progress        int      `json:"progress"`
	Rating          *int     `json:"rating"`
	ShareGoals      bool     `json:"shareGoals"`
	IsCompleted     bool     `json:"isCompleted"`
	PlannedMinutes  *int     `json:"plannedMinutes"`
}

func (c *client) startSession(t *testing.T, body map[string]any) sessionBody {
	t.Helper()
	var s sessionBody
	c.do(t, "POST", "/api/sessions", body).want(t, http.StatusCreated).decode(t, &s)
	return s
}

func TestSessionLifecycle(t *testing.T) {
	t.Parallel()
	eachBackend(t, func(t *testing.T, e *testEnv) {
		me, other := e.signup(t), e.signup(t)
		room := starterRoom(t, e, "deep-work")
		elsewhere := starterRoom(t, e, "study")
		me.do(t, "POST", "/api/sessions", map[string]any{"roomId": room, "goals": []string{"Draft"}}).problem(t, http.StatusConflict, "not_in_room")
		me.join(t, room)
		me.do(t, "POST", "/api/sessions", map[string]any{"roomId": elsewhere}).problem(t, http.StatusConflict, "not_in_room")
		me.do(t, "POST", "/api/sessions", map[string]any{"roomId": unknownID}).problem(t, http.StatusNotFound, "not_found")
		me.do(t, "POST", "/api/sessions", map[string]any{"roomId": "\u0000"}).problem(t, http.StatusNotFound, "not_found")

		res := me.do(t, "POST", "/api/sessions", map[string]any{"roomId": room, "goals": []string{" Draft intro ", "", "Email <Sam>"}}).want(t, http.StatusCreated)
		var s sessionBody
		res.decode(t, &s)
		if s.RoomID != room || s.UserID != me.userID || s.EndedAt != nil || s.DurationMinutes != nil || s.IsCompleted ||
			s.ShareGoals || s.Progress != 0 || s.Rating != nil || len(s.Achievements) != 0 ||
			strings.Join(s.Goals, "|") != "Draft intro|Email <Sam>" || s.StartedAt != "2025-03-12T09:00:00.000Z" {
			t.Errorf("started %+v", s)
		}
		if loc := res.header.Get("Location"); loc != "/api/sessions/"+s.ID {
			t.Errorf("Location %q", loc)
		}
		// One open session at a time; the conflict names it.
		p := me.do(t, "POST", "/api/sessions", map[string]any{"roomId": room}).problem(t, http.StatusConflict, "session_active")
		if p.SessionID != s.ID {
			t.Errorf("session_active names %q, want %q", p.SessionID, s.ID)
		}
		// Only the owner sees it.
		var got sessionBody
		me.do(t, "GET", "/api/sessions/"+s.ID, nil).want(t, http.StatusOK).decode(t, &got)
		if got.ID != s.ID || strings.Join(got.Goals, "|") != "Draft intro|Email <Sam>" {
			t.Errorf("GET %+v", got)
		}
		other.do(t, "GET", "/api/sessions/"+s.ID, nil).problem(t, http.StatusNotFound, "not_found")
		other.do(t, "PUT", "/api/sessions/"+s.ID, map[string]any{"progress": 10}).problem(t, http.StatusNotFound, "not_found")
		other.do(t, "POST", "/api/sessions/"+s.ID+"/complete", map[string]any{"achievements": []string{}}).problem(t, http.StatusNotFound, "not_found")

		// Partial update: omitted fields are kept.
		var upd sessionBody
		me.do(t, "PUT", "/api/sessions/"+s.ID, map[string]any{"progress": 40}).want(t, http.StatusOK).decode(t, &upd)
		if upd.Progress != 40 || len(upd.Goals) != 2 || upd.ShareGoals {
			t.Errorf("after progress: %+v", upd)
		}
		me.do(t, "PUT", "/api/sessions/"+s.ID, map[string]any{"goals": []string{"Draft intro", "Outline"}, "shareGoals": true}).want(t, http.StatusOK).decode(t, &upd)
		if upd.Progress != 40 || strings.Join(upd.Goals, "|") != "Draft intro|Outline" || !upd.ShareGoals {
			t.Errorf("after goals: %+v", upd)
		}
		me.do(t, "PUT", "/api/sessions/"+s.ID, map[string]any{}).want(t, http.StatusOK).decode(t, &upd)
		if upd.Progress != 40 || len(upd.Goals) != 2 {
			t.Errorf("after empty update: %+v", upd)
		}

		// Complete: endedAt, whole minutes, goals and achievements kept.
		e.clock.Advance(25*time.Minute + 59*time.Second)
		var done sessionBody
		me.do(t, "POST", "/api/sessions/"+s.ID+"/complete", map[string]any{"achievements": []string{"Intro drafted"}, "rating": 4}).want(t, http.StatusOK).decode(t, &done)
		if done.EndedAt == nil || *done.EndedAt != "2025-03-12T09:25:59.000Z" || done.DurationMinutes == nil || *done.DurationMinutes != 25 ||
			!done.IsCompleted || strings.Join(done.Goals, "|") != "Draft intro|Outline" ||
			strings.Join(done.Achievements, "|") != "Intro drafted" || done.Rating == nil || *done.Rating != 4 || done.Progress != 40 {
			t.Errorf("completed %+v", done)
		}
		// An ended session cannot change.
		me.do(t, "POST", "/api/sessions/"+s.ID+"/complete", map[string]any{"achievements": []string{}}).problem(t, http.StatusBadRequest, "invalid")
		me.do(t, "PUT", "/api/sessions/"+s.ID, map[string]any{"progress": 50}).problem(t, http.StatusBadRequest, "invalid")
		// And a new one can start.
		second := me.startSession(t, map[string]any{"roomId": room})
		if second.ID == s.ID || len(second.Goals) != 0 {
			t.Errorf("second session %+v", second)
		}
	})
}

func TestLeavingEndsSession(t *testing.T) {
	t.Parallel()
	eachBackend(t, func(t *testing.T, e *testEnv) {
		me := e.signup(t)
		a, b := starterRoom(t, e, "admin"), starterRoom(t, e, "chores")
		me.join(t, a)
		s := me.startSession(t, map[string]any{"roomId": a, "goals": []string{"Taxes"}})
		e.clock.Advance(10 * time.Minute)
		me.join(t, b) // moving rooms ends it
		var got sessionBody
		me.do(t, "GET", "/api/sessions/"+s.ID, nil).want(t, http.StatusOK).decode(t, &got)
		if got.EndedAt == nil || got.IsCompleted || got.DurationMinutes == nil || *got.DurationMinutes != 10 || got.Goals[0] != "Taxes" {
			t.Errorf("after moving: %+v", got)
		}
		s2 := me.startSession(t, map[string]any{"roomId": b})
		me.do(t, "POST", "/api/rooms/"+b+"/leave", nil).want(t, http.StatusOK)
		me.do(t, "GET", "/api/sessions/"+s2.ID, nil).want(t, http.StatusOK).decode(t, &got)
		if got.EndedAt == nil || got.IsCompleted {
			t.Errorf("after leaving: %+v", got)
		}
	})
}

func TestSessionErrors(t *testing.T) {
	t.Parallel()
	eachBackend(t, func(t *testing.T, e *testEnv) {
		me := e.signup(t)
		room := starterRoom(t, e, "creative")
		me.join(t, room)
		s := me.startSession(t, map[string]any{"roomId": room})
		eleven := make([]string, 11)
		for i := range eleven {
			eleven[i] = "goal"
		}
		runScenarios(t, e.url, nil, []scenario{
			{name: "start without session", method: "POST", path: "/api/sessions", body: map[string]any{"roomId": room}, status: 401, code: "unauthorized"},
			{name: "get without session", method: "GET", path: "/api/sessions/" + s.ID, status: 401, code: "unauthorized"},
			{name: "history without session", method: "GET", path: "/api/sessions/history", status: 401, code: "unauthorized"},
			{name: "stats without session", method: "GET", path: "/api/sessions/stats", status: 401, code: "unauthorized"},
		})
		sp := "/api/sessions/" + s.ID
		runScenarios(t, e.url, me, []scenario{
			{name: "start without body", method: "POST", path: "/api/sessions", field: "body"},
			{name: "start without room", method: "POST", path: "/api/sessions", body: map[string]any{"goals": []string{"a"}}, field: "roomId"},
			{name: "start with eleven goals", method: "POST", path: "/api/sessions", body: map[string]any{"roomId": room, "goals": eleven}, field: "goals"},
			{name: "start with a long goal", method: "POST", path: "/api/sessions", body: map[string]any{"roomId": room, "goals": []string{"ok", strings.Repeat("g", 201)}}, field: "goals.1"},
			{name: "start with goals a string", method: "POST", path: "/api/sessions", body: map[string]any{"roomId": room, "goals": "all of them"}, field: "goals"},
			{name: "start with unknown field", method: "POST", path: "/api/sessions", body: map[string]any{"roomId": room, "mood": "great"}, field: "mood"},
			{name: "start with shareGoals a string", method: "POST", path: "/api/sessions", body: map[string]any{"roomId": room, "shareGoals": "yes"}, field: "shareGoals"},
			{name: "progress over 100", method: "PUT", path: sp, body: map[string]any{"progress": 101}, field: "progress"},
			{name: "progress negative", method: "PUT", path: sp, body: map[string]any{"progress": -1}, field: "progress"},
			{name: "update unknown field", method: "PUT", path: sp, body: map[string]any{"endedAt": "now"}, field: "endedAt"},
			{name: "update without body", method: "PUT", path: sp, field: "body"},
			{name: "update malformed id", method: "PUT", path: "/api/sessions/xyz", body: map[string]any{"progress": 1}, status: 404, code: "not_found"},
			{name: "update unknown id", method: "PUT", path: "/api/sessions/" + unknownID, body: map[string]any{"progress": 1}, status: 404, code: "not_found"},
			{name: "get malformed id", method: "GET", path: "/api/sessions/123", status: 404, code: "not_found"},
			{name: "get unknown id", method: "GET", path: "/api/sessions/" + unknownID, status: 404, code: "not_found"},
			{name: "complete rating 0", method: "POST", path: sp + "/complete", body: map[string]any{"achievements": []string{}, "rating": 0}, field: "rating"},
			{name: "complete rating 6", method: "POST", path: sp + "/complete", body: map[string]any{"rating": 6}, field: "rating"},
			{name: "complete eleven achievements", method: "POST", path: sp + "/complete", body: map[string]any{"achievements": eleven}, field: "achievements"},
			{name: "complete without body", method: "POST", path: sp + "/complete", field: "body"},
			{name: "complete unknown id", method: "POST", path: "/api/sessions/" + unknownID + "/complete", body: map[string]any{}, status: 404, code: "not_found"},
			{name: "history limit 0", method: "GET", path: "/api/sessions/history?limit=0", field: "limit"},
			{name: "history forged cursor", method: "GET", path: "/api/sessions/history?cursor=abc", field: "cursor"},
			{name: "stats unknown zone", method: "GET", path: "/api/sessions/stats?tz=Mars/Olympus", field: "tz"},
			{name: "stats Local", method: "GET", path: "/api/sessions/stats?tz=Local", field: "tz"},
			{name: "stats path in zone", method: "GET", path: "/api/sessions/stats?tz=../../etc/passwd", field: "tz"},
		})
		// The failed requests left the session as it was.
		var got sessionBody
		me.do(t, "GET", sp, nil).want(t, http.StatusOK).decode(t, &got)
		if got.Progress != 0 || got.EndedAt != nil || got.Rating != nil {
			t.Errorf("session changed by failed requests: %+v", got)
		}
	})
}

func TestHistory(t *testing.T) {
	t.Parallel()
	eachBackend(t, func(t *testing.T, e *testEnv) {
		me, other := e.signup(t), e.signup(t)
		room := starterRoom(t, e, "study")
		me.join(t, room)
		other.join(t, room)
		var mine []string
		for range 5 {
			s := me.startSession(t, map[string]any{"roomId": room})
			o := other.startSession(t, map[string]any{"roomId": room})
			e.clock.Advance(30 * time.Minute)
			me.do(t, "POST", "/api/sessions/"+s.ID+"/complete", map[string]any{"achievements": []string{"done"}}).want(t, http.StatusOK)
			other.do(t, "POST", "/api/sessions/"+o.ID+"/complete", map[string]any{}).want(t, http.StatusOK)
			e.clock.Advance(time.Minute)
			mine = append(mine, s.ID)
		}
		for _, limit := range []string{"2", "5", "100"} {
			got := pageAll[sessionBody](t, me, "/api/sessions/history?limit="+limit, "sessions")
			if len(got) != len(mine) {
				t.Fatalf("limit %s: %d sessions, want %d", limit, len(got), len(mine))
			}
			for i, s := range got {
				if want := mine[len(mine)-1-i]; s.ID != want || s.UserID != me.userID {
					t.Errorf("limit %s: item %d is %s, want %s (newest first, own only)", limit, i, s.ID, want)
				}
			}
		}
		var empty wire.SessionPage
		e.signup(t).do(t, "GET", "/api/sessions/history", nil).want(t, http.StatusOK).decode(t, &empty)
		if empty.Sessions == nil || len(empty.Sessions) != 0 || empty.NextCursor != nil {
			t.Errorf("a newcomer's history: %+v", empty)
		}
	})
}

func TestStats(t *testing.T) {
	t.Parallel()
	eachBackend(t, func(t *testing.T, e *testEnv) {
		me := e.signup(t)
		room := starterRoom(t, e, "study")
		me.join(t, room)
		// Wednesday 12 March 2025, 09:00 UTC: 30 min completed, then 20 min abandoned.
		s := me.startSession(t, map[string]any{"roomId": room})
		e.clock.Advance(30 * time.Minute)
		me.do(t, "POST", "/api/sessions/"+s.ID+"/complete", map[string]any{}).want(t, http.StatusOK)
		me.startSession(t, map[string]any{"roomId": room})
		e.clock.Advance(20 * time.Minute)
		me.do(t, "POST", "/api/rooms/"+room+"/leave", nil).want(t, http.StatusOK)

		var st wire.Stats
		me.do(t, "GET", "/api/sessions/stats", nil).want(t, http.StatusOK).decode(t, &st)
		if st.WeekMinutes != 50 || st.StreakDays != 1 || st.TotalCount != 2 || st.CompletedCount != 1 || st.CompletionRate != 0.5 || len(st.Days) != 14 {
			t.Errorf("stats %+v", st)
		}
		if last := st.Days[13]; last.Date != "2025-03-12" || last.Minutes != 50 {
			t.Errorf("today %+v", last)
		}
		// In a zone where it is already Thursday, today has no focus yet; the streak lives on.
		var tokyo wire.Stats
		e.clock.Advance(15 * time.Hour) // 00:50 UTC Thursday 13th, 09:50 in Tokyo
		me.do(t, "GET", "/api/sessions/stats?tz=Asia/Tokyo", nil).want(t, http.StatusOK).decode(t, &tokyo)
		if tokyo.Days[13].Date != "2025-03-13" || tokyo.Days[12].Minutes != 50 || tokyo.StreakDays != 1 {
			t.Errorf("Tokyo stats %+v", tokyo)
		}
	})
}

// A planned block: plannedMinutes is 5 to 240, or null/absent for an
// open-ended block; anything else is invalid on plannedMinutes and starts
// nothing. The plan comes back on the session, its GET and its history;
// goals may be empty.
func TestSessionPlannedMinutes(t *testing.T) {
	t.Parallel()
	eachBackend(t, func(t *testing.T, e *testEnv) {
		me := e.signup(t)
		room := starterRoom(t, e, "deep-work")
		me.join(t, room)
		for _, bad := range []any{4, 241, 0, -25, 25.5, "25", true} {
			me.do(t, "POST", "/api/sessions", map[string]any{"roomId": room, "plannedMinutes": bad}).invalid(t, "plannedMinutes")
		}
		var page struct {
			Sessions []sessionBody `json:"sessions"`
		}
		me.do(t, "GET", "/api/sessions/history", nil).want(t, http.StatusOK).decode(t, &page)
		if len(page.Sessions) != 0 {
			t.Fatalf("a refused plan started %d sessions", len(page.Sessions))
		}
		for _, tc := range []struct {
			body map[string]any
			want *int
		}{
			{map[string]any{"roomId": room, "goals": []string{}, "plannedMinutes": 50}, ptrInt(50)},
			{map[string]any{"roomId": room, "plannedMinutes": 5}, ptrInt(5)},
			{map[string]any{"roomId": room, "plannedMinutes": 240}, ptrInt(240)},
			{map[string]any{"roomId": room, "plannedMinutes": nil}, nil},
			{map[string]any{"roomId": room}, nil},
		} {
			s := me.startSession(t, tc.body)
			if !samePlanned(s.PlannedMinutes, tc.want) || len(s.Goals) != 0 {
				t.Errorf("%v: started %+v", tc.body, s)
			}
			var got sessionBody
			me.do(t, "GET", "/api/sessions/"+s.ID, nil).want(t, http.StatusOK).decode(t, &got)
			if !samePlanned(got.PlannedMinutes, tc.want) {
				t.Errorf("%v: GET says plannedMinutes %v", tc.body, got.PlannedMinutes)
			}
			me.do(t, "POST", "/api/sessions/"+s.ID+"/complete", map[string]any{"achievements": []string{}}).want(t, http.StatusOK).decode(t, &got)
			if !samePlanned(got.PlannedMinutes, tc.want) {
				t.Errorf("%v: completed with plannedMinutes %v", tc.body, got.PlannedMinutes)
			}
		}
		// The history holds every plan (the test clock stands still, so
		// their order is by id: count them instead).
		me.do(t, "GET", "/api/sessions/history", nil).want(t, http.StatusOK).decode(t, &page)
		plans := map[int]int{}
		for _, s := range page.Sessions {
			if s.PlannedMinutes == nil {
				plans[0]++
			} else {
				plans[*s.PlannedMinutes]++
			}
		}
		if len(page.Sessions) != 5 || plans[50] != 1 || plans[5] != 1 || plans[240] != 1 || plans[0] != 2 {
			t.Errorf("history plans %v", plans)
		}
	})
}

func ptrInt(n int) *int { return &n }

func samePlanned(a, b *int) bool {
	return a == nil && b == nil || a != nil && b != nil && *a == *b
}

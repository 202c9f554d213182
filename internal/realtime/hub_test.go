package realtime_test

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/coder/websocket"

	"github.com/bodydouble/bodydouble/internal/realtime"
)

func TestUpgradeNeedsSession(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOptions{})
	resp, err := http.Get(e.srv.URL + "/ws")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("no session: %d, want 401", resp.StatusCode)
	}
	_, resp, err = websocket.Dial(context.Background(), e.wsURL(), &websocket.DialOptions{HTTPHeader: http.Header{"Authorization": {"Bearer forged.token.here"}}})
	if err == nil || resp == nil || resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("forged token: %v %v, want 401", err, resp)
	}
}

func TestCookieUpgradeFromForeignOriginIsForbidden(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOptions{})
	id := e.user(t)
	dial := func(origin string) int {
		h := http.Header{"Cookie": {"bd_session=" + id.Token}, "Origin": {origin}}
		ws, resp, err := websocket.Dial(context.Background(), e.wsURL(), &websocket.DialOptions{HTTPHeader: h})
		if err == nil {
			ws.CloseNow()
			return http.StatusSwitchingProtocols
		}
		return resp.StatusCode
	}
	if got := dial("http://evil.example"); got != http.StatusForbidden {
		t.Fatalf("foreign origin: %d, want 403", got)
	}
	if got := dial(e.srv.URL); got != http.StatusSwitchingProtocols {
		t.Fatalf("own origin: %d, want 101", got)
	}
}

func TestSixthConnectionIsRefused(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOptions{})
	id := e.user(t)
	for range realtime.MaxConnsPerUser {
		e.dial(t, id)
	}
	_, resp, err := websocket.Dial(context.Background(), e.wsURL(), &websocket.DialOptions{HTTPHeader: http.Header{"Authorization": {"Bearer " + id.Token}}})
	if err == nil || resp.StatusCode != http.StatusTooManyRequests {
		t.Fatalf("sixth: %v %v, want 429", err, resp)
	}
}

func TestJoinSnapshotAndParticipantEvents(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOptions{})
	alice, bob := e.user(t), e.user(t)
	room := e.room(t, alice, 8)
	a := e.dial(t, alice)
	snap := a.join(room)
	if got := snap.field(t, "room", "id"); got != room {
		t.Fatalf("snapshot room %v", got)
	}
	if ps := snap.field(t, "participants").([]any); len(ps) != 1 {
		t.Fatalf("participants %v", ps)
	}
	if st := snap.field(t, "timer", "state"); st != "idle" {
		t.Fatalf("timer %v", st)
	}

	b := e.dial(t, bob)
	snap = b.join(room)
	if ps := snap.field(t, "participants").([]any); len(ps) != 2 {
		t.Fatalf("bob's snapshot has %d participants", len(ps))
	}
	j := a.expect("participant-joined", "")
	if j.field(t, "participant", "id") != bob.UserID || j.field(t, "participant", "status") != "working" {
		t.Fatalf("participant-joined %s", j.Data)
	}

	b.send("leave-room", map[string]any{"roomId": room}, "l")
	b.expect("room-left", "l")
	l := a.expect("participant-left", "")
	if l.field(t, "participantId") != bob.UserID || l.field(t, "roomId") != room {
		t.Fatalf("participant-left %s", l.Data)
	}
	// Leaving again still answers the ref.
	b.send("leave-room", map[string]any{"roomId": room}, "l2")
	b.expect("room-left", "l2")
}

func TestPresenceBroadcastIsTheSendersReply(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOptions{})
	alice, bob := e.user(t), e.user(t)
	room := e.room(t, alice, 8)
	a, b := e.dial(t, alice), e.dial(t, bob)
	a.join(room)
	b.join(room)
	a.expect("participant-joined", "")

	b.send("update-presence", map[string]any{"roomId": room, "status": "break"}, "p1")
	reply := b.expect("presence-updated", "p1")
	other := a.expect("presence-updated", "")
	for _, m := range []msg{reply, other} {
		if m.field(t, "status") != "break" || m.field(t, "participantId") != bob.UserID {
			t.Fatalf("presence-updated %s", m.Data)
		}
	}
	b.send("update-presence", map[string]any{"roomId": room, "status": "asleep"}, "p2")
	b.expectError("invalid", "p2")
}

func TestFocusSessionEvents(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOptions{})
	alice, bob := e.user(t), e.user(t)
	room := e.room(t, alice, 8)
	a, b := e.dial(t, alice), e.dial(t, bob)
	a.join(room)
	b.join(room)
	a.expect("participant-joined", "")

	a.send("start-focus-session", map[string]any{"roomId": room, "goals": []string{"write intro"}}, "s")
	own := a.expect("focus-session-started", "s")
	seen := b.expect("focus-session-started", "")
	if goals := own.field(t, "session", "goals").([]any); len(goals) != 1 {
		t.Fatalf("owner sees goals %v", goals)
	}
	if goals := seen.field(t, "session", "goals"); goals != nil {
		t.Fatalf("others see unshared goals: %v", goals)
	}
	id := own.field(t, "session", "id").(string)

	a.send("start-focus-session", map[string]any{"roomId": room, "goals": []string{}}, "s2")
	if m := a.expectError("session_active", "s2"); m.field(t, "sessionId") != id {
		t.Fatalf("session_active names %v", m.field(t, "sessionId"))
	}

	a.send("update-progress", map[string]any{"sessionId": id, "progress": 40}, "u")
	if p := a.expect("focus-session-updated", "u").field(t, "session", "progress"); p != 40.0 {
		t.Fatalf("progress %v", p)
	}
	b.expect("focus-session-updated", "")
	a.send("update-progress", map[string]any{"sessionId": id, "progress": 140}, "u2")
	a.expectError("invalid", "u2")
	b.send("update-progress", map[string]any{"sessionId": id, "progress": 10}, "u3")
	b.expectError("not_found", "u3")

	a.send("complete-session", map[string]any{"sessionId": id, "achievements": []string{"intro done"}, "rating": 4}, "c")
	done := a.expect("focus-session-completed", "c")
	if done.field(t, "session", "isCompleted") != true || done.field(t, "session", "endedAt") == nil {
		t.Fatalf("completed %s", done.Data)
	}
	b.expect("focus-session-completed", "")

	// A snapshot shows an open session's focus, with goals only when shared.
	a.send("start-focus-session", map[string]any{"roomId": room, "goals": []string{"shared goal"}, "shareGoals": true}, "s3")
	a.expect("focus-session-started", "s3")
	b.expect("focus-session-started", "")
	c := e.dial(t, e.user(t))
	snap := c.join(room)
	found := false
	for _, p := range snap.field(t, "participants").([]any) {
		p := p.(map[string]any)
		if p["id"] == alice.UserID {
			focus := p["focus"].(map[string]any)
			found = focus["goals"].([]any)[0] == "shared goal"
		}
	}
	if !found {
		t.Fatalf("snapshot lacks shared focus: %s", snap.Data)
	}
}

func TestTimerEvents(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOptions{})
	alice, bob := e.user(t), e.user(t)
	room := e.room(t, alice, 8)
	a, b := e.dial(t, alice), e.dial(t, bob)
	a.join(room)
	b.join(room)
	a.expect("participant-joined", "")

	a.send("start-timer", map[string]any{"roomId": room, "duration": 1500, "type": "work"}, "t1")
	started := a.expect("timer-started", "t1")
	b.expect("timer-started", "")
	if started.field(t, "state") != "running" || started.field(t, "by") != alice.UserID || started.field(t, "endsAt") == nil {
		t.Fatalf("timer-started %s", started.Data)
	}
	v1 := started.field(t, "version").(float64)

	b.send("pause-timer", map[string]any{"roomId": room}, "t2")
	paused := b.expect("timer-updated", "t2")
	a.expect("timer-updated", "")
	if paused.field(t, "state") != "paused" || paused.field(t, "endsAt") != nil || paused.field(t, "version").(float64) != v1+1 {
		t.Fatalf("paused %s", paused.Data)
	}
	b.send("pause-timer", map[string]any{"roomId": room}, "t3")
	b.expectError("invalid", "t3")
	b.send("resume-timer", map[string]any{"roomId": room}, "t4")
	if m := b.expect("timer-updated", "t4"); m.field(t, "state") != "running" {
		t.Fatalf("resumed %s", m.Data)
	}
	a.expect("timer-updated", "")
	a.send("reset-timer", map[string]any{"roomId": room}, "t5")
	if m := a.expect("timer-updated", "t5"); m.field(t, "state") != "idle" || m.field(t, "version").(float64) != v1+3 {
		t.Fatalf("reset %s", m.Data)
	}
	b.expect("timer-updated", "")

	for _, bad := range []map[string]any{
		{"roomId": room, "duration": 0, "type": "work"},
		{"roomId": room, "duration": 4*3600 + 1, "type": "work"},
		{"roomId": room, "duration": 60, "type": "nap"},
	} {
		a.send("start-timer", bad, "bad")
		a.expectError("invalid", "bad")
	}

	// A one-second timer completes once, for everyone.
	a.send("start-timer", map[string]any{"roomId": room, "duration": 1, "type": "break"}, "t6")
	a.expect("timer-started", "t6")
	b.expect("timer-started", "")
	for _, c := range []*client{a, b} {
		m := c.expect("timer-completed", "")
		if m.field(t, "type") != "break" {
			t.Fatalf("timer-completed %s", m.Data)
		}
	}
	tm, err := e.st.GetTimer(context.Background(), room)
	if err != nil || tm.State != "idle" {
		t.Fatalf("stored timer %+v %v", tm, err)
	}
}

func TestErrorsKeepTheConnectionOpen(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOptions{})
	alice := e.user(t)
	room := e.room(t, alice, 2)
	a := e.dial(t, alice)

	a.sendRaw([]byte(`{"event":"join-room","data":{"roomId":`))
	a.expectError("invalid", "")
	a.sendRaw([]byte(`{"event":"join-room","data":{"roomId":"x","extra":1},"ref":"r1"}`))
	a.expectError("invalid", "r1")
	a.send("dance", map[string]any{}, "r2")
	a.expectError("unknown_event", "r2")
	a.send("update-presence", map[string]any{"roomId": room, "status": "working"}, "r3")
	a.expectError("not_in_room", "r3")
	a.send("join-room", map[string]any{"roomId": "00000000-0000-4000-8000-000000000000"}, "r4")
	a.expectError("not_found", "r4")
	a.send("join-room", map[string]any{"roomId": room, "userPreferences": map[string]any{"x": 1}}, "r5")
	a.expect("room-joined", "r5")

	e.dial(t, e.user(t)).join(room)
	a.expect("participant-joined", "")
	c := e.dial(t, e.user(t))
	c.send("join-room", map[string]any{"roomId": room}, "r6")
	c.expectError("room_full", "r6")
	// Still open: the next event works.
	c.send("leave-room", map[string]any{"roomId": room}, "r7")
	c.expect("room-left", "r7")
}

func TestOversizedFrameCloses1009(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOptions{})
	a := e.dial(t, e.user(t))
	a.sendRaw([]byte(`{"event":"join-room","data":{"roomId":"` + strings.Repeat("x", realtime.MaxFrame) + `"}}`))
	if code := a.waitClose(); code != websocket.StatusMessageTooBig {
		t.Fatalf("close code %d, want 1009", code)
	}
}

func TestRateLimitThenAbuseCloses1008(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOptions{})
	a := e.dial(t, e.user(t))
	limited := 0
	for i := range 200 {
		a.sendRaw([]byte(`{"event":"nope","ref":"x` + strings.Repeat("y", i%3) + `"}`))
	}
	for {
		select {
		case m, ok := <-a.in:
			if !ok {
				if code := <-a.closed; code != realtime.CloseAbuse {
					t.Fatalf("close code %d, want 1008", code)
				}
				if limited == 0 {
					t.Fatal("no rate_limited error before the close")
				}
				return
			}
			if m.Event == "error" && m.field(t, "code") == "rate_limited" {
				limited++
			}
		case code := <-a.closed:
			if code != realtime.CloseAbuse {
				t.Fatalf("close code %d, want 1008", code)
			}
			return
		}
	}
}

func TestLogoutCloses4401(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOptions{})
	id := e.user(t)
	a := e.dial(t, id)
	other := e.dial(t, e.user(t))
	e.hub.CloseToken(context.Background(), id)
	if code := a.waitClose(); code != realtime.CloseSignedOut {
		t.Fatalf("close code %d, want 4401", code)
	}
	other.send("dance", map[string]any{}, "still-open")
	other.expectError("unknown_event", "still-open")
}

func TestShutdownCloses1012(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOptions{})
	a := e.dial(t, e.user(t))
	go e.hub.Shutdown(context.Background())
	if code := a.waitClose(); code != realtime.CloseRestarting {
		t.Fatalf("close code %d, want 1012", code)
	}
}

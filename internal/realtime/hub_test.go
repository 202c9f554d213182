package realtime_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"testing"

	"github.com/coder/websocket"

	"github.com/bodydouble/bodydouble/internal/broker"
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
	snap := a.Join(room)
	if got := snap.Field(t, "room", "id"); got != room {
		t.Fatalf("snapshot room %v", got)
	}
	if ps := snap.Field(t, "participants").([]any); len(ps) != 1 {
		t.Fatalf("participants %v", ps)
	}
	if st := snap.Field(t, "timer", "state"); st != "idle" {
		t.Fatalf("timer %v", st)
	}

	b := e.dial(t, bob)
	snap = b.Join(room)
	if ps := snap.Field(t, "participants").([]any); len(ps) != 2 {
		t.Fatalf("bob's snapshot has %d participants", len(ps))
	}
	j := a.Expect("participant-joined", "")
	if j.Field(t, "participant", "id") != bob.UserID || j.Field(t, "participant", "status") != "working" {
		t.Fatalf("participant-joined %s", j.Data)
	}

	b.Send("leave-room", map[string]any{"roomId": room}, "l")
	b.Expect("room-left", "l")
	l := a.Expect("participant-left", "")
	if l.Field(t, "participantId") != bob.UserID || l.Field(t, "roomId") != room {
		t.Fatalf("participant-left %s", l.Data)
	}
	// Leaving again still answers the ref.
	b.Send("leave-room", map[string]any{"roomId": room}, "l2")
	b.Expect("room-left", "l2")
}

func TestPresenceBroadcastIsTheSendersReply(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOptions{})
	_, bob, room, a, b := e.twoInRoom(t)

	b.Send("update-presence", map[string]any{"roomId": room, "status": "break"}, "p1")
	reply := b.Expect("presence-updated", "p1")
	other := a.Expect("presence-updated", "")
	for _, m := range []msg{reply, other} {
		if m.Field(t, "status") != "break" || m.Field(t, "participantId") != bob.UserID {
			t.Fatalf("presence-updated %s", m.Data)
		}
	}
	b.Send("update-presence", map[string]any{"roomId": room, "status": "asleep"}, "p2")
	b.ExpectError("invalid", "p2")
}

func TestFocusSessionEvents(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOptions{})
	alice, _, room, a, b := e.twoInRoom(t)

	a.Send("start-focus-session", map[string]any{"roomId": room, "goals": []string{"write intro"}}, "s")
	own := a.Expect("focus-session-started", "s")
	seen := b.Expect("focus-session-started", "")
	if goals := own.Field(t, "session", "goals").([]any); len(goals) != 1 {
		t.Fatalf("owner sees goals %v", goals)
	}
	if goals := seen.Field(t, "session", "goals"); goals != nil {
		t.Fatalf("others see unshared goals: %v", goals)
	}
	id := own.Field(t, "session", "id").(string)

	a.Send("start-focus-session", map[string]any{"roomId": room, "goals": []string{}}, "s2")
	if m := a.ExpectError("session_active", "s2"); m.Field(t, "sessionId") != id {
		t.Fatalf("session_active names %v", m.Field(t, "sessionId"))
	}

	a.Send("update-progress", map[string]any{"sessionId": id, "progress": 40}, "u")
	if p := a.Expect("focus-session-updated", "u").Field(t, "session", "progress"); p != 40.0 {
		t.Fatalf("progress %v", p)
	}
	b.Expect("focus-session-updated", "")
	a.Send("update-progress", map[string]any{"sessionId": id, "progress": 140}, "u2")
	a.ExpectError("invalid", "u2")
	b.Send("update-progress", map[string]any{"sessionId": id, "progress": 10}, "u3")
	b.ExpectError("not_found", "u3")

	a.Send("complete-session", map[string]any{"sessionId": id, "achievements": []string{"intro done"}, "rating": 4}, "c")
	done := a.Expect("focus-session-completed", "c")
	if done.Field(t, "session", "isCompleted") != true || done.Field(t, "session", "endedAt") == nil {
		t.Fatalf("completed %s", done.Data)
	}
	b.Expect("focus-session-completed", "")

	// A snapshot shows an open session's focus, with goals only when shared.
	a.Send("start-focus-session", map[string]any{"roomId": room, "goals": []string{"shared goal"}, "shareGoals": true}, "s3")
	a.Expect("focus-session-started", "s3")
	b.Expect("focus-session-started", "")
	c := e.dial(t, e.user(t))
	snap := c.Join(room)
	found := false
	for _, p := range snap.Field(t, "participants").([]any) {
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
	alice, _, room, a, b := e.twoInRoom(t)

	a.Send("start-timer", map[string]any{"roomId": room, "duration": 1500, "type": "work"}, "t1")
	started := a.Expect("timer-started", "t1")
	b.Expect("timer-started", "")
	if started.Field(t, "state") != "running" || started.Field(t, "by") != alice.UserID || started.Field(t, "endsAt") == nil {
		t.Fatalf("timer-started %s", started.Data)
	}
	v1 := started.Field(t, "version").(float64)

	b.Send("pause-timer", map[string]any{"roomId": room}, "t2")
	paused := b.Expect("timer-updated", "t2")
	a.Expect("timer-updated", "")
	if paused.Field(t, "state") != "paused" || paused.Field(t, "endsAt") != nil || paused.Field(t, "version").(float64) != v1+1 {
		t.Fatalf("paused %s", paused.Data)
	}
	b.Send("pause-timer", map[string]any{"roomId": room}, "t3")
	b.ExpectError("invalid", "t3")
	b.Send("resume-timer", map[string]any{"roomId": room}, "t4")
	if m := b.Expect("timer-updated", "t4"); m.Field(t, "state") != "running" {
		t.Fatalf("resumed %s", m.Data)
	}
	a.Expect("timer-updated", "")
	a.Send("reset-timer", map[string]any{"roomId": room}, "t5")
	if m := a.Expect("timer-updated", "t5"); m.Field(t, "state") != "idle" || m.Field(t, "version").(float64) != v1+3 {
		t.Fatalf("reset %s", m.Data)
	}
	b.Expect("timer-updated", "")

	for _, bad := range []map[string]any{
		{"roomId": room, "duration": 0, "type": "work"},
		{"roomId": room, "duration": 4*3600 + 1, "type": "work"},
		{"roomId": room, "duration": 60, "type": "nap"},
	} {
		a.Send("start-timer", bad, "bad")
		a.ExpectError("invalid", "bad")
	}

	// A one-second timer completes once, for everyone.
	a.Send("start-timer", map[string]any{"roomId": room, "duration": 1, "type": "break"}, "t6")
	a.Expect("timer-started", "t6")
	b.Expect("timer-started", "")
	for _, c := range []*client{a, b} {
		m := c.Expect("timer-completed", "")
		if m.Field(t, "type") != "break" {
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

	a.SendRaw([]byte(`{"event":"join-room","data":{"roomId":`))
	a.ExpectError("invalid", "")
	a.SendRaw([]byte(`{"event":"join-room","data":{"roomId":"x","extra":1},"ref":"r1"}`))
	a.ExpectError("invalid", "r1")
	a.Send("dance", map[string]any{}, "r2")
	a.ExpectError("unknown_event", "r2")
	a.Send("update-presence", map[string]any{"roomId": room, "status": "working"}, "r3")
	a.ExpectError("not_in_room", "r3")
	a.Send("join-room", map[string]any{"roomId": "00000000-0000-4000-8000-000000000000"}, "r4")
	a.ExpectError("not_found", "r4")
	a.Send("join-room", map[string]any{"roomId": room, "userPreferences": map[string]any{"x": 1}}, "r5")
	a.Expect("room-joined", "r5")

	e.dial(t, e.user(t)).Join(room)
	a.Expect("participant-joined", "")
	c := e.dial(t, e.user(t))
	c.Send("join-room", map[string]any{"roomId": room}, "r6")
	c.ExpectError("room_full", "r6")
	// Still open: the next event works.
	c.Send("leave-room", map[string]any{"roomId": room}, "r7")
	c.Expect("room-left", "r7")
}

func TestOversizedFrameCloses1009(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOptions{})
	a := e.dial(t, e.user(t))
	// The server may close while the frame is still being written.
	_ = a.WS.Write(context.Background(), websocket.MessageText, []byte(`{"event":"join-room","data":{"roomId":"`+strings.Repeat("x", realtime.MaxFrame)+`"}}`))
	if code := a.WaitClose(); code != websocket.StatusCode(realtime.CloseTooBig) {
		t.Fatalf("close code %d, want 1009", code)
	}
}

func TestRateLimitThenAbuseCloses1008(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOptions{})
	a := e.dial(t, e.user(t))
	limited := 0
	// Flood; once the server has closed the socket, writes fail, which is the point.
	for range 200 {
		if a.WS.Write(context.Background(), websocket.MessageText, []byte(`{"event":"nope","ref":"x"}`)) != nil {
			break
		}
	}
	for {
		select {
		case m, ok := <-a.In:
			if !ok {
				if code := <-a.Closed; code != websocket.StatusCode(realtime.CloseAbuse) {
					t.Fatalf("close code %d, want 1008", code)
				}
				if limited == 0 {
					t.Fatal("no rate_limited error before the close")
				}
				return
			}
			if m.Event == "error" && m.Field(t, "code") == "rate_limited" {
				limited++
			}
		case code := <-a.Closed:
			if code != websocket.StatusCode(realtime.CloseAbuse) {
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
	if code := a.WaitClose(); code != websocket.StatusCode(realtime.CloseSignedOut) {
		t.Fatalf("close code %d, want 4401", code)
	}
	other.Send("dance", map[string]any{}, "still-open")
	other.ExpectError("unknown_event", "still-open")
}

func TestShutdownCloses1012(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOptions{})
	a := e.dial(t, e.user(t))
	go e.hub.Shutdown(context.Background())
	if code := a.WaitClose(); code != websocket.StatusCode(realtime.CloseRestarting) {
		t.Fatalf("close code %d, want 1012", code)
	}
}

// TestShutdownRightAfterStart: a hub stopped as soon as it started (a
// SIGTERM during start-up, a test that gives up early) still stops its
// event loop within the deadline: nbio can otherwise miss that Stop.
func TestShutdownRightAfterStart(t *testing.T) {
	t.Parallel()
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	b := broker.NewMemory()
	t.Cleanup(func() { b.Close() })
	for range 5 {
		hub, err := realtime.New(realtime.Options{Broker: b, Logger: log})
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithTimeout(context.Background(), waitLimit)
		hub.Shutdown(ctx)
		err = ctx.Err()
		cancel()
		if err != nil {
			t.Fatalf("Shutdown ran into its deadline: %v", err)
		}
	}
}

// TestUpgradeDuringStoreOutageIsNotSignedOut: when the store cannot say
// whether a token was revoked, the upgrade fails as the server's fault
// (500), never as 401, which tells a client its person is signed out.
func TestUpgradeDuringStoreOutageIsNotSignedOut(t *testing.T) {
	t.Parallel()
	st := openStore(t)
	e := newEnv(t, envOptions{store: st})
	id := e.user(t)
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
	_, resp, err := websocket.Dial(context.Background(), e.wsURL(), &websocket.DialOptions{HTTPHeader: http.Header{"Authorization": {"Bearer " + id.Token}}})
	if err == nil || resp == nil || resp.StatusCode != http.StatusInternalServerError {
		t.Fatalf("upgrade with the store closed: %v %v, want 500", err, resp)
	}
}

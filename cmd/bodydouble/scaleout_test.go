package main_test

import (
	"crypto/rand"
	"encoding/hex"
	"net/http"
	"os"
	"strings"
	"testing"

	"github.com/coder/websocket"

	"github.com/bodydouble/bodydouble/internal/realtime"
	"github.com/bodydouble/bodydouble/internal/realtime/wstest"
	"github.com/bodydouble/bodydouble/internal/store/storetest"
)

// scaleOutEnv is the environment of instances that share a fresh
// PostgreSQL database (dbURL) and a private Redis prefix; it skips the
// test without BODYDOUBLE_TEST_DATABASE_URL and BODYDOUBLE_TEST_REDIS_URL.
func scaleOutEnv(t *testing.T) (env []string, dbURL string) {
	t.Helper()
	redisURL := os.Getenv("BODYDOUBLE_TEST_REDIS_URL")
	if redisURL == "" {
		t.Skip("BODYDOUBLE_TEST_REDIS_URL not set")
	}
	dbURL = storetest.PostgresURL(t)
	b := make([]byte, 6)
	rand.Read(b)
	return []string{
		"BODYDOUBLE_DATABASE_URL=" + dbURL,
		"BODYDOUBLE_REDIS_URL=" + redisURL,
		"BODYDOUBLE_REDIS_PREFIX=bdtest-" + hex.EncodeToString(b) + ":",
	}, dbURL
}

// scaleOut starts two instances at once on scaleOutEnv.
func scaleOut(t *testing.T) (*server, *server) {
	t.Helper()
	env, _ := scaleOutEnv(t)
	return startTogether(t, t.TempDir(), env)
}

func wsURL(base string) string { return "ws" + strings.TrimPrefix(base, "http") + "/ws" }

func TestTwoInstancesOnPostgresAndRedisActAsOne(t *testing.T) {
	t.Parallel()
	a, b := scaleOut(t)
	alice, bob := signUp(t, a.URL), signUp(t, b.URL)
	var rooms roomList
	call(t, nil, "GET", b.URL+"/api/rooms", alice.Token, nil, &rooms)
	if len(rooms.Rooms) != 5 {
		t.Fatalf("%d starter rooms after a simultaneous start on one database", len(rooms.Rooms))
	}
	// A room whose timer anyone controls (starter rooms keep their own
	// rhythm), created on A and joined on both.
	var created struct {
		ID string `json:"id"`
	}
	if code := call(t, nil, "POST", a.URL+"/api/rooms", alice.Token, map[string]any{"name": "Together", "category": "study", "timerControl": "anyone"}, &created); code != http.StatusCreated {
		t.Fatalf("create room: %d", code)
	}
	room := created.ID

	ca := wstest.Dial(t, wsURL(a.URL), alice.Token)
	cb := wstest.Dial(t, wsURL(b.URL), bob.Token)
	ca.Join(room)
	snap := cb.Join(room)
	if n := len(snap.Field(t, "participants").([]any)); n != 2 {
		t.Fatalf("bob's snapshot on B has %d participants", n)
	}
	if got := ca.Expect("participant-joined", "").Field(t, "participant", "id"); got != bob.User.ID {
		t.Fatalf("alice on A saw %v join", got)
	}

	cb.Send("update-presence", map[string]any{"roomId": room, "status": "break"}, "p")
	cb.ExpectAfterJoin(snap, "presence-updated", "p")
	ca.Expect("presence-updated", "")

	// A focus session started over REST on A reaches the socket on B.
	var sess struct {
		ID string `json:"id"`
	}
	if code := call(t, nil, "POST", a.URL+"/api/sessions", alice.Token, map[string]any{"roomId": room, "goals": []string{"plan"}}, &sess); code != 201 {
		t.Fatalf("start session over REST: %d", code)
	}
	ca.Expect("focus-session-started", "")
	if got := cb.Expect("focus-session-started", "").Field(t, "session", "id"); got != sess.ID {
		t.Fatalf("bob saw session %v", got)
	}

	// One timer for the room; it completes once, for both.
	ca.Send("start-timer", map[string]any{"roomId": room, "duration": 1, "type": "work"}, "t")
	ca.Expect("timer-started", "t")
	cb.Expect("timer-started", "")
	ca.Expect("timer-completed", "")
	cb.Expect("timer-completed", "")
	// Sentinel: the next event each sees is this presence change, not a second completion.
	ca.Send("update-presence", map[string]any{"roomId": room, "status": "working"}, "s")
	ca.Expect("presence-updated", "s")
	cb.Expect("presence-updated", "")

	// Capacity is exact across instances.
	var joined struct {
		CurrentCapacity int `json:"currentCapacity"`
	}
	call(t, nil, "GET", b.URL+"/api/rooms/"+room, bob.Token, nil, &joined)
	if joined.CurrentCapacity != 2 {
		t.Fatalf("currentCapacity %d", joined.CurrentCapacity)
	}

	// Logging out on A kills the token on B, and B's socket closes with 4401.
	if code := call(t, nil, "POST", a.URL+"/api/auth/logout", bob.Token, nil, nil); code != http.StatusNoContent {
		t.Fatalf("logout: %d", code)
	}
	if code := cb.WaitClose(); code != websocket.StatusCode(realtime.CloseSignedOut) {
		t.Fatalf("bob's socket on B closed with %d, want 4401", code)
	}
	if code := call(t, nil, "GET", b.URL+"/api/auth/session", bob.Token, nil, nil); code != http.StatusUnauthorized {
		t.Fatalf("revoked token on B: %d", code)
	}
}

func TestStoppingAnInstanceAsksClientsToReconnect(t *testing.T) {
	t.Parallel()
	a, b := scaleOut(t)
	alice, bob := signUp(t, a.URL), signUp(t, a.URL)
	var rooms roomList
	call(t, nil, "GET", a.URL+"/api/rooms", alice.Token, nil, &rooms)
	room := rooms.Rooms[1].ID
	ca := wstest.Dial(t, wsURL(a.URL), alice.Token)
	cb := wstest.Dial(t, wsURL(b.URL), bob.Token)
	ca.Join(room)
	snap := cb.Join(room)
	ca.Expect("participant-joined", "")

	a.stop()
	if code := ca.WaitClose(); code != websocket.StatusCode(realtime.CloseRestarting) {
		t.Fatalf("close code %d, want 1012", code)
	}
	// Alice reconnects to B within the grace period: bob hears nothing.
	ca = wstest.Dial(t, wsURL(b.URL), alice.Token)
	if n := len(ca.Join(room).Field(t, "participants").([]any)); n != 2 {
		t.Fatalf("%d participants after moving instance", n)
	}
	cb.Send("update-presence", map[string]any{"roomId": room, "status": "away"}, "p")
	cb.ExpectAfterJoin(snap, "presence-updated", "p")
	ca.Expect("presence-updated", "")
}

package app

// Fault tests: two instances on PostgreSQL and Redis, each service reached
// through a faultproxy that the test stalls (bytes held, connections open)
// or cuts (connections closed, new ones refused), as docs/operations.md
// "Outages" describes. They run when BODYDOUBLE_TEST_DATABASE_URL and
// BODYDOUBLE_TEST_REDIS_URL are set.

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/bodydouble/bodydouble/internal/config"
	"github.com/bodydouble/bodydouble/internal/faultproxy"
	"github.com/bodydouble/bodydouble/internal/realtime"
	"github.com/bodydouble/bodydouble/internal/realtime/wstest"
	"github.com/bodydouble/bodydouble/internal/store/storetest"
	"github.com/bodydouble/bodydouble/internal/testlog"
)

// faultLimit bounds every wait in these tests for something that must
// happen (each is far longer than it should take).
const faultLimit = 60 * time.Second

// faultEnv is two instances sharing one database and one Redis, both
// reached through proxies.
type faultEnv struct {
	a, b         *App
	aLogs, bLogs *testlog.Buffer
	pg, redis    *faultproxy.Proxy
}

// twoInstances starts two instances on a fresh PostgreSQL database and a
// private Redis prefix, both behind fault proxies, or skips the test.
func twoInstances(t *testing.T) *faultEnv {
	t.Helper()
	redisURL := os.Getenv("BODYDOUBLE_TEST_REDIS_URL")
	if redisURL == "" {
		t.Skip("BODYDOUBLE_TEST_REDIS_URL is not set")
	}
	dbURL := storetest.PostgresURL(t) // skips without BODYDOUBLE_TEST_DATABASE_URL
	e := &faultEnv{}
	var pgURL, rURL string
	e.pg, pgURL = proxied(t, dbURL)
	e.redis, rURL = proxied(t, redisURL)
	prefix := "bdtest-" + rand.Text() + ":"
	configure := func(c *config.Config) {
		c.DatabaseURL, c.RedisURL, c.RedisPrefix = pgURL, rURL, prefix
		c.TURNAddr = config.TURNOff
	}
	e.a, e.aLogs, _ = startApp(t, configure)
	e.b, e.bLogs, _ = startApp(t, configure)
	return e
}

// proxied puts a fault proxy in front of the server of rawURL and returns
// it with the URL that goes through it.
func proxied(t *testing.T, rawURL string) (*faultproxy.Proxy, string) {
	t.Helper()
	u, err := url.Parse(rawURL)
	if err != nil {
		t.Fatal(err)
	}
	p, err := faultproxy.New(u.Host)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Close() })
	u.Host = p.Addr()
	return p, u.String()
}

func wsOf(a *App) string { return "ws://" + a.Addr().String() + "/ws" }

// do sends an authenticated JSON request and decodes the answer into out
// (when not nil). The client's timeout is the test's bound on the answer.
func (s session) do(t *testing.T, method, path string, body, out any) int {
	t.Helper()
	var req *http.Request
	if body != nil {
		b, _ := json.Marshal(body)
		req, _ = http.NewRequest(method, s.base+path, strings.NewReader(string(b)))
		req.Header.Set("Content-Type", "application/json")
	} else {
		req, _ = http.NewRequest(method, s.base+path, nil)
	}
	req.Header.Set("Authorization", "Bearer "+s.token)
	res, err := (&http.Client{Timeout: wstest.WaitLimit}).Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer res.Body.Close()
	if out != nil {
		if err := json.NewDecoder(res.Body).Decode(out); err != nil {
			t.Fatalf("%s %s: %d %v", method, path, res.StatusCode, err)
		}
	}
	return res.StatusCode
}

// firstRoom returns the id of a starter room.
func firstRoom(t *testing.T, s session) string {
	t.Helper()
	var list struct {
		Rooms []struct {
			ID string `json:"id"`
		} `json:"rooms"`
	}
	if code := s.do(t, "GET", "/api/rooms", nil, &list); code != http.StatusOK || len(list.Rooms) == 0 {
		t.Fatalf("rooms: %d, %d rooms", code, len(list.Rooms))
	}
	return list.Rooms[0].ID
}

// watch records every frame of one socket, and how it closed, so that a
// test can look back at everything it received.
type watch struct {
	name string
	mu   sync.Mutex
	msgs []wstest.Msg
	code websocket.StatusCode
	done bool
}

func watchSocket(name string, c *wstest.Client) *watch {
	w := &watch{name: name}
	go func() {
		for m := range c.In {
			w.mu.Lock()
			w.msgs = append(w.msgs, m)
			w.mu.Unlock()
		}
		code := <-c.Closed
		w.mu.Lock()
		w.code, w.done = code, true
		w.mu.Unlock()
	}()
	return w
}

// count is how many frames so far satisfy match.
func (w *watch) count(match func(wstest.Msg) bool) int {
	w.mu.Lock()
	defer w.mu.Unlock()
	n := 0
	for _, m := range w.msgs {
		if match(m) {
			n++
		}
	}
	return n
}

// closed reports whether the socket has closed, and with which code.
func (w *watch) closed() (bool, websocket.StatusCode) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.done, w.code
}

// await polls cond until it holds, failing the test after limit.
func await(t *testing.T, what string, limit time.Duration, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(limit)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within %v", what, limit)
		}
		time.Sleep(20 * time.Millisecond) // polling a condition, not pacing the server
	}
}

func event(name string) func(wstest.Msg) bool {
	return func(m wstest.Msg) bool { return m.Event == name }
}

// about matches event name whose data field key is value.
func about(name, key, value string) func(wstest.Msg) bool {
	return func(m wstest.Msg) bool {
		if m.Event != name {
			return false
		}
		var d map[string]any
		return json.Unmarshal(m.Data, &d) == nil && d[key] == value
	}
}

// sessionEnded matches focus-session-updated of an ended session.
func sessionEnded(m wstest.Msg) bool {
	if m.Event != "focus-session-updated" {
		return false
	}
	var d struct {
		Session struct {
			EndedAt any `json:"endedAt"`
		} `json:"session"`
	}
	return json.Unmarshal(m.Data, &d) == nil && d.Session.EndedAt != nil
}

// TestPostgresStallRemovesNobody: PostgreSQL stalls for 60 s (every byte
// held, no connection closed), then is cut for a few seconds, then comes
// back. Two people on each instance, each in a focus session, stay in the
// room with their sessions open and their sockets up, on both instances;
// the room keeps working over Redis throughout; and afterwards state
// catches up: a status set during the outage is written, and expiry works
// again (a REST seat nobody claimed, due during the outage, is released).
func TestPostgresStallRemovesNobody(t *testing.T) {
	t.Parallel()
	e := twoInstances(t)
	ctx := context.Background()
	type person struct {
		s session
		c *wstest.Client
		w *watch
	}
	var people []person
	room := ""
	for i, inst := range []*App{e.a, e.a, e.b, e.b} {
		s := signUp(t, inst)
		if room == "" {
			room = firstRoom(t, s)
		}
		c := wstest.Dial(t, wsOf(inst), s.token)
		c.Join(room)
		c.Send("start-focus-session", map[string]any{"roomId": room, "goals": []string{"write"}}, "f")
		c.Expect("focus-session-started", "f")
		people = append(people, person{s, c, watchSocket(fmt.Sprint("person ", i), c)})
	}
	// Someone joins over REST and never opens a socket: their seat is held
	// for the grace period only, which runs out during the outage.
	canary := signUp(t, e.b)
	if code := canary.do(t, "POST", "/api/rooms/"+room+"/join", nil, nil); code != http.StatusOK {
		t.Fatalf("canary join: %d", code)
	}
	for _, p := range people {
		await(t, p.w.name+" sees the canary join", faultLimit, func() bool {
			return p.w.count(func(m wstest.Msg) bool {
				return m.Event == "participant-joined" && strings.Contains(string(m.Data), canary.userID)
			}) > 0
		})
	}

	// The room works over Redis while the database is away: a status
	// change on A reaches B's sockets, and one on B reaches A's.
	probe := func(round int) {
		status := []string{"away", "break"}[round%2]
		for _, pair := range [][2]person{{people[0], people[2]}, {people[3], people[1]}} {
			from, to := pair[0], pair[1]
			before := to.w.count(about("presence-updated", "participantId", from.s.userID))
			from.c.Send("update-presence", map[string]any{"roomId": room, "status": status}, "")
			await(t, "presence across instances during the outage", faultLimit, func() bool {
				return to.w.count(about("presence-updated", "participantId", from.s.userID)) > before
			})
		}
	}
	e.pg.Stall()
	stalled := time.Now()
	for round := 0; time.Since(stalled) < 60*time.Second; round++ {
		probe(round)
		time.Sleep(2 * time.Second) // pacing the probes over the outage, not synchronisation
	}
	e.pg.Cut()
	cut := time.Now()
	for round := 0; time.Since(cut) < 3*time.Second; round++ {
		probe(round + 1) // the last status each sender sets is "break"
		time.Sleep(time.Second)
	}
	e.pg.Restore()
	restored := time.Now()
	t.Logf("PostgreSQL stalled %v, cut %v", cut.Sub(stalled).Round(time.Second), restored.Sub(cut).Round(time.Second))

	// Expiry resumes once the store has answered for a grace period: the
	// canary's seat, due during the outage, goes; nobody else's does.
	for _, p := range people {
		await(t, p.w.name+" sees the canary leave", 2*faultLimit, func() bool {
			return p.w.count(about("participant-left", "participantId", canary.userID)) > 0
		})
	}
	t.Logf("expiry resumed %v after PostgreSQL came back", time.Since(restored).Round(100*time.Millisecond))
	for _, p := range people {
		if done, code := p.w.closed(); done {
			t.Errorf("%s: socket closed (%d)", p.w.name, code)
		}
		if n := p.w.count(event("participant-left")); n != 1 {
			t.Errorf("%s: %d participant-left, want only the canary's", p.w.name, n)
		}
		if n := p.w.count(sessionEnded); n != 0 {
			t.Errorf("%s: %d focus sessions ended", p.w.name, n)
		}
		if n := p.w.count(event("room-left")); n != 0 {
			t.Errorf("%s: removed from the room", p.w.name)
		}
	}
	for _, inst := range []*App{e.a, e.b} {
		for _, p := range people {
			if cur, err := inst.store.CurrentRoom(ctx, p.s.userID); err != nil || cur != room {
				t.Errorf("%s not seated after the outage: %q %v", p.w.name, cur, err)
			}
		}
		open, err := inst.store.OpenSessions(ctx, room)
		if err != nil || len(open) != len(people) {
			t.Errorf("%d open sessions after the outage, want %d (%v)", len(open), len(people), err)
		}
	}
	// Catching up: the statuses set during the outage reach the database.
	await(t, "statuses written after the outage", faultLimit, func() bool {
		ps, err := e.b.store.Participants(ctx, room)
		if err != nil {
			return false
		}
		n := 0
		for _, p := range ps {
			if (p.UserID == people[0].s.userID || p.UserID == people[3].s.userID) && p.Status == "break" {
				n++
			}
		}
		return n == 2
	})
}

// TestRedisStallDoesNotHoldRequests: with Redis stalled (bytes held, no
// connection closed), a REST join on A is answered while the stall still
// lasts, and A's sockets in the room still hear of it.
func TestRedisStallDoesNotHoldRequests(t *testing.T) {
	t.Parallel()
	e := twoInstances(t)
	alice, bob := signUp(t, e.a), signUp(t, e.a)
	room := firstRoom(t, alice)
	ca := wstest.Dial(t, wsOf(e.a), alice.token)
	ca.Join(room)

	e.redis.Stall()
	start := time.Now()
	// The client's timeout is the bound: the stall lasts until after it.
	if code := bob.do(t, "POST", "/api/rooms/"+room+"/join", nil, nil); code != http.StatusOK {
		t.Fatalf("join during a Redis stall: %d", code)
	}
	t.Logf("REST join answered %v into a Redis stall", time.Since(start).Round(time.Millisecond))
	if got := ca.Expect("participant-joined", "").Field(t, "participant", "id"); got != bob.userID {
		t.Fatalf("participant-joined for %v", got)
	}
	// A second request: the queue, not the first one's publish, is stuck.
	if code := bob.do(t, "POST", "/api/rooms/"+room+"/leave", nil, nil); code != http.StatusOK {
		t.Fatalf("leave during a Redis stall: %d", code)
	}
	ca.Expect("participant-left", "")
	e.redis.Restore()
}

// TestLogoutDuringRedisCutReachesOtherInstance: Redis is cut, a person
// logs out on A; their socket on B, which the logout message could not
// reach, closes with 4401 once Redis is back.
func TestLogoutDuringRedisCutReachesOtherInstance(t *testing.T) {
	t.Parallel()
	e := twoInstances(t)
	bob := signUp(t, e.a)
	cb := wstest.Dial(t, wsOf(e.b), bob.token)
	room := firstRoom(t, bob)
	cb.Join(room)
	w := watchSocket("bob on B", cb)

	e.redis.Cut()
	if code := bob.do(t, "POST", "/api/auth/logout", nil, nil); code != http.StatusNoContent {
		t.Fatalf("logout during a Redis cut: %d", code)
	}
	// Held a little, so that both instances see the outage for what it is.
	time.Sleep(time.Second) // the outage's length, not synchronisation
	if done, code := w.closed(); done {
		t.Fatalf("socket closed (%d) while Redis was cut; nothing could tell B", code)
	}
	e.redis.Restore()
	restored := time.Now()
	await(t, "bob's socket on B closes after Redis is back", faultLimit, func() bool {
		done, _ := w.closed()
		return done
	})
	t.Logf("closed %v after Redis came back", time.Since(restored).Round(time.Millisecond))
	if _, code := w.closed(); code != websocket.StatusCode(realtime.CloseSignedOut) {
		t.Fatalf("closed with %d, want %d", code, realtime.CloseSignedOut)
	}
}

// TestTimerDueDuringPostgresOutageCompletes: a room timer falls due while
// PostgreSQL is cut; it completes, once, for both instances' sockets, soon
// after the database is back (the delay is logged).
func TestTimerDueDuringPostgresOutageCompletes(t *testing.T) {
	t.Parallel()
	e := twoInstances(t)
	alice, bob := signUp(t, e.a), signUp(t, e.b)
	room := anyoneRoom(t, alice)
	ca, cb := wstest.Dial(t, wsOf(e.a), alice.token), wstest.Dial(t, wsOf(e.b), bob.token)
	ca.Join(room)
	cb.Join(room)
	ca.Expect("participant-joined", "")
	ca.Send("start-timer", map[string]any{"roomId": room, "duration": 2, "type": "work"}, "t")
	endsAt := time.UnixMilli(int64(ca.Expect("timer-started", "t").Field(t, "endsAt").(float64)))
	cb.Expect("timer-started", "")
	wa, wb := watchSocket("alice on A", ca), watchSocket("bob on B", cb)

	e.pg.Cut()
	// The outage outlasts the timer by a few seconds.
	time.Sleep(time.Until(endsAt.Add(3 * time.Second))) // the outage's length, not synchronisation
	for _, w := range []*watch{wa, wb} {
		if w.count(event("timer-completed")) != 0 {
			t.Fatalf("%s: timer completed while the database was cut", w.name)
		}
	}
	e.pg.Restore()
	restored := time.Now()
	for _, w := range []*watch{wa, wb} {
		await(t, w.name+" hears timer-completed", wstest.WaitLimit, func() bool {
			return w.count(event("timer-completed")) > 0
		})
	}
	t.Logf("timer completed %v after PostgreSQL came back (it was due %v before)",
		time.Since(restored).Round(time.Millisecond), restored.Sub(endsAt).Round(time.Millisecond))
	// Exactly once: a sentinel after it, and still one completion each.
	ca.Send("update-presence", map[string]any{"roomId": room, "status": "away"}, "")
	for _, w := range []*watch{wa, wb} {
		await(t, w.name+" hears the sentinel", wstest.WaitLimit, func() bool { return w.count(event("presence-updated")) > 0 })
		if n := w.count(event("timer-completed")); n != 1 {
			t.Errorf("%s: %d timer-completed", w.name, n)
		}
	}
	tm, err := e.a.store.GetTimer(context.Background(), room)
	if err != nil || tm.State != "idle" {
		t.Fatalf("stored timer %+v %v", tm, err)
	}
}

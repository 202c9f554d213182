package realtime_test

import (
	"context"
	"crypto/rand"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/bodydouble/bodydouble/internal/auth"
	"github.com/bodydouble/bodydouble/internal/broker"
	"github.com/bodydouble/bodydouble/internal/model"
	"github.com/bodydouble/bodydouble/internal/realtime"
	"github.com/bodydouble/bodydouble/internal/realtime/wstest"
	"github.com/bodydouble/bodydouble/internal/rooms"
	"github.com/bodydouble/bodydouble/internal/store/sqlstore"
	"github.com/bodydouble/bodydouble/internal/store/storetest"
	"github.com/bodydouble/bodydouble/internal/wire"
)

// shiftedClock is the wall clock moved by an offset the test sets: time
// still passes for the seat leases, and the test puts "now" where a
// cycle's boundary is.
type shiftedClock struct{ offset atomic.Int64 }

func (c *shiftedClock) Now() time.Time { return time.Now().Add(time.Duration(c.offset.Load())) }

// Set makes Now read t from this moment on.
func (c *shiftedClock) Set(t time.Time) { c.offset.Store(int64(time.Until(t))) }

// instance is one bodydouble instance's rooms service and hub, serving /ws,
// whose cycle loop wakes when the test ticks it.
type instance struct {
	auth  *auth.Service
	rooms *rooms.Service
	srv   *httptest.Server
	ticks chan time.Time
}

// startInstance starts an instance on the PostgreSQL database at dbURL
// and the Redis server at redisURL (under prefix), with clock as its
// rooms' clock.
func startInstance(t *testing.T, dbURL, redisURL, prefix string, clock func() time.Time) *instance {
	t.Helper()
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	st, err := sqlstore.OpenPostgres(t.Context(), dbURL)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	b, err := broker.NewRedis(t.Context(), broker.RedisOptions{URL: redisURL, Prefix: prefix, Logger: log})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.Close() })
	a, err := auth.NewService(st, strings.Repeat("s", 32), nil)
	if err != nil {
		t.Fatal(err)
	}
	in := &instance{auth: a, ticks: make(chan time.Time)}
	in.rooms = rooms.New(rooms.Options{Store: st, Broker: b, Logger: log, Now: clock, CycleTicks: in.ticks})
	hub, err := realtime.New(realtime.Options{Auth: a, Rooms: in.rooms, Broker: b, Logger: log})
	if err != nil {
		t.Fatal(err)
	}
	in.rooms.SetLocal(hub)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{}, 2)
	go func() { in.rooms.Run(ctx); done <- struct{}{} }()
	go func() { hub.Run(ctx); done <- struct{}{} }()
	mux := http.NewServeMux()
	mux.Handle("/ws", hub)
	in.srv = httptest.NewServer(mux)
	t.Cleanup(func() {
		sctx, c := context.WithTimeout(context.Background(), waitLimit)
		defer c()
		hub.Shutdown(sctx)
		in.srv.Close()
		cancel()
		<-done
		<-done
	})
	return in
}

// tick wakes the instance's cycle loop; it returns once the loop took the
// tick, so a second tick returns only once the first was handled.
func (in *instance) tick(t *testing.T) {
	t.Helper()
	select {
	case in.ticks <- time.Time{}:
	case <-time.After(waitLimit):
		t.Fatal("the cycle loop took no tick")
	}
}

func (in *instance) dial(t *testing.T, id auth.Identity) *client {
	t.Helper()
	return wstest.Dial(t, "ws"+strings.TrimPrefix(in.srv.URL, "http")+"/ws", id.Token)
}

// Two instances share PostgreSQL and Redis, with a participant of a cycle
// room on each. At the boundary from work to break each participant gets
// timer-completed then timer-started, exactly once: each instance tells
// its own sockets, nothing goes through the broker twice. Timer controls
// are forbidden there, even to the room's creator.
func TestCyclePhaseChangeOnTwoInstances(t *testing.T) {
	t.Parallel()
	redisURL := os.Getenv("BODYDOUBLE_TEST_REDIS_URL")
	if redisURL == "" {
		t.Skip("BODYDOUBLE_TEST_REDIS_URL is not set")
	}
	dbURL := storetest.PostgresURL(t) // skips without BODYDOUBLE_TEST_DATABASE_URL
	// A cycle of 5 and 1 minutes; now is 20 s before a work phase ends.
	cycle := model.Cycle{Work: 5, Break: 1}
	n := time.Now().Unix()/60/6 + 1
	workEnds := time.Unix((n*6+5)*60, 0)
	clock := &shiftedClock{}
	clock.Set(workEnds.Add(-20 * time.Second))
	prefix := "bdtest:" + rand.Text() + ":"
	a := startInstance(t, dbURL, redisURL, prefix, clock.Now)
	b := startInstance(t, dbURL, redisURL, prefix, clock.Now)

	ctx := context.Background()
	alice, err := anonymous(a.auth)
	if err != nil {
		t.Fatal(err)
	}
	bob, err := anonymous(b.auth)
	if err != nil {
		t.Fatal(err)
	}
	room, err := a.rooms.CreateRoom(ctx, alice.UserID, wire.CreateRoomInput{Name: "Pomodoro", Category: "study",
		Cycle: &wire.Cycle{Work: cycle.Work, Break: cycle.Break}})
	if err != nil {
		t.Fatal(err)
	}
	ca, cb := a.dial(t, alice), b.dial(t, bob)
	snap := ca.Join(room.ID)
	if snap.Field(t, "room", "timerControl") != "owner" || snap.Field(t, "room", "visibility") != "public" ||
		snap.Field(t, "room", "cycle", "work") != 5.0 || snap.Field(t, "room", "cycle", "break") != 1.0 {
		t.Fatalf("room-joined room %s", snap.Data)
	}
	if snap.Field(t, "timer", "state") != "running" || snap.Field(t, "timer", "type") != "work" ||
		snap.Field(t, "timer", "version") != float64(2*n) || snap.Field(t, "timer", "by") != nil ||
		snap.Field(t, "timer", "endsAt") != float64(workEnds.UnixMilli()) {
		t.Fatalf("room-joined timer %s, want work phase %d ending at %d", snap.Data, 2*n, workEnds.UnixMilli())
	}
	cb.Join(room.ID)
	ca.Expect("participant-joined", "")

	// Nobody controls a cycle room's timer, its creator neither.
	ca.Send("start-timer", map[string]any{"roomId": room.ID, "duration": 60, "type": "work"}, "s")
	if m := ca.ExpectError("forbidden", "s"); m.Field(t, "message") != "This room keeps its own rhythm." {
		t.Fatalf("start in a cycle room: %s", m.Data)
	}
	for _, ev := range []string{"pause-timer", "resume-timer", "reset-timer"} {
		cb.Send(ev, map[string]any{"roomId": room.ID}, ev)
		cb.ExpectError("forbidden", ev)
	}

	// Both loops have read the clock before the boundary; then it passes.
	a.tick(t)
	b.tick(t)
	clock.Set(workEnds.Add(time.Second))
	a.tick(t)
	b.tick(t)
	for name, c := range map[string]*client{"alice on A": ca, "bob on B": cb} {
		done := c.Expect("timer-completed", "")
		if done.Field(t, "roomId") != room.ID || done.Field(t, "type") != "work" || done.Field(t, "version") != float64(2*n+1) {
			t.Fatalf("%s: timer-completed %s", name, done.Data)
		}
		started := c.Expect("timer-started", "")
		if started.Field(t, "roomId") != room.ID || started.Field(t, "state") != "running" || started.Field(t, "type") != "break" ||
			started.Field(t, "version") != float64(2*n+1) || started.Field(t, "duration") != 60.0 ||
			started.Field(t, "endsAt") != float64(workEnds.Add(time.Minute).UnixMilli()) || started.Field(t, "by") != nil {
			t.Fatalf("%s: timer-started %s", name, started.Data)
		}
	}
	// Further ticks in the same phase tell nothing; the second tick of
	// each is taken only once the first was handled. A presence change
	// then goes through Redis to both: had either instance published the
	// boundary, its copy would have come before it.
	for range 2 {
		a.tick(t)
		b.tick(t)
	}
	ca.Send("update-presence", map[string]any{"roomId": room.ID, "status": "break"}, "p")
	ca.Expect("presence-updated", "p")
	cb.Expect("presence-updated", "")
	cb.Send("update-presence", map[string]any{"roomId": room.ID, "status": "break"}, "q")
	cb.Expect("presence-updated", "q")
	ca.Expect("presence-updated", "")
}

// anonymous makes a new anonymous identity.
func anonymous(a *auth.Service) (auth.Identity, error) {
	_, id, err := a.CreateAnonymous(context.Background())
	return id, err
}

// Without a cycle, timerControl decides: in an owner room only its
// creator starts, pauses, resumes and resets the timer (others get
// forbidden and nothing changes); in an anyone room everyone does.
func TestTimerControlOverSockets(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOptions{})
	alice, bob := e.user(t), e.user(t)
	owner, anyone := model.TimerOwner, model.TimerAnyone
	mine, err := e.rooms.CreateRoom(context.Background(), alice.UserID, wire.CreateRoomInput{Name: "Mine", Category: "study", TimerControl: &owner})
	if err != nil {
		t.Fatal(err)
	}
	ours, err := e.rooms.CreateRoom(context.Background(), alice.UserID, wire.CreateRoomInput{Name: "Ours", Category: "study", TimerControl: &anyone})
	if err != nil {
		t.Fatal(err)
	}
	a, b := e.dial(t, alice), e.dial(t, bob)
	if s := a.Join(mine.ID); s.Field(t, "room", "timerControl") != "owner" || s.Field(t, "room", "cycle") != nil || s.Field(t, "timer", "state") != "idle" {
		t.Fatalf("owner room's room-joined %s", s.Data)
	}
	b.Join(mine.ID)
	a.Expect("participant-joined", "")

	b.Send("start-timer", map[string]any{"roomId": mine.ID, "duration": 60, "type": "work"}, "b1")
	if m := b.ExpectError("forbidden", "b1"); m.Field(t, "message") != "Only the room's creator controls this timer." {
		t.Fatalf("guest's start: %s", m.Data)
	}
	a.Send("start-timer", map[string]any{"roomId": mine.ID, "duration": 60, "type": "work"}, "a1")
	if m := a.Expect("timer-started", "a1"); m.Field(t, "version") != 1.0 {
		t.Fatalf("creator's start: %s", m.Data)
	}
	b.Expect("timer-started", "")
	for _, ev := range []string{"pause-timer", "resume-timer", "reset-timer"} {
		b.Send(ev, map[string]any{"roomId": mine.ID}, ev)
		b.ExpectError("forbidden", ev)
	}
	a.Send("pause-timer", map[string]any{"roomId": mine.ID}, "a2")
	if m := a.Expect("timer-updated", "a2"); m.Field(t, "state") != "paused" || m.Field(t, "version") != 2.0 {
		t.Fatalf("creator's pause after the refusals: %s", m.Data)
	}
	b.Expect("timer-updated", "")

	// In the anyone room the guest controls it too.
	a.Join(ours.ID)
	b.Expect("participant-left", "")
	b.Join(ours.ID)
	a.Expect("participant-joined", "")
	b.Send("start-timer", map[string]any{"roomId": ours.ID, "duration": 60, "type": "break"}, "b2")
	b.Expect("timer-started", "b2")
	a.Expect("timer-started", "")
	b.Send("reset-timer", map[string]any{"roomId": ours.ID}, "b3")
	b.Expect("timer-updated", "b3")
	a.Expect("timer-updated", "")
}

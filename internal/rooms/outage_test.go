package rooms

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/url"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/bodydouble/bodydouble/internal/broker"
	"github.com/bodydouble/bodydouble/internal/faultproxy"
	"github.com/bodydouble/bodydouble/internal/model"
	"github.com/bodydouble/bodydouble/internal/protocol"
	"github.com/bodydouble/bodydouble/internal/store"
	"github.com/bodydouble/bodydouble/internal/store/sqlstore"
	"github.com/bodydouble/bodydouble/internal/store/storetest"
)

// Outage tests with shortened lifetimes: a grace period of 2 s and an
// outage tolerance of 4 s stand for production's 30 s and 60 s; the
// stalls are real (a faultproxy in front of PostgreSQL). The full-scale
// version with two whole instances is internal/app's fault tests.
const (
	outageGrace     = 2 * time.Second
	outageTolerance = 4 * time.Second
	outageWait      = 30 * time.Second
)

// outageEnv is one PostgreSQL database reached directly and through a
// fault proxy, with a room seeded.
type outageEnv struct {
	direct, proxied store.Store
	proxy           *faultproxy.Proxy
	room            string
}

func newOutageEnv(t *testing.T) *outageEnv {
	t.Helper()
	ctx := context.Background()
	raw := storetest.PostgresURL(t) // skips without BODYDOUBLE_TEST_DATABASE_URL
	u, err := url.Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	p, err := faultproxy.New(u.Host)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Close() })
	u.Host = p.Addr()
	e := &outageEnv{proxy: p}
	open := func(dsn string) store.Store {
		st, err := sqlstore.OpenPostgres(ctx, dsn)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { st.Close() })
		return st
	}
	e.direct = open(raw)
	e.proxied = open(u.String())
	rs := StarterRooms()
	if err := e.direct.SeedRooms(ctx, rs); err != nil {
		t.Fatal(err)
	}
	e.room = rs[0].ID
	return e
}

// service starts a Service (an instance) on st, stopped when the test ends.
func (e *outageEnv) service(t *testing.T, st store.Store) *Service {
	t.Helper()
	b := broker.NewMemory()
	s := New(Options{Store: st, Broker: b, Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
		Grace: outageGrace, OutageTolerance: outageTolerance})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { s.Run(ctx); close(done) }()
	t.Cleanup(func() {
		e.proxy.Restore()
		cancel()
		<-done
		b.Close()
	})
	return s
}

// user creates a user and seats them in the room through s.
func (e *outageEnv) user(t *testing.T, s *Service) string {
	t.Helper()
	ctx := context.Background()
	id := uuid.NewString()
	now := time.Now().UTC()
	if err := e.direct.CreateUser(ctx, model.User{ID: id, AnonymousID: uuid.NewString(), DisplayName: "P", CreatedAt: now, UpdatedAt: now}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Join(ctx, id, e.room, protocol.Origin{}); err != nil {
		t.Fatal(err)
	}
	return id
}

func (e *outageEnv) seated(t *testing.T, userID string) bool {
	t.Helper()
	cur, err := e.direct.CurrentRoom(context.Background(), userID)
	if errors.Is(err, model.ErrNotFound) {
		return false
	}
	if err != nil {
		t.Fatal(err)
	}
	return cur == e.room
}

// awaitGone polls until userID has left the room (expired by a sweep).
func (e *outageEnv) awaitGone(t *testing.T, userID, what string) {
	t.Helper()
	deadline := time.Now().Add(outageWait)
	for e.seated(t, userID) {
		if time.Now().After(deadline) {
			t.Fatalf("%s was never released", what)
		}
		time.Sleep(20 * time.Millisecond) // polling the store, not pacing the services
	}
}

// TestPartitionedInstanceKeepsItsSeats: instance A alone loses the
// database for longer than a grace period (but less than the outage
// tolerance). Instance B, which reaches it fine, goes on releasing seats
// nobody holds, but not the seat A holds for its connected user.
func TestPartitionedInstanceKeepsItsSeats(t *testing.T) {
	t.Parallel()
	e := newOutageEnv(t)
	a, b := e.service(t, e.proxied), e.service(t, e.direct)
	held := e.user(t, a)
	if err := a.Seats().Hold(context.Background(), []string{held}); err != nil {
		t.Fatal(err)
	}
	unclaimed := e.user(t, b)
	e.proxy.Stall()
	stalled := time.Now()
	// B keeps sweeping: a REST seat nobody claims goes after its grace...
	e.awaitGone(t, unclaimed, "a seat nobody held, with B healthy")
	// ...and the outage on A lasts longer than a grace period (but less
	// than the lease: A renews as soon as it is back).
	time.Sleep(time.Until(stalled.Add(outageGrace + time.Second))) // the outage's length, not synchronisation
	if !e.seated(t, held) {
		t.Fatal("B released the seat of A's connected user while A could not reach the database")
	}
	e.proxy.Restore()
	// After A is back, B's sweeps still keep its user.
	after := e.user(t, b)
	e.awaitGone(t, after, "a seat nobody held after the outage")
	if !e.seated(t, held) {
		t.Fatal("A's connected user lost their seat after the outage")
	}
}

// TestGlobalOutageRemovesNobody: the database stalls for every instance,
// longer than both the grace period and the lease, then comes back. The
// instances release nothing until they have reached the database for a
// whole grace period, by which time A has renewed its lease: its
// connected user stays. A seat nobody held (whose grace ran out during the
// outage) is released after that grace period, not at once.
func TestGlobalOutageRemovesNobody(t *testing.T) {
	t.Parallel()
	e := newOutageEnv(t)
	a, b := e.service(t, e.proxied), e.service(t, e.proxied)
	held := e.user(t, a)
	if err := a.Seats().Hold(context.Background(), []string{held}); err != nil {
		t.Fatal(err)
	}
	unclaimed := e.user(t, b)
	e.proxy.Stall()
	stalled := time.Now()
	// Longer than the whole lease (grace + tolerance): on return every
	// lease and every unheld grace has run out by the clock.
	time.Sleep(time.Until(stalled.Add(outageGrace + outageTolerance + time.Second))) // the outage's length
	if !e.seated(t, unclaimed) || !e.seated(t, held) {
		t.Fatal("a seat was released while no instance could reach the database")
	}
	e.proxy.Restore()
	restored := time.Now()
	e.awaitGone(t, unclaimed, "the unclaimed seat after the outage")
	if since := time.Since(restored); since < outageGrace {
		t.Fatalf("the unclaimed seat was released %v after the database came back, before a grace period", since)
	}
	if !e.seated(t, held) {
		t.Fatal("A's connected user was removed after a global outage")
	}
}

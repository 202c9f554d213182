package seats

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/bodydouble/bodydouble/internal/model"
	"github.com/bodydouble/bodydouble/internal/store"
	"github.com/bodydouble/bodydouble/internal/store/storetest"
)

const testGrace = 30 * time.Second

// clock is a lease clock the test moves by hand, years ahead of the wall
// clock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time      { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Set(t time.Time)     { c.mu.Lock(); defer c.mu.Unlock(); c.t = t }
func (c *clock) Add(d time.Duration) { c.Set(c.Now().Add(d)) }
func newClock() *clock               { return &clock{t: time.Date(2030, 1, 7, 9, 0, 0, 0, time.UTC)} }
func quiet() *slog.Logger            { return slog.New(slog.NewTextHandler(io.Discard, nil)) }
func newLease(st Store, c *clock) *Lease {
	return New(Options{Store: st, Logger: quiet(), Now: c.Now, Grace: testGrace})
}

// sockets is the transport's side as a test sets it: who has a socket in
// a room here, and who has one at all.
type sockets struct {
	seated, connected []string
}

func (s *sockets) SplitSeated(users map[string]struct{}) (hold, release []string) {
	for u := range users {
		if slices.Contains(s.seated, u) {
			hold = append(hold, u)
		} else {
			release = append(release, u)
		}
	}
	return hold, release
}

func (s *sockets) Users() []string { return s.connected }

// seat creates a user and seats them in a room, their seat kept for a
// grace period from now as a join does.
func seat(t *testing.T, st store.Store, now time.Time) string {
	t.Helper()
	ctx := context.Background()
	room := model.Room{ID: uuid.NewString(), Name: "Room", Category: "deep-work", MaxCapacity: 10, MicPolicy: "muted", IsActive: true, CreatedAt: now}
	if err := st.SeedRooms(ctx, []model.Room{room}); err != nil {
		t.Fatal(err)
	}
	id := uuid.NewString()
	if err := st.CreateUser(ctx, model.User{ID: id, AnonymousID: uuid.NewString(), DisplayName: "P", CreatedAt: now, UpdatedAt: now}); err != nil {
		t.Fatal(err)
	}
	if _, err := st.JoinRoom(ctx, room.ID, id, now, now.Add(testGrace)); err != nil {
		t.Fatal(err)
	}
	return id
}

// expired reports whether userID's seat is expired at at.
func expired(t *testing.T, st store.Store, userID string, at time.Time) bool {
	t.Helper()
	ps, err := st.ExpiredParticipants(context.Background(), at)
	if err != nil {
		t.Fatal(err)
	}
	return slices.ContainsFunc(ps, func(p model.Participant) bool { return p.UserID == userID })
}

// TestHoldsFollowTheSockets: a user with a socket in a room here keeps
// their seat past its grace period; once their last socket leaves, the
// grace period starts from the release.
func TestHoldsFollowTheSockets(t *testing.T) {
	t.Parallel()
	for _, b := range storetest.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			st := b.Open(t)
			c := newClock()
			l := newLease(st, c)
			l.Renew(ctx)
			here, elsewhere := seat(t, st, c.Now()), seat(t, st, c.Now())
			s := &sockets{seated: []string{here}}
			h := NewHolds(l, s, quiet())
			h.Changed(here)
			h.Changed(elsewhere)
			h.sync(ctx)
			after := c.Now().Add(testGrace + time.Second)
			if expired(t, st, here, after) {
				t.Fatal("the seat of a user with a socket in a room here expired after its grace period")
			}
			if !expired(t, st, elsewhere, after) {
				t.Fatal("the seat of a user with no socket here did not expire after its grace period")
			}
			c.Add(time.Minute)
			s.seated = nil
			h.Changed(here)
			h.sync(ctx)
			if expired(t, st, here, c.Now().Add(testGrace-time.Second)) {
				t.Fatal("a released seat expired before a grace period from the release")
			}
			if !expired(t, st, here, c.Now().Add(testGrace+time.Second)) {
				t.Fatal("a released seat did not expire a grace period after the release")
			}
		})
	}
}

// TestMayExpire is the outage rule: seats are expired only after the
// store has answered every background call for a whole grace period, and
// the first chance after the store comes back goes to renewing the lease.
func TestMayExpire(t *testing.T) {
	t.Parallel()
	type step struct {
		after time.Duration // clock moves by this first
		do    string        // "ok" or "fail": a background call; "may": ask MayExpire
		want  bool          // what "may" answers
	}
	for _, tc := range []struct {
		name     string
		steps    []step
		recovers int // OnRecover runs
	}{
		{"never expires before the store answered", []step{{0, "may", false}}, 0},
		{"not before a grace period of answers", []step{{0, "ok", false}, {testGrace - time.Millisecond, "may", false}}, 0},
		{"after a grace period of answers", []step{{0, "ok", false}, {testGrace, "may", true}}, 0},
		{"a failure restarts the grace period", []step{
			{0, "ok", false}, {testGrace / 2, "fail", false}, {0, "ok", false},
			{testGrace - time.Millisecond, "may", false}, {time.Millisecond, "may", true},
		}, 1},
		{"the first sweep after the store is back renews the lease instead", []step{
			{0, "ok", false}, {time.Second, "fail", false}, {0, "ok", false},
			{testGrace, "may", false}, {0, "may", true},
		}, 1},
		{"a sweep's renewal finds the store back; a grace period from then", []step{
			{0, "ok", false}, {time.Second, "fail", false},
			{10 * testGrace, "may", false}, {testGrace - time.Millisecond, "may", false}, {time.Millisecond, "may", true},
		}, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			st := storetest.OpenSQLite(t)
			c := newClock()
			recovers := 0
			l := New(Options{Store: st, Logger: quiet(), Now: c.Now, Grace: testGrace, OnRecover: func(context.Context) { recovers++ }})
			for i, s := range tc.steps {
				c.Add(s.after)
				switch s.do {
				case "ok":
					_ = l.Call(ctx, func(context.Context) error { return nil })
				case "fail":
					_ = l.Call(ctx, func(context.Context) error { return errors.New("the store is away") })
				case "may":
					if got := l.MayExpire(ctx); got != s.want {
						t.Fatalf("step %d: MayExpire = %v, want %v", i, got, s.want)
					}
				}
			}
			if recovers != tc.recovers {
				t.Fatalf("OnRecover ran %d times, want %d", recovers, tc.recovers)
			}
		})
	}
}

// TestLostLeaseIsSignalled: an instance that finds its lease reaped (it
// paused for longer than the lease) reports it, so its holds are made
// again; a first renewal or an unbroken one reports nothing.
func TestLostLeaseIsSignalled(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	st := storetest.OpenSQLite(t)
	c := newClock()
	l := newLease(st, c)
	lost := func() bool {
		select {
		case <-l.Lost():
			return true
		default:
			return false
		}
	}
	l.Renew(ctx)
	c.Add(l.RenewEvery())
	l.Renew(ctx)
	if lost() {
		t.Fatal("a lease renewed in time was reported lost")
	}
	c.Add(l.ttl() + time.Second)
	if err := st.ReapLeases(ctx, c.Now()); err != nil {
		t.Fatal(err)
	}
	l.Renew(ctx)
	if !lost() {
		t.Fatal("a reaped lease was not reported lost")
	}
}

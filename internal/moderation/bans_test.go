package moderation

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/bodydouble/bodydouble/internal/broker"
	"github.com/bodydouble/bodydouble/internal/model"
	"github.com/bodydouble/bodydouble/internal/store/storetest"
)

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// A ban made on another instance (here: straight in the store, as the
// other instance's service would) is seen once its message arrives, or
// once the cached answer is banTTL old, whichever comes first.
func TestBanCacheDroppedByMessageOrAge(t *testing.T) {
	ctx := context.Background()
	st := storetest.OpenSQLite(t)
	br := broker.NewMemory()
	t.Cleanup(func() { _ = br.Close() })
	clk := &clock{t: time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)}
	s := New(Options{Store: st, Broker: br, Now: clk.now})
	runCtx, stop := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() { s.Run(runCtx); close(done) }()
	t.Cleanup(func() { stop(); <-done })

	closed := make(chan BanMessage, 1024)
	s.OnBan(func(m BanMessage) { closed <- m })
	bob, ann := uuid.NewString(), uuid.NewString()
	for _, id := range []string{bob, ann} {
		if err := st.CreateUser(ctx, model.User{ID: id, DisplayName: "P", CreatedAt: clk.now()}); err != nil {
			t.Fatal(err)
		}
	}
	ban := func(id string) {
		t.Helper()
		if _, err := st.CreateUserBan(ctx, model.UserBan{UserID: id, Reason: "spam", CreatedAt: clk.now()},
			model.AuditEntry{At: clk.now(), ActorID: "m", Action: ActionBan, TargetType: "user", TargetID: id}); err != nil {
			t.Fatal(err)
		}
	}
	for _, id := range []string{bob, ann} {
		if b, err := s.Banned(ctx, id); err != nil || b != nil {
			t.Fatalf("before any ban: %v, %v", b, err)
		}
	}
	ban(bob)
	ban(ann)
	if b, _ := s.Banned(ctx, bob); b != nil {
		t.Fatal("the cached answer was not used")
	}
	// The message of bob's ban drops the cache at once, and is passed on.
	// (Published again until heard: Run subscribes on its own goroutine.)
	deadline := time.After(5 * time.Second)
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	for heard := false; !heard; {
		if err := br.Publish(ctx, Channel, []byte(`{"userId":"`+bob+`","reason":"spam"}`)); err != nil {
			t.Fatal(err)
		}
		select {
		case m := <-closed:
			if m.UserID != bob || m.Reason != "spam" {
				t.Fatalf("listener got %+v", m)
			}
			heard = true
		case <-tick.C:
		case <-deadline:
			t.Fatal("the ban's message never reached the listener")
		}
	}
	if b, err := s.Banned(ctx, bob); err != nil || b == nil || b.Reason != "spam" {
		t.Fatalf("bob after the message: %v, %v", b, err)
	}
	// Ann's message was lost: her cached answer holds until it is banTTL old.
	if b, _ := s.Banned(ctx, ann); b != nil {
		t.Fatal("ann's cached answer was dropped without a message")
	}
	clk.add(banTTL)
	if b, _ := s.Banned(ctx, ann); b == nil {
		t.Fatal("ann still not banned once her cached answer aged out")
	}
}

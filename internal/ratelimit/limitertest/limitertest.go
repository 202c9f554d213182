// Package limitertest is the contract every ratelimit.Limiter keeps, run
// against the in-memory and the Redis implementation.
package limitertest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/bodydouble/bodydouble/internal/ratelimit"
)

// unique is a name no other test run uses (limiters may share a Redis).
func unique(base string) string {
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	return base + "-" + hex.EncodeToString(b)
}

// Run checks the contract of the limiters that newLimiter returns (a
// fresh one per subtest; they may share their store).
func Run(t *testing.T, newLimiter func(t *testing.T) ratelimit.Limiter) {
	ctx := context.Background()
	// A slow refill: nothing comes back during a test.
	slow := func(burst int) ratelimit.Limit {
		return ratelimit.Limit{Name: unique("slow"), Rate: 1, Per: time.Hour, Burst: burst}
	}

	t.Run("Burst", func(t *testing.T) {
		l, lim := newLimiter(t), slow(3)
		for i := range 3 {
			if ok, _ := l.Allow(ctx, lim, "k"); !ok {
				t.Fatalf("event %d of a burst of 3 refused", i+1)
			}
		}
		ok, wait := l.Allow(ctx, lim, "k")
		if ok {
			t.Fatal("the 4th event of a burst of 3 was allowed")
		}
		// One event an hour: the next is at most an hour away, and more
		// than a few minutes (none came back yet).
		if wait <= 50*time.Minute || wait > time.Hour {
			t.Errorf("retry after %v, want within (50m, 1h]", wait)
		}
		if ok, _ := l.Allow(ctx, lim, "k"); ok {
			t.Error("a refusal gave a token back")
		}
	})

	t.Run("KeysApart", func(t *testing.T) {
		l, lim := newLimiter(t), slow(1)
		if ok, _ := l.Allow(ctx, lim, "a"); !ok {
			t.Fatal("a's first event refused")
		}
		if ok, _ := l.Allow(ctx, lim, "a"); ok {
			t.Fatal("a's second event allowed")
		}
		if ok, _ := l.Allow(ctx, lim, "b"); !ok {
			t.Error("b shares a's bucket")
		}
	})

	t.Run("LimitsApart", func(t *testing.T) {
		l, one, two := newLimiter(t), slow(1), slow(1)
		if ok, _ := l.Allow(ctx, one, "k"); !ok {
			t.Fatal("first event refused")
		}
		if ok, _ := l.Allow(ctx, two, "k"); !ok {
			t.Error("another limit shares the bucket of the same key")
		}
	})

	t.Run("Off", func(t *testing.T) {
		l := newLimiter(t)
		for _, lim := range []ratelimit.Limit{{Name: unique("zero")}, {Name: unique("norate"), Burst: 1, Per: time.Hour}} {
			for range 5 {
				if ok, _ := l.Allow(ctx, lim, "k"); !ok {
					t.Fatalf("limit %+v (off) refused", lim)
				}
			}
		}
	})

	t.Run("Refills", func(t *testing.T) {
		// 1000 an hour with a burst of 1: the next event is 3.6s away.
		l := newLimiter(t)
		lim := ratelimit.Limit{Name: unique("refill"), Rate: 1000, Per: time.Hour, Burst: 1}
		if ok, _ := l.Allow(ctx, lim, "k"); !ok {
			t.Fatal("first event refused")
		}
		ok, wait := l.Allow(ctx, lim, "k")
		if ok || wait <= 3*time.Second || wait > 3600*time.Millisecond {
			t.Errorf("second event: ok=%v wait=%v, want refused for (3s, 3.6s]", ok, wait)
		}
	})

	t.Run("Concurrent", func(t *testing.T) {
		// Many callers at once: exactly the burst gets through.
		l, lim := newLimiter(t), slow(10)
		var allowed atomic.Int32
		var wg sync.WaitGroup
		for range 40 {
			wg.Go(func() {
				if ok, _ := l.Allow(ctx, lim, "k"); ok {
					allowed.Add(1)
				}
			})
		}
		wg.Wait()
		if n := allowed.Load(); n != 10 {
			t.Errorf("%d of 40 concurrent events allowed, want the burst of 10", n)
		}
	})
}

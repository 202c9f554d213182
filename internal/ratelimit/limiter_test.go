package ratelimit_test

import (
	"context"
	"net/netip"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/bodydouble/bodydouble/internal/faultproxy"
	"github.com/bodydouble/bodydouble/internal/ratelimit"
	"github.com/bodydouble/bodydouble/internal/ratelimit/limitertest"
)

type clock struct{ t time.Time }

func (c *clock) now() time.Time { return c.t }

func TestMemoryContract(t *testing.T) {
	limitertest.Run(t, func(*testing.T) ratelimit.Limiter { return ratelimit.NewMemory(nil, 0) })
}

func redisURL(t *testing.T) string {
	u := os.Getenv("BODYDOUBLE_TEST_REDIS_URL")
	if u == "" {
		t.Skip("BODYDOUBLE_TEST_REDIS_URL is not set")
	}
	return u
}

func newRedis(t *testing.T, url, prefix string) *ratelimit.Redis {
	t.Helper()
	return newRedisTimeout(t, url, prefix, 0)
}

// newRedisTimeout is newRedis with a limit on each call (0: the default).
func newRedisTimeout(t *testing.T, url, prefix string, timeout time.Duration) *ratelimit.Redis {
	t.Helper()
	r, err := ratelimit.NewRedis(ratelimit.RedisOptions{URL: url, Prefix: prefix, Timeout: timeout})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.Close() })
	return r
}

func TestRedisContract(t *testing.T) {
	url := redisURL(t)
	prefix := "bdtest-rl-" + t.Name() + ":"
	limitertest.Run(t, func(t *testing.T) ratelimit.Limiter {
		// The contract is checked on Redis, not the fallback: on a busy
		// CI machine the default 250 ms once ran out mid-test.
		r := newRedisTimeout(t, url, prefix, 5*time.Second)
		t.Cleanup(func() {
			if n := r.Failures(); n != 0 {
				t.Errorf("%d calls fell back to memory; the contract was not checked on Redis", n)
			}
		})
		return r
	})
}

// TestRedisShared: two limiters on one Redis (two instances) share a
// bucket, under the server's key prefix; another prefix does not.
func TestRedisShared(t *testing.T) {
	url := redisURL(t)
	ctx := context.Background()
	prefix := "bdtest-rl-shared-" + time.Now().Format("150405.000000") + ":"
	a, b := newRedis(t, url, prefix), newRedis(t, url, prefix)
	other := newRedis(t, url, "bdtest-rl-other-"+prefix)
	lim := ratelimit.PerHour("shared", 2)
	for i := range 2 {
		if ok, _ := a.Allow(ctx, lim, "k"); !ok {
			t.Fatalf("event %d refused on A", i+1)
		}
	}
	ok, wait := b.Allow(ctx, lim, "k")
	if ok || wait <= 0 {
		t.Fatalf("B after A used the burst: ok=%v wait=%v, want refused with a wait", ok, wait)
	}
	if ok, _ := other.Allow(ctx, lim, "k"); !ok {
		t.Error("a limiter with another prefix shares the bucket")
	}
	rdb := redis.NewClient(mustParse(t, url))
	defer rdb.Close()
	keys, err := rdb.Keys(ctx, prefix+"*").Result()
	if err != nil {
		t.Fatal(err)
	}
	if len(keys) != 1 || keys[0] != prefix+"rate:shared:k" {
		t.Errorf("keys under the prefix: %q, want [%s]", keys, prefix+"rate:shared:k")
	}
	rdb.Del(ctx, keys...)
}

func mustParse(t *testing.T, url string) *redis.Options {
	o, err := redis.ParseURL(url)
	if err != nil {
		t.Fatal(err)
	}
	return o
}

// TestRedisFallsBack: with Redis cut off, the limiter answers from its
// in-memory twin (limits still hold), and a stalled Redis does not hold
// calls up for more than its timeout each.
func TestRedisFallsBack(t *testing.T) {
	url := redisURL(t)
	opts := mustParse(t, url)
	p, err := faultproxy.New(opts.Addr)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	proxied := strings.Replace(url, opts.Addr, p.Addr(), 1)
	prefix := "bdtest-rl-fault-" + time.Now().Format("150405.000000") + ":"
	// Redis is asked on every call (no pause after a failure), each call
	// bounded by a short timeout.
	r, err := ratelimit.NewRedis(ratelimit.RedisOptions{URL: proxied, Prefix: prefix, Retry: -1, Timeout: 50 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	ctx := context.Background()
	lim := ratelimit.PerHour("fault", 1)
	if ok, _ := r.Allow(ctx, lim, "up"); !ok {
		t.Fatal("first event refused with Redis up")
	}
	if r.Failures() != 0 {
		t.Fatalf("Redis failed while up: %d", r.Failures())
	}
	p.Cut()
	if ok, _ := r.Allow(ctx, lim, "down"); !ok {
		t.Fatal("first event refused with Redis down")
	}
	if r.Failures() == 0 {
		t.Fatal("the call with Redis cut off did not fail over")
	}
	if ok, wait := r.Allow(ctx, lim, "down"); ok || wait <= 0 {
		t.Errorf("second event with Redis down: ok=%v wait=%v; the in-memory twin did not limit", ok, wait)
	}
	// A stalled Redis (no answer at all) does not hold calls: each ends at
	// its timeout and is answered from memory.
	p.Stall()
	before := r.Failures()
	if ok, _ := r.Allow(ctx, lim, "stalled"); !ok {
		t.Error("first event refused with Redis stalled")
	}
	if r.Failures() != before+1 {
		t.Errorf("a stalled call did not fail over (%d failures, want %d)", r.Failures(), before+1)
	}
	p.Restore()
	// Back on Redis: "up" used its one event there before the outage.
	before = r.Failures()
	if ok, _ := r.Allow(ctx, lim, "up"); ok {
		t.Error("after Redis came back, its bucket of \"up\" was not used")
	}
	if r.Failures() != before {
		t.Errorf("Redis restored but %d more failures", r.Failures()-before)
	}
	rdb := redis.NewClient(mustParse(t, url))
	defer rdb.Close()
	rdb.Del(ctx, prefix+"rate:fault:up", prefix+"rate:fault:down", prefix+"rate:fault:stalled")
}

func TestMemoryRefillsWithClock(t *testing.T) {
	c := &clock{t: time.Unix(1_700_000_000, 0)}
	m := ratelimit.NewMemory(c.now, 0)
	ctx := context.Background()
	lim := ratelimit.PerHour("id", 30)
	for i := range 30 {
		if ok, _ := m.Allow(ctx, lim, "n"); !ok {
			t.Fatalf("event %d of 30 refused", i+1)
		}
	}
	ok, wait := m.Allow(ctx, lim, "n")
	if ok || wait != 2*time.Minute {
		t.Fatalf("31st: ok=%v wait=%v, want refused for 2m", ok, wait)
	}
	c.t = c.t.Add(2 * time.Minute)
	if ok, _ := m.Allow(ctx, lim, "n"); !ok {
		t.Error("no event back after 2 minutes")
	}
}

func TestHasher(t *testing.T) {
	secret := []byte("0123456789abcdef0123456789abcdef")
	h, same, other := ratelimit.NewHasher(secret), ratelimit.NewHasher(secret), ratelimit.NewHasher([]byte("another secret, also 32 bytes..."))
	a := netip.MustParseAddr("192.0.2.17")
	if h.Addr(a) != same.Addr(a) || h.Network(a) != same.Network(a) {
		t.Error("two hashers of one secret disagree (instances would not share limits)")
	}
	if h.Addr(a) == other.Addr(a) {
		t.Error("another secret gives the same key")
	}
	if strings.Contains(h.Addr(a), "192") || strings.Contains(h.Network(a), "192.0.2") {
		t.Errorf("a key shows the address: %q %q", h.Addr(a), h.Network(a))
	}
	if h.Addr(a) == h.Addr(netip.MustParseAddr("192.0.2.18")) {
		t.Error("two IPv4 addresses share an address key")
	}
	if h.Addr(a) == h.Network(a) {
		t.Error("address and network keys collide")
	}
	for _, c := range []struct {
		a, b string
		same bool
	}{
		{"192.0.2.17", "192.0.2.250", true},
		{"192.0.2.17", "192.0.3.17", false},
		{"::ffff:192.0.2.17", "192.0.2.1", true},
		{"2001:db8:1:2a00::1", "2001:db8:1:2aff:ffff::9", true},
		{"2001:db8:1:2a00::1", "2001:db8:1:2b00::1", false},
	} {
		ka, kb := h.Network(netip.MustParseAddr(c.a)), h.Network(netip.MustParseAddr(c.b))
		if (ka == kb) != c.same {
			t.Errorf("Network(%s) == Network(%s): %v, want %v", c.a, c.b, ka == kb, c.same)
		}
	}
	if ratelimit.NewHasher(nil).Addr(a) == ratelimit.NewHasher(nil).Addr(a) {
		t.Error("hashers without a secret share a key")
	}
}

package api

import (
	"context"
	"fmt"
	"net/http"
	"net/netip"
	"testing"
	"time"

	"github.com/bodydouble/bodydouble/internal/httpx"
	"github.com/bodydouble/bodydouble/internal/ratelimit"
)

// TestIdentitiesPerNetwork: new identities are limited per network (IPv4
// /24, IPv6 /56) on the fake clock: the 31st from one network is 429 with
// Retry-After and creates nothing, another network still signs up, and an
// hour's share comes back after its time.
func TestIdentitiesPerNetwork(t *testing.T) {
	t.Parallel()
	eachBackend(t, func(t *testing.T, e *testEnv) {
		base := e.instance(t, func(o *Options) {
			o.RateLimit, o.IdentitiesPerHour = true, DefaultIdentitiesPerHour
			o.Proxies = httpx.Proxies{netip.MustParsePrefix("127.0.0.0/8"), netip.MustParsePrefix("::1/128")}
		})
		anon := &client{base: base}
		from := func(addr string) response {
			return anon.do(t, "POST", "/api/auth/anonymous", nil, "X-Forwarded-For", addr)
		}
		for _, net := range []struct{ name, first, nextNet string }{
			{"IPv4", "192.0.2.%d", "192.0.3.7"},
			{"IPv6", "2001:db8:1:2a%02x::1", "2001:db8:1:2b00::1"},
		} {
			// Each from its own address (and /64): only the network is shared.
			for i := range DefaultIdentitiesPerHour {
				from(fmt.Sprintf(net.first, i+1)).want(t, http.StatusCreated)
			}
			res := from(fmt.Sprintf(net.first, 200))
			res.problem(t, http.StatusTooManyRequests, "rate_limited")
			if got := res.header.Get("Retry-After"); got != "120" {
				t.Errorf("%s: Retry-After %q, want 120 (an hour / 30)", net.name, got)
			}
			if len(res.cookies) != 0 {
				t.Errorf("%s: a refused signup set %v", net.name, res.cookies)
			}
			from(net.nextNet).want(t, http.StatusCreated)
		}
		e.clock.Advance(2 * time.Minute)
		from("192.0.2.201").want(t, http.StatusCreated)
		from("192.0.2.202").problem(t, http.StatusTooManyRequests, "rate_limited")
	})
}

// TestIdentitiesUncapped: 0 is no cap, and --rate-limit=off (RateLimit
// false) has none either.
func TestIdentitiesUncapped(t *testing.T) {
	t.Parallel()
	eachBackend(t, func(t *testing.T, e *testEnv) {
		proxies := httpx.Proxies{netip.MustParsePrefix("127.0.0.0/8")}
		for _, configure := range []func(*Options){
			func(o *Options) { o.RateLimit, o.IdentitiesPerHour, o.Proxies = true, 0, proxies },
			func(o *Options) { o.RateLimit, o.IdentitiesPerHour, o.Proxies = false, 1, proxies },
		} {
			anon := &client{base: e.instance(t, configure)}
			for i := range DefaultIdentitiesPerHour + 5 {
				anon.do(t, "POST", "/api/auth/anonymous", nil, "X-Forwarded-For", fmt.Sprintf("198.51.100.%d", i+1)).want(t, http.StatusCreated)
			}
		}
	})
}

// TestLimiterKeysHashed: what the limiter keeps holds no address.
func TestLimiterKeysHashed(t *testing.T) {
	t.Parallel()
	mem := ratelimit.NewMemory(nil, 0)
	rec := &recordingLimiter{Limiter: mem}
	l := &limiter{l: rec, keys: ratelimit.NewHasher([]byte("a secret of at least thirty-two bytes")), identity: identityLimit(30)}
	addr := netip.MustParseAddr("203.0.113.9")
	l.allow(addr, true)
	l.allowIdentity(context.Background(), addr)
	if len(rec.keys) != 3 {
		t.Fatalf("keys %q, want 3", rec.keys)
	}
	for _, k := range rec.keys {
		if k == addr.String() || k == "203.0.113.0" || len(k) != 22 {
			t.Errorf("key %q is not a hash", k)
		}
	}
}

type recordingLimiter struct {
	ratelimit.Limiter
	keys []string
}

func (r *recordingLimiter) Allow(ctx context.Context, l ratelimit.Limit, key string) (bool, time.Duration) {
	r.keys = append(r.keys, key)
	return r.Limiter.Allow(ctx, l, key)
}

func TestRetryAfterSeconds(t *testing.T) {
	t.Parallel()
	for d, want := range map[time.Duration]int{0: 1, time.Millisecond: 1, time.Second: 1, 1001 * time.Millisecond: 2, 9 * time.Second: 9} {
		if got := retryAfterSeconds(d); got != want {
			t.Errorf("retryAfterSeconds(%v) = %d, want %d", d, got, want)
		}
	}
}

package api

import (
	"context"
	"net/http"
	"net/netip"
	"strconv"
	"time"

	"github.com/bodydouble/bodydouble/internal/apperr"
	"github.com/bodydouble/bodydouble/internal/ratelimit"
)

// The per-client limits of the API. Each is a ratelimit.Limit, kept by the
// server's Limiter: this instance's memory, or Redis (shared by every
// instance) with --redis-url.
var (
	// limitAll is every /api request per client address (IPv6 by /64):
	// generous for a person and their tabs.
	limitAll = ratelimit.Limit{Name: "api", Rate: 10, Per: time.Second, Burst: 40}
	// limitSignup is POST /api/auth/anonymous per client address, on top
	// of limitAll: a burst of clicks, not a stream.
	limitSignup = ratelimit.Limit{Name: "signup", Rate: 1, Per: time.Second, Burst: 10}
)

// DefaultIdentitiesPerHour is how many new anonymous identities one
// network (IPv4 /24, IPv6 /56) may make in an hour (--identities-per-hour).
const DefaultIdentitiesPerHour = 30

// identityLimit is the limit of new identities per network; off for n ≤ 0.
func identityLimit(n int) ratelimit.Limit { return ratelimit.PerHour("identity", n) }

// limiter applies the per-client limits. Addresses are never keys: keys
// are keyed hashes of them (ratelimit.Hasher), and nothing is logged.
type limiter struct {
	l        ratelimit.Limiter
	keys     *ratelimit.Hasher
	identity ratelimit.Limit
}

// allow takes one request of addr; a signup also takes one of addr's
// signups. It reports how long to wait when refused.
func (l *limiter) allow(addr netip.Addr, signup bool) (bool, time.Duration) {
	ctx := context.Background() // the Limiter bounds its own calls
	key := l.keys.Addr(addr)
	if signup {
		// First: a refused signup takes nothing of the overall limit.
		if ok, d := l.l.Allow(ctx, limitSignup, key); !ok {
			return false, d
		}
	}
	return l.l.Allow(ctx, limitAll, key)
}

// allowIdentity takes one new identity of addr's network.
func (l *limiter) allowIdentity(ctx context.Context, addr netip.Addr) (bool, time.Duration) {
	if l.identity.Off() {
		return true, 0
	}
	return l.l.Allow(ctx, l.identity, l.keys.Network(addr))
}

// allowIdentity refuses a new anonymous identity, 429 rate_limited with
// Retry-After, when the caller's network made its allowance of them this
// hour. Nothing is created then.
func (s *server) allowIdentity(w http.ResponseWriter, r *http.Request) error {
	if s.limiter == nil {
		return nil
	}
	ok, wait := s.limiter.allowIdentity(r.Context(), s.proxies.ClientAddr(r))
	if ok {
		return nil
	}
	w.Header().Set("Retry-After", strconv.Itoa(retryAfterSeconds(wait)))
	return apperr.New(apperr.RateLimited, "Too many new identities from your network this hour; try again later.")
}

// retryAfterSeconds is a Retry-After value: whole seconds, at least 1.
func retryAfterSeconds(d time.Duration) int {
	s := int((d + time.Second - 1) / time.Second)
	return max(1, s)
}

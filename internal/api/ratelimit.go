package api

import (
	"net/netip"
	"time"

	"golang.org/x/time/rate"

	"github.com/bodydouble/bodydouble/internal/ratelimit"
)

// limits are token buckets per client address.
type limits struct {
	// all is every /api request: generous for a person and their tabs.
	allRate  rate.Limit
	allBurst int
	// signup is POST /api/auth/anonymous, on top of all.
	signupRate  rate.Limit
	signupBurst int
	// maxClients bounds the memory of the table.
	maxClients int
}

var defaultLimits = limits{
	allRate: 10, allBurst: 40,
	signupRate: 1, signupBurst: 10,
	maxClients: 1 << 16,
}

// limiter keeps one pair of buckets per client address (IPv6 by /64, as
// one host usually has a whole /64). Addresses are kept in memory only,
// for as long as their buckets are not full, and never logged.
type limiter struct {
	now     func() time.Time
	clients *ratelimit.Table[netip.Addr, *visitor]
}

type visitor struct{ all, signup *rate.Limiter }

func newLimiter(l limits, now func() time.Time) *limiter {
	fresh := func() *visitor {
		return &visitor{all: rate.NewLimiter(l.allRate, l.allBurst), signup: rate.NewLimiter(l.signupRate, l.signupBurst)}
	}
	idle := max(ratelimit.Refill(l.allRate, l.allBurst), ratelimit.Refill(l.signupRate, l.signupBurst))
	return &limiter{now: now, clients: ratelimit.NewTable[netip.Addr](fresh, idle, l.maxClients)}
}

// allow takes one token for addr (and one signup token when signup) or
// reports how long to wait.
func (l *limiter) allow(addr netip.Addr, signup bool) (bool, time.Duration) {
	now := l.now()
	c := l.clients.Get(ratelimit.AddrKey(addr), now)
	all := c.all.ReserveN(now, 1)
	if d := all.DelayFrom(now); d > 0 {
		all.CancelAt(now)
		return false, d
	}
	if signup {
		s := c.signup.ReserveN(now, 1)
		if d := s.DelayFrom(now); d > 0 {
			s.CancelAt(now)
			all.CancelAt(now)
			return false, d
		}
	}
	return true, 0
}

// retryAfterSeconds is a Retry-After value: whole seconds, at least 1.
func retryAfterSeconds(d time.Duration) int {
	s := int((d + time.Second - 1) / time.Second)
	return max(1, s)
}

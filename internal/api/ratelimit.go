package api

import (
	"net/netip"
	"sync"
	"time"

	"golang.org/x/time/rate"
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
	lim limits
	now func() time.Time
	// idle is how long a client must be quiet for its buckets to be full
	// again; after that its entry is the same as a fresh one and can go.
	idle time.Duration

	mu        sync.Mutex
	clients   map[netip.Addr]*visitor
	lastSweep time.Time
}

type visitor struct {
	all, signup *rate.Limiter
	seen        time.Time
}

func newLimiter(l limits, now func() time.Time) *limiter {
	refill := func(r rate.Limit, burst int) time.Duration {
		return time.Duration(float64(burst) / float64(r) * float64(time.Second))
	}
	return &limiter{
		lim: l, now: now, clients: map[netip.Addr]*visitor{},
		idle: max(refill(l.allRate, l.allBurst), refill(l.signupRate, l.signupBurst)),
	}
}

// allow takes one token for addr (and one signup token when signup) or
// reports how long to wait.
func (l *limiter) allow(addr netip.Addr, signup bool) (bool, time.Duration) {
	now := l.now()
	c := l.visitor(key(addr), now)
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

// visitor returns the buckets of k, creating them, and now and then drops
// the entries that have been idle long enough to be full again.
func (l *limiter) visitor(k netip.Addr, now time.Time) *visitor {
	l.mu.Lock()
	defer l.mu.Unlock()
	if now.Sub(l.lastSweep) >= l.idle || len(l.clients) >= l.lim.maxClients {
		l.sweep(now)
	}
	c, ok := l.clients[k]
	if !ok {
		c = &visitor{
			all:    rate.NewLimiter(l.lim.allRate, l.lim.allBurst),
			signup: rate.NewLimiter(l.lim.signupRate, l.lim.signupBurst),
		}
		l.clients[k] = c
	}
	c.seen = now
	return c
}

// sweep removes idle clients. If the table is still full, every client
// has been active within the refill time (a flood from many addresses):
// starting over keeps memory bounded, at the price of fresh buckets.
func (l *limiter) sweep(now time.Time) {
	l.lastSweep = now
	for k, c := range l.clients {
		if now.Sub(c.seen) >= l.idle {
			delete(l.clients, k)
		}
	}
	if len(l.clients) >= l.lim.maxClients {
		clear(l.clients)
	}
}

// key is the bucket key of addr: the address itself for IPv4, the /64 for IPv6.
func key(addr netip.Addr) netip.Addr {
	if addr.Is6() {
		if p, err := addr.Prefix(64); err == nil {
			return p.Addr()
		}
	}
	return addr
}

// retryAfterSeconds is a Retry-After value: whole seconds, at least 1.
func retryAfterSeconds(d time.Duration) int {
	s := int((d + time.Second - 1) / time.Second)
	return max(1, s)
}

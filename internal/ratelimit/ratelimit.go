// Package ratelimit keeps per-key state for rate limits (token buckets per
// client address, per person) in memory with bounded size: an entry is
// dropped once it has been idle long enough to be the same as a fresh one,
// and the table never holds more than its maximum.
package ratelimit

import (
	"net/netip"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// Table maps keys to their limiter state V, created on first use.
type Table[K comparable, V any] struct {
	fresh func() V
	idle  time.Duration
	max   int

	mu        sync.Mutex
	entries   map[K]*entry[V]
	lastSweep time.Time
}

type entry[V any] struct {
	v    V
	seen time.Time
}

// NewTable returns a table whose entries are made by fresh, forgotten
// after idle without use (the time their buckets take to refill), and at
// most maxKeys of them.
func NewTable[K comparable, V any](fresh func() V, idle time.Duration, maxKeys int) *Table[K, V] {
	return &Table[K, V]{fresh: fresh, idle: idle, max: maxKeys, entries: map[K]*entry[V]{}}
}

// Get returns the state of k, creating it, and now and then drops the
// entries idle long enough to be fresh again. When the table is full of
// entries that are all in use (a flood from many keys), it starts over:
// memory stays bounded, at the price of fresh buckets.
func (t *Table[K, V]) Get(k K, now time.Time) V {
	t.mu.Lock()
	defer t.mu.Unlock()
	if now.Sub(t.lastSweep) >= t.idle || len(t.entries) >= t.max {
		t.lastSweep = now
		for key, e := range t.entries {
			if now.Sub(e.seen) >= t.idle {
				delete(t.entries, key)
			}
		}
		if len(t.entries) >= t.max {
			clear(t.entries)
		}
	}
	e, ok := t.entries[k]
	if !ok {
		e = &entry[V]{v: t.fresh()}
		t.entries[k] = e
	}
	e.seen = now
	return e.v
}

// Len is the number of keys held.
func (t *Table[K, V]) Len() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return len(t.entries)
}

// Idle is how long an unused entry is kept.
func (t *Table[K, V]) Idle() time.Duration { return t.idle }

// Refill is how long a bucket of rate r and burst takes to fill from empty.
func Refill(r rate.Limit, burst int) time.Duration {
	return time.Duration(float64(burst) / float64(r) * float64(time.Second))
}

// Buckets is one token bucket per key.
type Buckets[K comparable] struct{ t *Table[K, *rate.Limiter] }

// NewBuckets returns buckets of rate r and burst per key, at most maxKeys.
func NewBuckets[K comparable](r rate.Limit, burst, maxKeys int) *Buckets[K] {
	return &Buckets[K]{NewTable[K](func() *rate.Limiter { return rate.NewLimiter(r, burst) }, Refill(r, burst), maxKeys)}
}

// Allow takes one token of k's bucket at now, or reports how long until
// one is there (and takes none).
func (b *Buckets[K]) Allow(k K, now time.Time) (bool, time.Duration) {
	res := b.t.Get(k, now).ReserveN(now, 1)
	if d := res.DelayFrom(now); d > 0 {
		res.CancelAt(now)
		return false, d
	}
	return true, 0
}

// Len is the number of keys held.
func (b *Buckets[K]) Len() int { return b.t.Len() }

// AddrKey is the key of a client address: the address itself for IPv4, its
// /64 for IPv6 (one host usually has a whole /64).
func AddrKey(addr netip.Addr) netip.Addr {
	addr = addr.Unmap()
	if addr.Is6() {
		if p, err := addr.Prefix(64); err == nil {
			return p.Addr()
		}
	}
	return addr
}

package ratelimit

import (
	"context"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// Limit is a token bucket: Burst events at once, refilled at Rate events
// per Per. Name tells limits apart in a shared store (it is part of the
// key); two limits of one name must have the same numbers.
type Limit struct {
	Name  string
	Rate  int
	Per   time.Duration
	Burst int
}

// Off reports whether l limits nothing (a zero rate, burst or period).
func (l Limit) Off() bool { return l.Rate <= 0 || l.Burst <= 0 || l.Per <= 0 }

// PerHour is n events an hour, all n at once if they come together.
func PerHour(name string, n int) Limit { return Limit{Name: name, Rate: n, Per: time.Hour, Burst: n} }

func (l Limit) rate() rate.Limit { return rate.Limit(float64(l.Rate) / l.Per.Seconds()) }

// Limiter takes one event of key's bucket under a limit, or says how long
// until there is one (and takes none). It never fails: a limiter whose
// store is away limits as well as it can without it. Keys are opaque
// strings; an address-based key is a Hasher's, never a raw address.
type Limiter interface {
	Allow(ctx context.Context, l Limit, key string) (ok bool, retryAfter time.Duration)
}

// DefaultMaxKeys bounds each limit's table in a Memory limiter.
const DefaultMaxKeys = 1 << 16

// Memory is a Limiter of this process alone: one bounded table of token
// buckets per limit.
type Memory struct {
	now     func() time.Time
	maxKeys int

	mu     sync.RWMutex
	tables map[Limit]*Buckets[string]
}

// NewMemory returns a Memory limiter reading time from now (time.Now when
// nil) that holds at most maxKeys keys per limit (DefaultMaxKeys when 0).
func NewMemory(now func() time.Time, maxKeys int) *Memory {
	if now == nil {
		now = time.Now
	}
	if maxKeys <= 0 {
		maxKeys = DefaultMaxKeys
	}
	return &Memory{now: now, maxKeys: maxKeys, tables: map[Limit]*Buckets[string]{}}
}

// Allow implements Limiter.
func (m *Memory) Allow(_ context.Context, l Limit, key string) (bool, time.Duration) {
	if l.Off() {
		return true, 0
	}
	return m.table(l).Allow(key, m.now())
}

// Len is the number of keys l's table holds.
func (m *Memory) Len(l Limit) int { return m.table(l).Len() }

func (m *Memory) table(l Limit) *Buckets[string] {
	m.mu.RLock()
	b := m.tables[l]
	m.mu.RUnlock()
	if b != nil {
		return b
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if b = m.tables[l]; b == nil {
		b = NewBuckets[string](l.rate(), l.Burst, m.maxKeys)
		m.tables[l] = b
	}
	return b
}

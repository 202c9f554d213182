package broker

import "sync/atomic"

// Counts are a broker's totals since it was made, for metrics.
type Counts struct {
	// Published is the number of Publish calls; Received the number of
	// messages that came from other processes (always 0 for Memory).
	Published, Received uint64
	// Reconnects is the number of times the Redis connection came back
	// after it was lost.
	Reconnects uint64
}

// Counter is a broker that reports its Counts (Memory and Redis both do).
type Counter interface {
	Counts() Counts
}

type counts struct {
	published, received, reconnects atomic.Uint64
}

func (c *counts) load() Counts {
	return Counts{Published: c.published.Load(), Received: c.received.Load(), Reconnects: c.reconnects.Load()}
}

// Counts reports the Memory broker's totals.
func (m *Memory) Counts() Counts { return m.counts.load() }

// Counts reports the Redis broker's totals.
func (r *Redis) Counts() Counts { return r.counts.load() }

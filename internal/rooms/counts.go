package rooms

import (
	"sync/atomic"

	"github.com/bodydouble/bodydouble/internal/protocol"
)

// sessionCounts counts the focus sessions this instance started and
// completed (REST and socket alike), for metrics.
type sessionCounts struct {
	started, completed atomic.Uint64
}

// count records a session event as publishSession sends it.
func (c *sessionCounts) count(event string) {
	switch event {
	case protocol.EvSessionStarted:
		c.started.Add(1)
	case protocol.EvSessionCompleted:
		c.completed.Add(1)
	}
}

// SessionCounts reports the focus sessions started and completed through
// this Service since it was made.
func (s *Service) SessionCounts() (started, completed uint64) {
	return s.counts.started.Load(), s.counts.completed.Load()
}

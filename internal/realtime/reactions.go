package realtime

import (
	"time"

	"golang.org/x/time/rate"

	"github.com/bodydouble/bodydouble/internal/ratelimit"
)

// Reactions are limited per sender (docs/protocol.md "Reactions"): a
// burst of 3, then one every 5 seconds, whichever of the person's sockets
// sends them. Beyond it the answer is rate_limited and nothing is sent.
// The limit is this instance's: a person's sockets are rarely on two.
const (
	reactionEvery = 5 * time.Second
	reactionBurst = 3
	reactionKeys  = 1 << 16 // senders the table may hold
)

// reactionLimits are the reaction allowances of senders, by user id.
type reactionLimits struct{ b *ratelimit.Buckets[string] }

func newReactionLimits() reactionLimits {
	return reactionLimits{ratelimit.NewBuckets[string](rate.Every(reactionEvery), reactionBurst, reactionKeys)}
}

// allow takes one of userID's reactions, if there is one left.
func (l reactionLimits) allow(userID string) func() bool {
	return func() bool {
		ok, _ := l.b.Allow(userID, time.Now())
		return ok
	}
}

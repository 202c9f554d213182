package realtime

import (
	"context"
	"time"

	"github.com/bodydouble/bodydouble/internal/ratelimit"
)

// Reactions are limited per sender (docs/protocol.md "Reactions"): a
// burst of 3, then one every 5 seconds, whichever of the person's sockets
// sends them. Beyond it the answer is rate_limited and nothing is sent.
// The limit is the hub's Limiter's: shared by every instance with
// --redis-url.
const (
	reactionEvery = 5 * time.Second
	reactionBurst = 3
)

var limitReactions = ratelimit.Limit{Name: "reactions", Rate: 1, Per: reactionEvery, Burst: reactionBurst}

// reactionLimits are the reaction allowances of senders, by user id.
type reactionLimits struct{ l ratelimit.Limiter }

func newReactionLimits(l ratelimit.Limiter) reactionLimits { return reactionLimits{l} }

// allow takes one of userID's reactions, if there is one left.
func (l reactionLimits) allow(userID string) func() bool {
	return func() bool {
		ok, _ := l.l.Allow(context.Background(), limitReactions, userID)
		return ok
	}
}

package rooms

import "time"

// justLeftFor is how long the room someone left stays "just left" for
// quick-join, which then sends them anywhere else with a seat before
// sending them back. Leaving and pressing "Find me a room" means "not that
// one"; a quarter of an hour covers that and a short break, and after it
// the busiest room is again simply the best company on offer.
const justLeftFor = 15 * time.Minute

// justLeftSince is the earliest leave that quick-join at now still avoids.
func justLeftSince(now time.Time) time.Time {
	return now.Add(-justLeftFor)
}

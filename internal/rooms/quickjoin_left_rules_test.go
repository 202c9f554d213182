package rooms_test

import (
	"testing"
	"time"
)

// Quick join after leaving: the room one just left (within a quarter of an
// hour) is chosen only when no other room has a seat; after that it is an
// ordinary room again, and the busiest one wins.
func TestQuickJoinAfterLeaving(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		otherCap  int           // capacity of the other room, which has one person in it
		otherFull bool          // a second person fills a room of 2
		after     time.Duration // from leaving the busiest room to the quick join
		back      bool          // sent back to the room just left
	}{
		{"a minute later, somewhere else", 8, false, time.Minute, false},
		{"a quarter of an hour later, still somewhere else", 8, false, 15 * time.Minute, false},
		{"later than that, the busiest room again", 8, false, 15*time.Minute + time.Second, true},
		{"back when it is the only room with a seat", 2, true, time.Minute, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			eachBackend(t, func(t *testing.T, e *env) {
				owner, me := e.user(), e.user()
				busiest := e.room(owner, 8, "muted")
				e.join(busiest.ID, e.user(), e.user(), e.user())
				e.clock.Advance(time.Second)
				other := e.room(owner, tc.otherCap, "muted")
				e.join(other.ID, e.user())
				if tc.otherFull {
					e.join(other.ID, e.user())
				}

				e.join(busiest.ID, me)
				if _, _, err := e.s.Leave(e.ctx, me, busiest.ID, none); err != nil {
					t.Fatal(err)
				}
				e.clock.Advance(tc.after)
				res, err := e.s.QuickJoin(e.ctx, me, none)
				if err != nil {
					t.Fatal(err)
				}
				want := other.ID
				if tc.back {
					want = busiest.ID
				}
				if res.Room.ID != want {
					t.Fatalf("quick join picked %s, want %s (busiest %s, other %s)", res.Room.ID, want, busiest.ID, other.ID)
				}

				// Someone who never left the busiest room is sent there.
				if res, err := e.s.QuickJoin(e.ctx, e.user(), none); err != nil || res.Room.ID != busiest.ID {
					t.Fatalf("a newcomer's quick join: %s, %v; want the busiest room %s", res.Room.ID, err, busiest.ID)
				}
			})
		})
	}
}

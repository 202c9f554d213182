package realtime

import (
	"context"
	"time"
)

// Observer is told of the socket's work, for metrics. Its methods run on
// hot paths and must only count (atomics, histogram observations). A nil
// Observer (Options.Observer unset) costs one comparison per frame.
type Observer interface {
	// FrameIn is one frame read from a socket, by its event name.
	FrameIn(event string)
	// FanOut is one room event handed to n local sockets, taking d.
	FanOut(event string, n int, d time.Duration)
	// Replied is one event sent to a single socket, not fanned out: an
	// answer (room-joined, room-left, error) or a direct message.
	Replied(event string)
	// Joined is one join-room answered after d.
	Joined(d time.Duration)
	// RateLimited is one upgrade refused by a limit (the Limit* names).
	RateLimited(limit string)
}

// The limits RateLimited names.
const (
	LimitUpgradeAddress = "ws_upgrade_address"
	LimitUpgradePerson  = "ws_upgrade_person"
	LimitSocketsAddress = "ws_sockets_address" // MaxConnsPerAddr open at once
	LimitSocketsPerson  = "ws_sockets_person"  // MaxConnsPerUser open at once
)

// limited tells the Observer of a refusal by limit.
func (h *Hub) limited(limit string) {
	if h.obs != nil {
		h.obs.RateLimited(limit)
	}
}

// Participants is the number of sockets on this instance joined to a room,
// for metrics.
func (h *Hub) Participants() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	n := 0
	for _, sub := range h.inRoom {
		n += len(sub.members)
	}
	return n
}

// RoomsWithPeople is the number of rooms with a socket on this instance,
// for metrics.
func (h *Hub) RoomsWithPeople() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return len(h.inRoom)
}

// replied tells the Observer of one event sent to a single socket.
func (h *Hub) replied(event string) {
	if h.obs != nil {
		h.obs.Replied(event)
	}
}

// timedJoin is join, timed for the Observer when there is one.
func (c *conn) timedJoin(ctx context.Context, roomID, ref string) error {
	if c.hub.obs == nil {
		return c.join(ctx, roomID, ref)
	}
	start := time.Now()
	err := c.join(ctx, roomID, ref)
	c.hub.obs.Joined(time.Since(start))
	return err
}

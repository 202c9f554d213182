package realtime

import (
	"context"
	"slices"

	"github.com/bodydouble/bodydouble/internal/broker"
	"github.com/bodydouble/bodydouble/internal/protocol"
)

// enter makes c a local member of room (leaving its previous one), in the
// pending state: events are buffered until the snapshot is sent.
func (h *Hub) enter(ctx context.Context, c *conn, room string) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	if c.room == room {
		c.pending = true
		return nil
	}
	h.leaveLocked(c)
	sub, ok := h.inRoom[room]
	if !ok {
		sub = &roomSub{}
		cancel, err := h.subscribe(ctx, protocol.RoomChannel(room), func(b []byte) { h.deliver(room, b) })
		if err != nil {
			return err
		}
		sub.cancel = cancel
		h.inRoom[room] = sub
	}
	sub.members = append(sub.members, c)
	first := !h.userSeatedLocked(c.user.UserID) // c itself is in no room at this point
	c.room, c.pending, c.buffered = room, true, nil
	if first {
		h.seatChanged(c.user.UserID)
	}
	return nil
}

// subscribe subscribes to a room's events directly when the broker can:
// deliver never blocks (it writes without waiting), so the goroutine that
// made a change delivers it, with no hop to a goroutine of the room's own.
func (h *Hub) subscribe(ctx context.Context, channel string, hd broker.Handler) (func(), error) {
	if d, ok := h.broker.(broker.DirectSubscriber); ok {
		return d.SubscribeDirect(ctx, channel, hd)
	}
	return h.broker.Subscribe(ctx, channel, hd)
}

// ready ends c's pending state: first the snapshot, then what arrived meanwhile.
func (h *Hub) ready(c *conn, snapshot []byte) {
	h.mu.Lock()
	defer h.mu.Unlock()
	c.enqueue(snapshot)
	for _, b := range c.buffered {
		c.enqueue(b)
	}
	c.pending, c.buffered = false, nil
}

// leave removes c from its room locally.
func (h *Hub) leave(c *conn) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.leaveLocked(c)
}

func (h *Hub) leaveLocked(c *conn) {
	if c.room == "" {
		return
	}
	if sub, ok := h.inRoom[c.room]; ok {
		if i := slices.Index(sub.members, c); i >= 0 {
			sub.members = slices.Delete(sub.members, i, i+1)
		}
		if len(sub.members) == 0 {
			sub.cancel()
			delete(h.inRoom, c.room)
		}
	}
	c.room, c.pending, c.buffered = "", false, nil
	if !h.userSeatedLocked(c.user.UserID) {
		h.seatChanged(c.user.UserID) // their last socket in a room here
	}
}

// roomOf returns the room c is in locally.
func (h *Hub) roomOf(c *conn) string {
	h.mu.Lock()
	defer h.mu.Unlock()
	return c.room
}

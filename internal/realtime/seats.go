package realtime

import (
	"context"
)

// seatChanged notes that userID has gained their first socket in a room
// here or lost their last; Run brings the store's holds in step. (A second
// tab, or a move to another room, changes no hold: JoinRoom starts a new
// seat held when its user already holds one.)
func (h *Hub) seatChanged(userID string) {
	h.seatMu.Lock()
	h.seatDirty[userID] = struct{}{}
	h.seatMu.Unlock()
	select {
	case h.seatWake <- struct{}{}:
	default:
	}
}

// syncSeats holds the seats of the changed users who have a socket in a
// room here and releases the others'. It reads the current state rather
// than replaying changes, so it is right however changes interleaved; what
// fails is tried again on the next call.
func (h *Hub) syncSeats(ctx context.Context) {
	h.seatMu.Lock()
	dirty := h.seatDirty
	if len(dirty) == 0 {
		h.seatMu.Unlock()
		return
	}
	h.seatDirty = map[string]struct{}{}
	h.seatMu.Unlock()
	var hold, release []string
	h.mu.Lock()
	for u := range dirty {
		if h.userSeatedLocked(u) {
			hold = append(hold, u)
		} else {
			release = append(release, u)
		}
	}
	h.mu.Unlock()
	retry := func(users []string) {
		h.seatMu.Lock()
		defer h.seatMu.Unlock()
		for _, u := range users {
			h.seatDirty[u] = struct{}{}
		}
	}
	if err := h.rooms.HoldSeats(ctx, hold); err != nil {
		h.log.Warn("realtime: hold seats", "users", len(hold), "err", err)
		retry(hold)
	}
	if err := h.rooms.ReleaseSeats(ctx, release); err != nil {
		h.log.Warn("realtime: release seats", "users", len(release), "err", err)
		retry(release)
	}
}

// userSeatedLocked reports whether userID has a socket in a room here.
func (h *Hub) userSeatedLocked(userID string) bool {
	for c := range h.byUser[userID] {
		if c.room != "" {
			return true
		}
	}
	return false
}

package realtime

// The seats of people with a socket in a room here are held in the store
// by package seats; the hub only says whose changed. A user's seat is
// held while at least one of their sockets here is in a room.

// seatChanged notes that userID has gained their first socket in a room
// here or lost their last (enter, leaveLocked).
func (h *Hub) seatChanged(userID string) { h.seats.Changed(userID) }

// userSeatedLocked reports whether userID has a socket in a room here.
func (h *Hub) userSeatedLocked(userID string) bool {
	for c := range h.byUser[userID] {
		if c.room != "" {
			return true
		}
	}
	return false
}

// hubSockets answers package seats about the hub's sockets.
type hubSockets struct{ h *Hub }

// SplitSeated sorts users by whether they have a socket in a room here.
func (s hubSockets) SplitSeated(users map[string]struct{}) (hold, release []string) {
	s.h.mu.Lock()
	defer s.h.mu.Unlock()
	for u := range users {
		if s.h.userSeatedLocked(u) {
			hold = append(hold, u)
		} else {
			release = append(release, u)
		}
	}
	return hold, release
}

// Users lists every user with a socket here.
func (s hubSockets) Users() []string {
	s.h.mu.Lock()
	defer s.h.mu.Unlock()
	out := make([]string, 0, len(s.h.byUser))
	for u := range s.h.byUser {
		out = append(out, u)
	}
	return out
}

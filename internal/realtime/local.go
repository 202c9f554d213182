package realtime

import "github.com/bodydouble/bodydouble/internal/protocol"

// The hub is the rooms service's rooms.Local: the rooms this instance has
// sockets in, and delivery to those sockets alone. A cycle room's phase
// changes come this way, not through the broker: every instance computes
// the same boundary, so each tells its own sockets, and each socket hears
// it once.

// Rooms lists the rooms with at least one local socket.
func (h *Hub) Rooms() []string {
	h.mu.Lock()
	defer h.mu.Unlock()
	out := make([]string, 0, len(h.inRoom))
	for id := range h.inRoom {
		out = append(out, id)
	}
	return out
}

// Deliver sends ev to the local sockets in roomID, each the copy it would
// get had ev come from the broker (deliver.go).
func (h *Hub) Deliver(roomID string, ev protocol.Event) {
	h.deliver(roomID, ev.Encode())
}

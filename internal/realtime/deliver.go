package realtime

import (
	"strconv"
	"strings"
	"time"

	"github.com/bodydouble/bodydouble/internal/protocol"
)

// deliver sends one room event from the broker to the local members, each
// the copy protocol's Event.Route gives it. It may run on several
// goroutines at once (direct subscription); each call builds its writes
// under mu and makes them after.
func (h *Hub) deliver(room string, b []byte) {
	ev, err := protocol.DecodeEvent(b)
	if err != nil {
		h.log.Warn("realtime: bad event", "err", err)
		return
	}
	now := time.Now().UnixMilli()
	type write struct {
		c *conn
		b []byte
	}
	var writes []write
	if h.obs != nil {
		start := time.Now()
		defer func() { h.obs.FanOut(ev.Name, len(writes), time.Since(start)) }() // after the writes below
	}
	defer func() {
		// Written after the lock is released: a slow syscall holds up no other room.
		for _, w := range writes {
			w.c.enqueue(w.b)
		}
	}()
	h.mu.Lock()
	defer h.mu.Unlock()
	sub, ok := h.inRoom[room]
	if !ok {
		return
	}
	var left []*conn
	var shared []byte                    // the common frame, encoded once for every plain recipient
	origin := h.localSeq(ev.Origin.Conn) // 0 when the change came from elsewhere
	writes = make([]write, 0, len(sub.members))
	for _, c := range sub.members {
		cp, withRef := ev.Route(c.user.UserID, c.id, origin != 0 && c.seq == origin)
		name, data, ref := ev.Name, ev.Data, ""
		switch cp {
		case protocol.NoCopy:
			continue
		case protocol.RoomLeftCopy:
			name, data = protocol.EvRoomLeft, protocol.RoomLeftData(room, ev.Reason)
			left = append(left, c)
		case protocol.OwnerCopy:
			data = ev.OwnerData
		case protocol.BlockedCopy:
			data = ev.BlockedData
		}
		if withRef {
			ref = ev.Origin.Ref
		}
		plain := cp == protocol.DataCopy && !withRef
		var out []byte
		if plain {
			if shared == nil {
				shared = encodeFrame(ev.Name, ev.Data, "", now)
			}
			out = shared
		} else {
			out = encodeFrame(name, data, ref, now)
		}
		if c.pending {
			c.buffered = append(c.buffered, out)
		} else {
			writes = append(writes, write{c, out})
		}
	}
	for _, c := range left {
		h.leaveLocked(c)
	}
}

// localSeq returns the number of this instance's connection id, or 0 for
// an id of another instance (or none), so deliver compares numbers in the
// conn struct rather than each member's id string.
func (h *Hub) localSeq(id string) uint64 {
	rest, ok := strings.CutPrefix(id, h.instance)
	if !ok || len(rest) < 2 || rest[0] != '-' {
		return 0
	}
	n, err := strconv.ParseUint(rest[1:], 10, 64)
	if err != nil {
		return 0
	}
	return n
}

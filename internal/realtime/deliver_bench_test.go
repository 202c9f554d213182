package realtime

import (
	"encoding/json"
	"io"
	"log/slog"
	"strconv"
	"testing"

	"github.com/bodydouble/bodydouble/internal/auth"
	"github.com/bodydouble/bodydouble/internal/protocol"
)

// BenchmarkDeliver is the hub's side of one presence broadcast to a room
// of 25 local members, one of them the sender: decoding the envelope,
// routing it to each member and encoding the frames (the sockets are not
// upgraded, so nothing is written).
func BenchmarkDeliver(b *testing.B) { benchDeliver(b, nil) }

// benchDeliver delivers one presence change to a room of 25 local members
// over and over, with the metrics observer obs (nil: off).
func benchDeliver(b *testing.B, obs Observer) {
	const room = "6f1c2a54-8a7b-4c1e-9d3f-0a1b2c3d4e5f"
	h := &Hub{instance: "abc", log: slog.New(slog.NewTextHandler(io.Discard, nil)), inRoom: map[string]*roomSub{}, obs: obs}
	sub := &roomSub{}
	for i := range 25 {
		c := newConn(h, auth.Identity{UserID: "user-" + strconv.Itoa(i)}, uint64(i+1))
		c.room = room
		sub.members = append(sub.members, c)
	}
	h.inRoom[room] = sub
	ev := protocol.Event{Room: room, Name: protocol.EvPresenceUpdated,
		Data:   json.RawMessage(`{"roomId":"6f1c2a54-8a7b-4c1e-9d3f-0a1b2c3d4e5f","participantId":"user-3","status":"break"}`),
		Origin: protocol.Origin{Conn: "abc-4", Ref: "17"}}
	msg := ev.Encode()
	b.ReportAllocs()
	for b.Loop() {
		h.deliver(room, msg)
	}
}

package realtime

import (
	"encoding/json"
	"io"
	"log/slog"
	"strconv"
	"testing"

	"github.com/bodydouble/bodydouble/internal/auth"
	"github.com/bodydouble/bodydouble/internal/metrics"
	"github.com/bodydouble/bodydouble/internal/protocol"
)

// BenchmarkDeliverMetrics is BenchmarkDeliver with the metrics Observer
// off and on (docs/performance.md, "Metrics"): the cost of counting the
// frames and timing the fan-out.
func BenchmarkDeliverMetrics(b *testing.B) {
	for _, on := range []bool{false, true} {
		b.Run("metrics="+strconv.FormatBool(on), func(b *testing.B) {
			const room = "6f1c2a54-8a7b-4c1e-9d3f-0a1b2c3d4e5f"
			h := &Hub{instance: "abc", log: slog.New(slog.NewTextHandler(io.Discard, nil)), inRoom: map[string]*roomSub{}}
			if on {
				h.obs = metrics.New(metrics.Sources{})
			}
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
		})
	}
}

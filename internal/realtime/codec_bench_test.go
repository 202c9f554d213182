package realtime

import (
	"encoding/json"
	"testing"

	"github.com/bodydouble/bodydouble/internal/protocol"
	"github.com/bodydouble/bodydouble/internal/wire"
)

var presenceFrame = []byte(`{"event":"update-presence","data":{"roomId":"6f1c2a54-8a7b-4c1e-9d3f-0a1b2c3d4e5f","status":"break"},"ref":"17"}`)

// BenchmarkDecodePresence is the decoding cost of the most frequent client
// event, as handle reads it.
func BenchmarkDecodePresence(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		f, err := decodeFrame(presenceFrame)
		if err != nil {
			b.Fatal(err)
		}
		if v, ok := f.fields("roomId", "status"); !ok || v[1] != "break" {
			b.Fatal("update-presence not read by the fast path")
		}
	}
}

// BenchmarkDecodePresenceStrict is the same frame through the strict
// decoder, the path of every frame the fast one does not read.
func BenchmarkDecodePresenceStrict(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		f, err := decodeFrameStrict(presenceFrame)
		if err != nil {
			b.Fatal(err)
		}
		var in wire.PresenceInput
		if err := decodeData(f.Data, &in); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkEventRoundTrip is the broker envelope of one broadcast: encoded
// by the publisher, decoded by each instance's hub.
func BenchmarkEventRoundTrip(b *testing.B) {
	b.ReportAllocs()
	ev := protocol.Event{Room: "6f1c2a54-8a7b-4c1e-9d3f-0a1b2c3d4e5f", Name: protocol.EvPresenceUpdated,
		Data:   json.RawMessage(`{"roomId":"6f1c2a54-8a7b-4c1e-9d3f-0a1b2c3d4e5f","participantId":"0a1b2c3d-8a7b-4c1e-9d3f-6f1c2a54aaaa","status":"break"}`),
		Origin: protocol.Origin{Conn: "abc-17", Ref: "17"}}
	for b.Loop() {
		if _, err := protocol.DecodeEvent(ev.Encode()); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkEncodeFrame is the per-broadcast frame encoding.
func BenchmarkEncodeFrame(b *testing.B) {
	b.ReportAllocs()
	data := json.RawMessage(`{"roomId":"6f1c2a54-8a7b-4c1e-9d3f-0a1b2c3d4e5f","participantId":"0a1b2c3d-8a7b-4c1e-9d3f-6f1c2a54aaaa","status":"break"}`)
	for b.Loop() {
		encodeFrame(protocol.EvPresenceUpdated, data, "", 1795665917903)
	}
}

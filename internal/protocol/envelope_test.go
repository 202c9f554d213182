package protocol

import (
	"encoding/hex"
	"encoding/json"
	"reflect"
	"testing"
)

func TestEventEnvelopeRoundTrip(t *testing.T) {
	t.Parallel()
	for _, ev := range []Event{
		{Room: "r", Name: EvPresenceUpdated, Data: json.RawMessage(`{"a":1}`)},
		{Room: "r", Name: EvSessionUpdated, Data: json.RawMessage(`{}`), Owner: "u", OwnerData: json.RawMessage(`{"goals":["é"]}`),
			To: "t", ToConn: "tc", From: "f", Subject: "s", Reason: "why", Origin: Origin{Conn: "c-1", Ref: "17"}},
		{Room: "r", Name: EvParticipantJoined, Data: json.RawMessage(`{"p":{}}`), Subject: "s", Blockers: "u\nw", BlockedData: json.RawMessage(`{"p":{"blocked":true}}`)},
	} {
		got, err := DecodeEvent(ev.Encode())
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, ev) {
			t.Fatalf("round trip\n got %+v\nwant %+v", got, ev)
		}
	}
}

func TestEventEnvelopeRefusesDamage(t *testing.T) {
	t.Parallel()
	b := Event{Room: "r", Name: "n", Data: json.RawMessage(`{}`)}.Encode()
	for _, bad := range [][]byte{nil, {}, {1}, {3}, b[:len(b)-1], append(append([]byte{}, b...), 0)} {
		if _, err := DecodeEvent(bad); err == nil {
			t.Errorf("DecodeEvent(%v) accepted", bad)
		}
	}
}

// TestEventEnvelopeBytes pins the envelope byte for byte: instances of two
// versions share the broker during an upgrade, so a change of layout needs
// a new eventVersion.
func TestEventEnvelopeBytes(t *testing.T) {
	t.Parallel()
	ev := Event{Room: "r", Name: EvSessionUpdated, Data: json.RawMessage(`{}`), Owner: "u", OwnerData: json.RawMessage(`{"goals":["é"]}`),
		To: "t", ToConn: "tc", From: "f", Subject: "s", Reason: "why", Origin: Origin{Conn: "c-1", Ref: "17"},
		Blockers: "b", BlockedData: json.RawMessage(`[]`)}
	const want = "02017215666f6375732d73657373696f6e2d7570646174656401750174027463016601730377687903632d310231370162027b7d107b22676f616c73223a5b22c3a9225d7d025b5d"
	if got := hex.EncodeToString(ev.Encode()); got != want {
		t.Fatalf("envelope\n got %s\nwant %s", got, want)
	}
}

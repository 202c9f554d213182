package rooms

import (
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
	for _, bad := range [][]byte{nil, {}, {2}, b[:len(b)-1], append(append([]byte{}, b...), 0)} {
		if _, err := DecodeEvent(bad); err == nil {
			t.Errorf("DecodeEvent(%v) accepted", bad)
		}
	}
}

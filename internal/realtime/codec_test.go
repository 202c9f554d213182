package realtime

import (
	"encoding/json"
	"testing"
)

func TestEncodeFrameAddsServerTime(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ data, ref, want string }{
		{`{"roomId":"r"}`, "", `{"event":"e","data":{"roomId":"r","serverTime":7}}`},
		{`{}`, "a\"b", `{"event":"e","data":{"serverTime":7},"ref":"a\"b"}`},
		{` { } `, "", `{"event":"e","data":{"serverTime":7}}`},
	} {
		if got := string(encodeFrame("e", json.RawMessage(tc.data), tc.ref, 7)); got != tc.want {
			t.Errorf("encodeFrame(%s, %q) = %s, want %s", tc.data, tc.ref, got, tc.want)
		}
	}
}

func TestDecodeFrame(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		in, ref string
		ok      bool
	}{
		{`{"event":"join-room","data":{"roomId":"x"},"ref":"1"}`, "1", true},
		{`{"event":"join-room"}`, "", true},
		{`{"event":"join-room","data":null,"ref":""}`, "", true},
		{`{"event":"","ref":"2"}`, "2", false},
		{`{"event":"x","data":[1],"ref":"3"}`, "3", false},
		{`{"event":"x","data":{},"ref":"4","extra":true}`, "4", false},
		{`{"event":5,"ref":"5"}`, "5", false},
		{`[]`, "", false},
		{`{"event":"x"} {}`, "", false},
		{"\xff", "", false},
	} {
		f, err := decodeFrame([]byte(tc.in))
		if (err == nil) != tc.ok || f.Ref != tc.ref {
			t.Errorf("decodeFrame(%s) = %+v, %v; want ok=%v ref=%q", tc.in, f, err, tc.ok, tc.ref)
		}
	}
}

// FuzzDecodeFrame checks the decoder never panics, and that what it accepts
// has an event and object data that re-encode as valid JSON.
func FuzzDecodeFrame(f *testing.F) {
	for _, s := range []string{
		`{"event":"join-room","data":{"roomId":"abc"},"ref":"1"}`,
		`{"event":"start-timer","data":{"roomId":"r","duration":60,"type":"work"}}`,
		`{"event":"x","data":null}`, `{}`, `[]`, `null`, `{"event":"x","data":"s"}`,
		`{"event":"x","ref":"` + string(make([]byte, 70)) + `"}`, "\xff\xfe",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		fr, err := decodeFrame(b)
		if err != nil {
			if len(fr.Ref) > maxRef {
				t.Fatalf("error carries an overlong ref")
			}
			return
		}
		if fr.Event == "" || len(fr.Data) == 0 || fr.Data[0] != '{' {
			t.Fatalf("accepted %q as %+v", b, fr)
		}
		if out := encodeFrame(fr.Event, fr.Data, fr.Ref, 1); !json.Valid(out) {
			t.Fatalf("re-encoded %q invalid: %s", b, out)
		}
	})
}

func TestPendingOutputIsBounded(t *testing.T) {
	t.Parallel()
	c := &conn{}
	frame := 1000
	n := 0
	for c.admit(frame) {
		n++
	}
	if want := maxPending / (frame + frameOverhead); n != want {
		t.Fatalf("admitted %d frames, want %d", n, want)
	}
	// Once the network takes the bytes, the client is keeping up again.
	c.written(int(c.queued.Load()))
	if !c.admit(frame) {
		t.Fatal("not admitted after everything was written")
	}
}

package realtime

import (
	"bytes"
	"encoding/json"
	"testing"
	"unicode/utf8"

	"github.com/bodydouble/bodydouble/internal/wire"
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

func TestBacklogIsBounded(t *testing.T) {
	t.Parallel()
	c := &conn{}
	frame := 1000
	n := 0
	for c.admit(frame) {
		n++
	}
	// Every frame is admitted while the backlog before it is within maxPending.
	if want := maxPending/int(wireSize(frame)) + 1; n != want {
		t.Fatalf("admitted %d frames, want %d", n, want)
	}
	// Once the network takes the bytes, the client is keeping up again.
	c.written(int(c.queued.Load()))
	if !c.admit(frame) {
		t.Fatal("not admitted after everything was written")
	}
}

// TestOneLargeFrameIsNotABacklog: the rule measures backlog, so a frame
// bigger than maxPending reaches a client that is keeping up.
func TestOneLargeFrameIsNotABacklog(t *testing.T) {
	t.Parallel()
	c := &conn{}
	if !c.admit(2 * maxPending) {
		t.Fatal("a large frame was refused to a client with nothing pending")
	}
	if c.admit(10) {
		t.Fatal("a frame was admitted behind a backlog over maxPending")
	}
}

func TestWireSize(t *testing.T) {
	t.Parallel()
	for n, want := range map[int]int64{0: 2, 125: 127, 126: 130, 65535: 65539, 65536: 65546} {
		if got := wireSize(n); got != want {
			t.Errorf("wireSize(%d) = %d, want %d", n, got, want)
		}
	}
}

func TestScanFrameReadsOnlyPlainFrames(t *testing.T) {
	t.Parallel()
	for _, in := range []string{
		`{"event":"update-presence","data":{"roomId":"r","status":"break"},"ref":"1"}`,
		` { "ref" : "1" , "data" : { } , "event" : "x" } `,
		`{"event":"x"}`,
		`{"event":"","data":{"a":"é"}}`,
	} {
		if _, ok := scanFrame([]byte(in)); !ok {
			t.Errorf("scanFrame(%s) declined a plain frame", in)
		}
	}
	for _, in := range []string{
		`{"event":"x\u0041"}`,                    // escape
		`{"Event":"x"}`,                          // another case: encoding/json matches it
		`{"event":"x","event":"y"}`,              // duplicate: encoding/json keeps the last
		`{"event":"x","data":{"a":"1","a":"2"}}`, // duplicate member
		`{"event":"x","data":{"duration":60}}`,   // a number
		`{"event":"x","data":{"a":{"b":"c"}}}`,   // nested
		`{"event":"x","data":null}`,
		`{"event":"x","data":{"a":"1","b":"2","c":"3","d":"4","e":"5"}}`, // too many members
		`{"event":"x","extra":"y"}`,
		`{"event":"x"}x`,
		"{\"event\":\"a\tb\"}", // a control character, which JSON forbids
		`{"event":"x",}`,
		`{}`,
	} {
		if f, ok := scanFrame([]byte(in)); ok {
			t.Errorf("scanFrame(%s) = %+v, want it left to the strict decoder", in, f)
		}
	}
}

// FuzzScanFrame checks that the fast path reads a frame exactly as the
// strict decoder does, whenever it reads it at all.
func FuzzScanFrame(f *testing.F) {
	for _, s := range []string{
		`{"event":"update-presence","data":{"roomId":"r","status":"break"},"ref":"1"}`,
		`{"ref":"1","data":{},"event":"x"}`, `{"event":"x","data":{"a":"1","a":"2"}}`,
		`{"event":"x","data":{"A":"1","a":"2"}}`, `{"event":"x","EVENT":"y"}`, ` {"event" :"x"} `,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		fast, ok := scanFrame(b)
		if !ok || !utf8.Valid(b) {
			return
		}
		var strict frame
		if err := wire.DecodeStrict(b, &strict); err != nil {
			t.Fatalf("scanFrame read %q, which the strict decoder refuses: %v", b, err)
		}
		if fast.Event != strict.Event || fast.Ref != strict.Ref || !bytes.Equal(fast.Data, strict.Data) {
			t.Fatalf("%q: fast %q %q %s, strict %q %q %s", b, fast.Event, fast.Ref, fast.Data, strict.Event, strict.Ref, strict.Data)
		}
		if len(strict.Data) == 0 {
			return
		}
		var members map[string]string
		if err := json.Unmarshal(strict.Data, &members); err != nil {
			t.Fatalf("%q: data the fast path read as plain is not: %v", b, err)
		}
		if len(members) != fast.plain.n {
			t.Fatalf("%q: fast path read %d members, strict %d", b, fast.plain.n, len(members))
		}
		for _, m := range fast.plain.m[:fast.plain.n] {
			if v, ok := members[string(m.key)]; !ok || v != string(m.val) {
				t.Fatalf("%q: member %q = %q on the fast path, %q strictly", b, m.key, m.val, v)
			}
		}
	})
}

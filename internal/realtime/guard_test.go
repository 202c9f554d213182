package realtime

import (
	"bytes"
	"encoding/binary"
	"io"
	"net"
	"slices"
	"testing"
)

// clientFrame builds a masked client frame header for a payload of n bytes
// (the payload itself is left to the caller); first is FIN|RSV|opcode.
func clientFrame(first byte, n uint64, masked bool) []byte {
	b := []byte{first, 0}
	switch {
	case n < 126:
		b[1] = byte(n)
	case n < 1<<16:
		b[1] = 126
		b = binary.BigEndian.AppendUint16(b, uint16(n))
	default:
		b[1] = 127
		b = binary.BigEndian.AppendUint64(b, n)
	}
	if masked {
		b[1] |= 0x80
		b = append(b, 1, 2, 3, 4)
	}
	return b
}

func withPayload(h []byte, n int) []byte { return append(h, bytes.Repeat([]byte{'x'}, n)...) }

// scanAll runs a fresh guard over the stream in pieces of size step (0:
// all at once) and returns its verdict and the opcodes it was told of.
func scanAll(stream []byte, step int) (int, []byte) {
	var g frameGuard
	var ops []byte
	on := func(op byte) int { ops = append(ops, op); return 0 }
	if step == 0 {
		step = len(stream) + 1
	}
	code := 0
	for len(stream) > 0 && code == 0 {
		n := min(step, len(stream))
		code = g.scan(stream[:n], on)
		stream = stream[n:]
	}
	return code, ops
}

func TestFrameGuard(t *testing.T) {
	t.Parallel()
	text := func(n int) []byte { return withPayload(clientFrame(0x80|opText, uint64(n), true), n) }
	cat := func(parts ...[]byte) []byte { return slices.Concat(parts...) }
	for _, tc := range []struct {
		name   string
		stream []byte
		code   int
		ops    []byte
	}{
		{"small text", text(10), 0, []byte{opText}},
		{"largest text", text(MaxFrame), 0, []byte{opText}},
		{"two frames and a ping", cat(text(200), withPayload(clientFrame(0x80|opPing, 4, true), 4), text(3)), 0, []byte{opText, opPing, opText}},
		{"fragments within the limit", cat(withPayload(clientFrame(opText, 8000, true), 8000), withPayload(clientFrame(0x80|opContinuation, 8000, true), 8000)), 0, []byte{opText, opContinuation}},
		{"one byte too large", clientFrame(0x80|opText, MaxFrame+1, true), CloseTooBig, nil},
		{"64-bit length with its top bit set", clientFrame(0x80|opText, 1<<63, true), CloseTooBig, nil},
		{"largest 64-bit length", clientFrame(0x80|opBinary, 1<<64-1, true), CloseTooBig, nil},
		{"fragments over the limit", cat(withPayload(clientFrame(opText, 9000, true), 9000), clientFrame(0x80|opContinuation, 9000, true)), CloseTooBig, []byte{opText}},
		{"unmasked", clientFrame(0x80|opText, 3, false), CloseProtocol, nil},
		{"reserved bit", clientFrame(0x80|0x40|opText, 3, true), CloseProtocol, nil},
		{"reserved opcode", clientFrame(0x80|0x3, 3, true), CloseProtocol, nil},
		{"ping over 125 bytes", clientFrame(0x80|opPing, 126, true), CloseProtocol, nil},
		{"fragmented ping", clientFrame(opPing, 1, true), CloseProtocol, nil},
		{"bytes after a broken frame are not read", cat(clientFrame(0x80|opText, 1<<63, true), text(1)), CloseTooBig, nil},
	} {
		for _, step := range []int{0, 1, 3, 7} {
			code, ops := scanAll(tc.stream, step)
			if code != tc.code || !bytes.Equal(ops, tc.ops) {
				t.Errorf("%s (in pieces of %d): code %d, frames %v; want %d, %v", tc.name, step, code, ops, tc.code, tc.ops)
			}
		}
	}
}

// TestFrameGuardStopsOnCallback: a code from onFrame ends the stream.
func TestFrameGuardStopsOnCallback(t *testing.T) {
	t.Parallel()
	var g frameGuard
	n := 0
	stream := bytes.Repeat(withPayload(clientFrame(0x80|opPing, 0, true), 0), 10)
	code := g.scan(stream, func(byte) int {
		if n++; n == 3 {
			return CloseAbuse
		}
		return 0
	})
	if code != CloseAbuse || n != 3 {
		t.Fatalf("code %d after %d frames, want %d after 3", code, n, CloseAbuse)
	}
	if g.scan(stream, func(byte) int { t.Fatal("a closed stream was read"); return 0 }) != CloseAbuse {
		t.Fatal("the guard forgot its verdict")
	}
}

// FuzzFrameGuard: any stream, cut anywhere, gets the same verdict and the
// same frames as the whole; and the guard never holds more than a header.
func FuzzFrameGuard(f *testing.F) {
	f.Add(withPayload(clientFrame(0x80|opText, 5, true), 5), 1)
	f.Add(clientFrame(0x80|opText, 1<<63, true), 3)
	f.Add(slices.Concat(withPayload(clientFrame(opText, 100, true), 100), withPayload(clientFrame(0x80|opPing, 125, true), 125)), 50)
	f.Add([]byte{0x81, 0xFF, 0x80, 0, 0, 0, 0, 0, 0, 0, 1, 2, 3, 4}, 2)
	f.Fuzz(func(t *testing.T, stream []byte, step int) {
		if step < 0 {
			step = -step
		}
		whole, wholeOps := scanAll(stream, 0)
		cut, cutOps := scanAll(stream, step%17)
		if whole != cut || !bytes.Equal(wholeOps, cutOps) {
			t.Fatalf("whole: %d %v; in pieces of %d: %d %v", whole, wholeOps, step%17, cut, cutOps)
		}
		switch whole {
		case 0, CloseTooBig, CloseProtocol:
		default:
			t.Fatalf("unknown code %d", whole)
		}
	})
}

func TestBucket(t *testing.T) {
	t.Parallel()
	var b bucket
	now := int64(1_700_000_000e9)
	for i := range 5 {
		if !b.allow(now, 1, 5) {
			t.Fatalf("take %d refused within the burst", i)
		}
	}
	if b.allow(now, 1, 5) {
		t.Fatal("a sixth take in the same instant was allowed")
	}
	if b.allow(now+int64(999e6), 1, 5) {
		t.Fatal("a token came back before a second passed")
	}
	if !b.allow(now+int64(2e9), 1, 5) {
		t.Fatal("no token after two seconds")
	}
	if !b.allow(now+int64(3600e9), 1, 5) || b.tokens > 4 {
		t.Fatalf("an hour's refill went past the burst: %v tokens left", b.tokens)
	}
}

// TestGuardedConnCountsWrites: a socket nbio serves in blocking mode (TLS)
// has no written-size hook, so its wrapper takes what it writes off the
// backlog; otherwise every TLS socket would be closed as too slow once 64
// KiB had ever been sent to it.
func TestGuardedConnCountsWrites(t *testing.T) {
	t.Parallel()
	server, client := net.Pipe()
	defer server.Close()
	defer client.Close()
	go func() { _, _ = io.Copy(io.Discard, client) }()
	c := &conn{}
	g := guardedConn{Conn: server, c: c}
	for i := range 100 {
		if !c.admit(1000) {
			t.Fatalf("frame %d refused: %d bytes pending", i, c.queued.Load())
		}
		if _, err := g.Write(make([]byte, wireSize(1000))); err != nil {
			t.Fatal(err)
		}
	}
	if q := c.queued.Load(); q != 0 {
		t.Fatalf("%d bytes still counted as pending after they were written", q)
	}
}

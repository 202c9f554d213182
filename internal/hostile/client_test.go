package hostile

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"
)

// person is an anonymous identity made over REST from src.
type person struct {
	src, token, id string
}

// signUp makes an anonymous person whose requests come from src.
func (s *server) signUp(t *testing.T, src string) person {
	t.Helper()
	var out struct {
		Token string `json:"token"`
		User  struct {
			ID string `json:"id"`
		} `json:"user"`
	}
	status, body := s.call(t, person{src: src}, "POST", "/api/auth/anonymous", nil, &out)
	if status != http.StatusCreated {
		t.Fatalf("sign up: %d %s", status, body)
	}
	return person{src: src, token: out.Token, id: out.User.ID}
}

// call makes one REST request as p and decodes a JSON answer into out
// (when not nil), returning the status and the raw body.
func (s *server) call(t *testing.T, p person, method, path string, in, out any) (int, []byte) {
	t.Helper()
	var body io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			t.Fatal(err)
		}
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, "http://"+s.addr+path, body)
	if err != nil {
		t.Fatal(err)
	}
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if p.token != "" {
		req.Header.Set("Authorization", "Bearer "+p.token)
	}
	res, err := httpClient(p.src).Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatalf("%s %s: read: %v", method, path, err)
	}
	if out != nil && res.StatusCode < 300 {
		if err := json.Unmarshal(b, out); err != nil {
			t.Fatalf("%s %s: %v in %s", method, path, err, b)
		}
	}
	return res.StatusCode, b
}

// createRoom makes a room as p and returns its id.
func (s *server) createRoom(t *testing.T, p person) string {
	t.Helper()
	var room struct{ ID string }
	if status, body := s.call(t, p, "POST", "/api/rooms", map[string]any{"name": "Hostile test", "category": "admin"}, &room); status != http.StatusCreated {
		t.Fatalf("create a room: %d %s", status, body)
	}
	return room.ID
}

// rawWS is a WebSocket client that writes whatever bytes it is told to.
type rawWS struct {
	c  net.Conn
	br *bufio.Reader
}

// dial opens /ws as p, from p's address, and returns the socket or, when
// the upgrade is refused, nil and the status (the answer's body in refusal).
func (s *server) dial(t *testing.T, p person) (*rawWS, int) {
	ws, status, _ := s.dialBody(t, p)
	return ws, status
}

func (s *server) dialBody(t *testing.T, p person) (*rawWS, int, string) {
	t.Helper()
	d := net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(p.src)}, Timeout: 10 * time.Second}
	c, err := d.Dial("tcp", s.addr)
	if err != nil {
		t.Fatalf("dial: %v", err)
	}
	fmt.Fprintf(c, "GET /ws HTTP/1.1\r\nHost: %s\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"+
		"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\nAuthorization: Bearer %s\r\n\r\n", s.addr, p.token)
	_ = c.SetReadDeadline(time.Now().Add(10 * time.Second))
	br := bufio.NewReader(c)
	res, err := http.ReadResponse(br, nil)
	if err != nil {
		c.Close()
		t.Fatalf("upgrade: %v", err)
	}
	if res.StatusCode != http.StatusSwitchingProtocols {
		body, _ := io.ReadAll(res.Body)
		res.Body.Close()
		c.Close()
		return nil, res.StatusCode, string(body)
	}
	res.Body.Close()
	_ = c.SetReadDeadline(time.Time{})
	ws := &rawWS{c: c, br: br}
	t.Cleanup(func() { c.Close() })
	return ws, res.StatusCode, ""
}

// mustDial is dial that fails the test on a refusal.
func (s *server) mustDial(t *testing.T, p person) *rawWS {
	t.Helper()
	ws, status := s.dial(t, p)
	if ws == nil {
		t.Fatalf("upgrade refused: %d", status)
	}
	return ws
}

var maskKey = [4]byte{0x37, 0xfa, 0x21, 0x3d}

// header is a masked client frame header; first is FIN|RSV|opcode.
func header(first byte, n uint64) []byte {
	b := []byte{first, 0x80}
	switch {
	case n < 126:
		b[1] |= byte(n)
	case n < 1<<16:
		b[1] |= 126
		b = binary.BigEndian.AppendUint16(b, uint16(n))
	default:
		b[1] |= 127
		b = binary.BigEndian.AppendUint64(b, n)
	}
	return append(b, maskKey[:]...)
}

// frame is a whole masked client frame.
func frame(first byte, payload []byte) []byte {
	b := header(first, uint64(len(payload)))
	for i, c := range payload {
		b = append(b, c^maskKey[i%4])
	}
	return b
}

const (
	opText   = 0x81
	opBinary = 0x82
	opClose  = 0x88
	opPing   = 0x89
)

// send writes a text frame holding the event.
func (w *rawWS) send(t *testing.T, event string, data any, ref string) {
	t.Helper()
	b, _ := json.Marshal(map[string]any{"event": event, "data": data, "ref": ref})
	if _, err := w.c.Write(frame(opText, b)); err != nil {
		t.Fatalf("send %s: %v", event, err)
	}
}

// message is one frame from the server.
type message struct {
	op      byte
	payload []byte
}

// event is a server event frame.
type event struct {
	Event string          `json:"event"`
	Data  json.RawMessage `json:"data"`
	Ref   string          `json:"ref"`
}

// closeCode is the code of a close frame (0 when it has none).
func (m message) closeCode() int {
	if len(m.payload) < 2 {
		return 0
	}
	return int(binary.BigEndian.Uint16(m.payload))
}

// read reads one server frame, waiting at most d.
func (w *rawWS) read(d time.Duration) (message, error) {
	_ = w.c.SetReadDeadline(time.Now().Add(d))
	var h [2]byte
	if _, err := io.ReadFull(w.br, h[:]); err != nil {
		return message{}, err
	}
	n := uint64(h[1] & 0x7F)
	switch n {
	case 126:
		var b [2]byte
		if _, err := io.ReadFull(w.br, b[:]); err != nil {
			return message{}, err
		}
		n = uint64(binary.BigEndian.Uint16(b[:]))
	case 127:
		var b [8]byte
		if _, err := io.ReadFull(w.br, b[:]); err != nil {
			return message{}, err
		}
		n = binary.BigEndian.Uint64(b[:])
	}
	if n > 16<<20 {
		return message{}, fmt.Errorf("a server frame of %d bytes", n)
	}
	p := make([]byte, n)
	if _, err := io.ReadFull(w.br, p); err != nil {
		return message{}, err
	}
	return message{op: h[0] & 0x0F, payload: p}, nil
}

// next reads the next event, failing the test on anything else.
func (w *rawWS) next(t *testing.T) (event, int) {
	t.Helper()
	for {
		m, err := w.read(10 * time.Second)
		if err != nil {
			t.Fatalf("read an event: %v", err)
		}
		switch m.op {
		case 0x9, 0xA:
			continue // ping, pong
		case 0x8:
			t.Fatalf("closed (%d) while waiting for an event", m.closeCode())
		}
		var ev event
		if err := json.Unmarshal(m.payload, &ev); err != nil {
			t.Fatalf("not an event: %q", m.payload)
		}
		return ev, len(m.payload)
	}
}

// expect reads events until one named name with ref arrives, and returns
// its data and frame size; events in between are skipped.
func (w *rawWS) expect(t *testing.T, name, ref string) (json.RawMessage, int) {
	t.Helper()
	for range 100 {
		ev, size := w.next(t)
		if ev.Event == name && ev.Ref == ref {
			return ev.Data, size
		}
		if ev.Ref == ref && ref != "" {
			t.Fatalf("got %s %s for ref %q, want %s", ev.Event, ev.Data, ref, name)
		}
	}
	t.Fatalf("no %s (ref %q) in 100 events", name, ref)
	return nil, 0
}

// closeOutcome is how a connection ended for a client that kept reading.
type closeOutcome struct {
	code   int // the close frame's code; 0 when the server sent none
	events int // events read before the end
	err    error
}

// drain reads concurrently until the server closes the connection (or
// limit passes) and delivers how it ended.
func (w *rawWS) drain(limit time.Duration) <-chan closeOutcome {
	out := make(chan closeOutcome, 1)
	go func() {
		deadline := time.Now().Add(limit)
		var o closeOutcome
		for {
			m, err := w.read(time.Until(deadline))
			if err != nil {
				o.err = err
				out <- o
				return
			}
			switch m.op {
			case 0x8:
				o.code = m.closeCode()
				out <- o
				return
			case 0x1:
				o.events++
			}
		}
	}()
	return out
}

// flood writes b again and again until the server stops taking it, at most
// max times or for limit; it returns how many writes went through.
func (w *rawWS) flood(b []byte, max int, limit time.Duration) int {
	_ = w.c.SetWriteDeadline(time.Now().Add(limit))
	for i := range max {
		if _, err := w.c.Write(b); err != nil {
			return i
		}
	}
	return max
}

// isClosed reports whether an error means the server ended the connection.
func isClosed(err error) bool {
	return errors.Is(err, io.EOF) || errors.Is(err, net.ErrClosed) || strings.Contains(fmt.Sprint(err), "connection reset")
}

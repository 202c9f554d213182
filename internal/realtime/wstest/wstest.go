// Package wstest is a WebSocket client for tests of the Body Double
// protocol: it dials with a Bearer token, reads frames in the background and
// waits for expected events, each wait bounded so a broken server fails the
// test instead of hanging it.
package wstest

import (
	"context"
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"github.com/coder/websocket"
)

// WaitLimit bounds every wait for a frame.
const WaitLimit = 10 * time.Second

// Msg is one server frame.
type Msg struct {
	Event string          `json:"event"`
	Data  json.RawMessage `json:"data"`
	Ref   string          `json:"ref"`
}

// Field returns the value at path inside the frame's data (JSON numbers are float64).
func (m Msg) Field(t testing.TB, path ...string) any {
	t.Helper()
	var v any
	if err := json.Unmarshal(m.Data, &v); err != nil {
		t.Fatalf("data of %s: %v", m.Event, err)
	}
	for _, p := range path {
		obj, ok := v.(map[string]any)
		if !ok {
			t.Fatalf("%s: %v is not an object at %q", m.Event, v, p)
		}
		v = obj[p]
	}
	return v
}

// Client is one test connection.
type Client struct {
	t      testing.TB
	WS     *websocket.Conn
	In     chan Msg
	Closed chan websocket.StatusCode
}

// Dial connects to wsURL with a Bearer token, failing the test on error.
func Dial(t testing.TB, wsURL, token string) *Client {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), WaitLimit)
	defer cancel()
	ws, _, err := websocket.Dial(ctx, wsURL, &websocket.DialOptions{HTTPHeader: http.Header{"Authorization": {"Bearer " + token}}})
	if err != nil {
		t.Fatalf("dial %s: %v", wsURL, err)
	}
	ws.SetReadLimit(1 << 20)
	c := &Client{t: t, WS: ws, In: make(chan Msg, 4096), Closed: make(chan websocket.StatusCode, 1)}
	go c.read()
	t.Cleanup(func() { ws.CloseNow() })
	return c
}

func (c *Client) read() {
	for {
		_, b, err := c.WS.Read(context.Background())
		if err != nil {
			c.Closed <- websocket.CloseStatus(err)
			close(c.In)
			return
		}
		var m Msg
		if err := json.Unmarshal(b, &m); err != nil {
			m = Msg{Event: "!invalid-json", Data: json.RawMessage(`{}`), Ref: string(b)}
		}
		c.In <- m
	}
}

// Send writes one client event.
func (c *Client) Send(event string, data any, ref string) {
	c.t.Helper()
	f := map[string]any{"event": event, "data": data}
	if ref != "" {
		f["ref"] = ref
	}
	b, err := json.Marshal(f)
	if err != nil {
		c.t.Fatal(err)
	}
	c.SendRaw(b)
}

// SendRaw writes bytes as one text frame.
func (c *Client) SendRaw(b []byte) {
	c.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), WaitLimit)
	defer cancel()
	if err := c.WS.Write(ctx, websocket.MessageText, b); err != nil {
		c.t.Fatalf("write: %v", err)
	}
}

// Next returns the very next frame.
func (c *Client) Next() Msg {
	c.t.Helper()
	select {
	case m, ok := <-c.In:
		if !ok {
			c.t.Fatal("connection closed while waiting for a frame")
		}
		if m.Event == "!invalid-json" {
			c.t.Fatalf("server sent invalid JSON: %s", m.Ref)
		}
		return m
	case <-time.After(WaitLimit):
		c.t.Fatal("no frame within the wait limit")
	}
	return Msg{}
}

// Expect returns the next frame, which must be event with ref and carry serverTime.
func (c *Client) Expect(event, ref string) Msg {
	c.t.Helper()
	return c.check(c.Next(), event, ref)
}

// check fails the test unless m is event with ref and carries serverTime.
func (c *Client) check(m Msg, event, ref string) Msg {
	c.t.Helper()
	if m.Event != event || m.Ref != ref {
		c.t.Fatalf("got %s (ref %q) %s, want %s (ref %q)", m.Event, m.Ref, m.Data, event, ref)
	}
	if _, ok := m.Field(c.t, "serverTime").(float64); !ok {
		c.t.Fatalf("%s has no serverTime: %s", m.Event, m.Data)
	}
	return m
}

// ExpectAfterJoin is Expect for the first frames after Join's snapshot
// (room-joined): it passes over participant-joined events for people the
// snapshot already lists. The protocol allows them: a join that happened
// while the snapshot was read (on another instance, say) arrives after it
// although the snapshot shows it.
func (c *Client) ExpectAfterJoin(snapshot Msg, event, ref string) Msg {
	c.t.Helper()
	listed := map[string]bool{}
	for _, p := range snapshot.Field(c.t, "participants").([]any) {
		if id, ok := p.(map[string]any)["id"].(string); ok {
			listed[id] = true
		}
	}
	for {
		m := c.Next()
		if m.Event == "participant-joined" && event != "participant-joined" {
			if id, ok := m.Field(c.t, "participant", "id").(string); ok && listed[id] {
				continue
			}
		}
		return c.check(m, event, ref)
	}
}

// ExpectError checks the next frame is an error with code and ref.
func (c *Client) ExpectError(code, ref string) Msg {
	c.t.Helper()
	m := c.Expect("error", ref)
	if got := m.Field(c.t, "code"); got != code {
		c.t.Fatalf("error code %v, want %s: %s", got, code, m.Data)
	}
	return m
}

// WaitClose waits for the server to close the socket and returns its code.
func (c *Client) WaitClose() websocket.StatusCode {
	c.t.Helper()
	deadline := time.After(WaitLimit)
	for {
		select {
		case _, ok := <-c.In:
			if !ok {
				return <-c.Closed
			}
		case <-deadline:
			c.t.Fatal("socket not closed within the wait limit")
		}
	}
}

// Join sends join-room and returns the room-joined snapshot.
func (c *Client) Join(roomID string) Msg {
	c.t.Helper()
	c.Send("join-room", map[string]any{"roomId": roomID}, "join")
	return c.Expect("room-joined", "join")
}

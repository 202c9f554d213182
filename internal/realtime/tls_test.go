package realtime_test

import (
	"bufio"
	"context"
	"crypto/tls"
	"encoding/binary"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
)

// TestTLSSocketsAreGuarded: a socket served over crypto/tls is read in
// blocking mode rather than by the event loop, and its reads pass the frame
// guard too: it works, and a 2^63-byte frame header closes it with 1009 at
// once.
func TestTLSSocketsAreGuarded(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOptions{})
	mux := http.NewServeMux()
	mux.Handle("/ws", e.hub)
	srv := httptest.NewUnstartedServer(mux)
	srv.StartTLS()
	t.Cleanup(srv.Close)
	id := e.user(t)

	// A well-behaved client joins a room over TLS.
	ctx, cancel := context.WithTimeout(context.Background(), waitLimit)
	defer cancel()
	url := "wss" + srv.URL[len("https"):] + "/ws"
	ws, _, err := websocket.Dial(ctx, url, &websocket.DialOptions{HTTPClient: srv.Client(), HTTPHeader: http.Header{"Authorization": {"Bearer " + id.Token}}})
	if err != nil {
		t.Fatalf("dial over TLS: %v", err)
	}
	defer ws.CloseNow()
	room := e.room(t, id, 8)
	if err := ws.Write(ctx, websocket.MessageText, []byte(`{"event":"join-room","data":{"roomId":"`+room+`"},"ref":"j"}`)); err != nil {
		t.Fatal(err)
	}
	if _, b, err := ws.Read(ctx); err != nil || !contains(b, `"room-joined"`) {
		t.Fatalf("join over TLS: %s %v", b, err)
	}

	// A hostile one announces a frame of 2^63 bytes.
	c, err := tls.Dial("tcp", srv.Listener.Addr().String(), &tls.Config{InsecureSkipVerify: true})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	fmt.Fprintf(c, "GET /ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\nAuthorization: Bearer %s\r\n\r\n", id.Token)
	_ = c.SetDeadline(time.Now().Add(waitLimit))
	br := bufio.NewReader(c)
	res, err := http.ReadResponse(br, nil)
	if err != nil || res.StatusCode != http.StatusSwitchingProtocols {
		t.Fatalf("upgrade: %v %v", res, err)
	}
	if _, err := c.Write([]byte{0x81, 0xFF, 0x80, 0, 0, 0, 0, 0, 0, 0, 1, 2, 3, 4}); err != nil {
		t.Fatal(err)
	}
	for {
		var h [2]byte
		if _, err := io.ReadFull(br, h[:]); err != nil {
			t.Fatalf("no close frame: %v", err)
		}
		p := make([]byte, h[1]&0x7F) // server frames here are small
		if _, err := io.ReadFull(br, p); err != nil {
			t.Fatal(err)
		}
		if h[0]&0x0F == 0x8 {
			if code := binary.BigEndian.Uint16(p); code != 1009 {
				t.Fatalf("closed with %d, want 1009", code)
			}
			return
		}
	}
}

func contains(b []byte, s string) bool { return strings.Contains(string(b), s) }

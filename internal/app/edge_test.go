package app_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/bodydouble/bodydouble/internal/app"
	"github.com/bodydouble/bodydouble/internal/config"
	"github.com/bodydouble/bodydouble/internal/realtime/wstest"
)

// startEdge starts an app on loopback with change applied to its
// configuration and returns its base URL.
func startEdge(t *testing.T, change func(*config.Config)) string {
	t.Helper()
	cfg := config.Default()
	cfg.Addr, cfg.DataDir, cfg.RateLimit, cfg.TURNAddr = "127.0.0.1:0", t.TempDir(), false, config.TURNOff
	change(&cfg)
	a, err := app.New(t.Context(), cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	if err := a.Start(t.Context()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		a.Shutdown(ctx)
	})
	return "http://" + a.Addr().String()
}

// dialFrom opens a TCP connection to base's host from the loopback
// address from (Linux routes all of 127/8 to lo).
func dialFrom(t *testing.T, base, from string) net.Conn {
	t.Helper()
	d := net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(from)}, Timeout: 5 * time.Second}
	c, err := d.Dial("tcp", strings.TrimPrefix(base, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// slowPost starts a POST that announces a body and sends one byte of it.
func slowPost(t *testing.T, c net.Conn) {
	t.Helper()
	if _, err := fmt.Fprintf(c, "POST /api/rooms HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 40000\r\n\r\n{"); err != nil {
		t.Fatal(err)
	}
}

// closedByServer reads c until the server ends it and reports whether it
// did before deadline (anything it answered first is read and dropped).
func closedByServer(c net.Conn, deadline time.Time) error {
	c.SetReadDeadline(deadline)
	_, err := io.Copy(io.Discard, c)
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return errors.New("still open at the deadline")
	}
	return nil // EOF (io.Copy's nil) or a reset
}

// TestSlowBodiesAreCutWhileOthersAreServed opens 200 POSTs that trickle
// their bodies (from four addresses, each under the per-address cap) and
// checks that a normal client is served meanwhile and that every slow one
// is closed by the body timeout.
func TestSlowBodiesAreCutWhileOthersAreServed(t *testing.T) {
	t.Parallel()
	const bodyTimeout = time.Second
	base := startEdge(t, func(c *config.Config) { c.BodyTimeout = bodyTimeout })
	var slow []net.Conn
	for i := range 200 {
		c := dialFrom(t, base, fmt.Sprintf("127.0.0.%d", 2+i%4))
		slowPost(t, c)
		slow = append(slow, c)
	}
	began := time.Now()

	// Trickle one more byte into each every 200 ms, so the connections
	// are slow rather than silent, until the test is over.
	stop := make(chan struct{})
	defer close(stop)
	go func() {
		tick := time.NewTicker(200 * time.Millisecond)
		defer tick.Stop()
		for range 100 { // at most 20 s
			select {
			case <-stop:
				return
			case <-tick.C:
			}
			for _, c := range slow {
				c.SetWriteDeadline(time.Now().Add(100 * time.Millisecond))
				c.Write([]byte(" "))
			}
		}
	}()

	me := signUp(t, base)
	var rooms struct {
		Rooms []struct{ ID string } `json:"rooms"`
	}
	getJSON(t, base+"/api/rooms", me.Token, &rooms)
	if len(rooms.Rooms) == 0 {
		t.Fatal("no rooms listed while slow bodies were pending")
	}

	// Without the body timeout these stay open for as long as bytes come.
	deadline := began.Add(10 * bodyTimeout)
	for i, c := range slow {
		if err := closedByServer(c, deadline); err != nil {
			t.Fatalf("slow POST %d: %v", i, err)
		}
	}
}

// TestUpgradedSocketOutlivesTheHTTPTimeouts shortens every HTTP timeout,
// waits until each has visibly fired on plain connections, and checks
// that a WebSocket opened before them still works.
func TestUpgradedSocketOutlivesTheHTTPTimeouts(t *testing.T) {
	t.Parallel()
	const short = 300 * time.Millisecond
	base := startEdge(t, func(c *config.Config) {
		c.HeaderTimeout, c.BodyTimeout, c.IdleTimeout = short, short, short
	})
	me := signUp(t, base)
	var rooms struct {
		Rooms []struct{ ID string } `json:"rooms"`
	}
	getJSON(t, base+"/api/rooms", me.Token, &rooms)
	ws := wstest.Dial(t, "ws"+strings.TrimPrefix(base, "http")+"/ws", me.Token)
	ws.Join(rooms.Rooms[0].ID)

	// A silent connection (header timeout), a stalled body (body timeout)
	// and a kept-alive one after its request (idle timeout) all end.
	silent := dialFrom(t, base, "127.0.0.1")
	stalled := dialFrom(t, base, "127.0.0.1")
	slowPost(t, stalled)
	idle := dialFrom(t, base, "127.0.0.1")
	fmt.Fprintf(idle, "GET /api/rooms HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer %s\r\n\r\n", me.Token)
	deadline := time.Now().Add(20 * short)
	for name, c := range map[string]net.Conn{"silent": silent, "stalled": stalled, "idle": idle} {
		if err := closedByServer(c, deadline); err != nil {
			t.Fatalf("%s connection: %v", name, err)
		}
	}

	ws.Send("update-presence", map[string]any{"roomId": rooms.Rooms[0].ID, "status": "break"}, "p")
	ws.Expect("presence-updated", "p")
}

// TestMaxConnsPerAddrIsApplied checks that --max-conns-per-addr reaches
// the listener: the third connection of one address is closed at once.
func TestMaxConnsPerAddrIsApplied(t *testing.T) {
	t.Parallel()
	base := startEdge(t, func(c *config.Config) { c.MaxConnsPerAddr, c.RateLimit = 2, true })
	// get opens a connection from address from, makes a request on it and
	// leaves it open.
	get := func(from string) error {
		d := net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(from)}, Timeout: 5 * time.Second}
		c, err := d.Dial("tcp", strings.TrimPrefix(base, "http://"))
		if err != nil {
			return err // the reset can come before connect returns
		}
		t.Cleanup(func() { c.Close() })
		c.SetDeadline(time.Now().Add(5 * time.Second))
		if _, err := fmt.Fprintf(c, "GET /api/rooms HTTP/1.1\r\nHost: x\r\n\r\n"); err != nil {
			return err
		}
		_, err = io.ReadFull(c, make([]byte, 12))
		return err
	}
	for i := range 2 {
		if err := get("127.0.0.1"); err != nil {
			t.Fatalf("connection %d: %v", i+1, err)
		}
	}
	err := get("127.0.0.1")
	var ne net.Error
	if err == nil || (errors.As(err, &ne) && ne.Timeout()) {
		t.Fatalf("third connection from one address: %v, want it closed at once", err)
	}
	if err := get("127.0.0.2"); err != nil {
		t.Fatalf("another address: %v", err)
	}
}

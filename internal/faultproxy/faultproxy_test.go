package faultproxy

import (
	"bufio"
	"errors"
	"io"
	"net"
	"os"
	"testing"
	"time"
)

// echo starts a line echo server and returns its address.
func echo(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				_, _ = io.Copy(c, c)
			}()
		}
	}()
	return ln.Addr().String()
}

func start(t *testing.T) *Proxy {
	t.Helper()
	p, err := New(echo(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := p.Close(); err != nil {
			t.Error(err)
		}
	})
	return p
}

func dial(t *testing.T, p *Proxy) (net.Conn, *bufio.Reader) {
	t.Helper()
	c, err := net.Dial("tcp", p.Addr())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c, bufio.NewReader(c)
}

// roundTrip sends a line and reads the echo within limit.
func roundTrip(c net.Conn, r *bufio.Reader, line string, limit time.Duration) (string, error) {
	if _, err := io.WriteString(c, line+"\n"); err != nil {
		return "", err
	}
	_ = c.SetReadDeadline(time.Now().Add(limit))
	got, err := r.ReadString('\n')
	_ = c.SetReadDeadline(time.Time{})
	return got, err
}

const waitLimit = 10 * time.Second

func TestForwards(t *testing.T) {
	p := start(t)
	c, r := dial(t, p)
	if got, err := roundTrip(c, r, "hello", waitLimit); err != nil || got != "hello\n" {
		t.Fatalf("echo through the proxy: %q %v", got, err)
	}
}

// TestStallHoldsThenDelivers: during a stall nothing comes back and the
// connection stays open; after Restore the held bytes arrive, in order.
func TestStallHoldsThenDelivers(t *testing.T) {
	p := start(t)
	c, r := dial(t, p)
	if _, err := roundTrip(c, r, "before", waitLimit); err != nil {
		t.Fatal(err)
	}
	p.Stall()
	// Only a bounded look: that nothing arrives is all a stall can show.
	if got, err := roundTrip(c, r, "held", 300*time.Millisecond); !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("a stalled proxy let %q through (%v)", got, err)
	}
	// A connection opened during the stall is accepted and stalled too.
	c2, r2 := dial(t, p)
	if _, err := io.WriteString(c2, "late\n"); err != nil {
		t.Fatal(err)
	}
	p.Restore()
	_ = c.SetReadDeadline(time.Now().Add(waitLimit))
	if got, err := r.ReadString('\n'); err != nil || got != "held\n" {
		t.Fatalf("after restore: %q %v", got, err)
	}
	_ = c2.SetReadDeadline(time.Now().Add(waitLimit))
	if got, err := r2.ReadString('\n'); err != nil || got != "late\n" {
		t.Fatalf("connection opened during the stall: %q %v", got, err)
	}
}

// TestCutClosesAndRefuses: Cut ends open connections and refuses new ones
// until Restore; a stalled connection cut is closed too.
func TestCutClosesAndRefuses(t *testing.T) {
	p := start(t)
	c, r := dial(t, p)
	if _, err := roundTrip(c, r, "x", waitLimit); err != nil {
		t.Fatal(err)
	}
	p.Stall()
	p.Cut()
	_ = c.SetReadDeadline(time.Now().Add(waitLimit))
	if _, err := r.ReadString('\n'); err == nil || errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("an open connection survived the cut: %v", err)
	}
	// A new connection is accepted by the kernel, then closed at once.
	c2, r2 := dial(t, p)
	if _, err := roundTrip(c2, r2, "refused", waitLimit); err == nil || errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("a connection made during the cut was served: %v", err)
	}
	p.Restore()
	c3, r3 := dial(t, p)
	if got, err := roundTrip(c3, r3, "back", waitLimit); err != nil || got != "back\n" {
		t.Fatalf("after restore: %q %v", got, err)
	}
}

// TestCloseEndsEverything: Close returns with connections open and stalled.
func TestCloseEndsEverything(t *testing.T) {
	p, err := New(echo(t))
	if err != nil {
		t.Fatal(err)
	}
	c, r := dial(t, p)
	p.Stall()
	_, _ = io.WriteString(c, "x\n")
	if err := p.Close(); err != nil {
		t.Fatal(err)
	}
	_ = c.SetReadDeadline(time.Now().Add(waitLimit))
	if _, err := r.ReadString('\n'); err == nil || errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("connection open after Close: %v", err)
	}
	if c, err := net.Dial("tcp", p.Addr()); err == nil {
		c.Close()
		t.Fatal("the proxy still listens after Close")
	}
}

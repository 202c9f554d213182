package brokertest

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"github.com/bodydouble/bodydouble/internal/broker"
)

func testHandlerMayCallBroker(t *testing.T, a, b broker.Broker) {
	const in, out = "room:in", "room:out"
	outRec, witness := newRecorder("out"), newRecorder("witness")
	subscribe(t, b, out, outRec.handle)
	subscribe(t, a, in, witness.handle)

	var calls atomic.Int32
	var cancel func()
	ready, openReady := newGate(t)
	done := make(chan struct{})
	cancel = subscribe(t, a, in, func(p []byte) {
		<-ready
		defer close(done)
		calls.Add(1)
		cancel() // its own subscription
		if err := a.Publish(context.Background(), out, p); err != nil {
			t.Errorf("Publish from handler: %v", err)
		}
		inner, err := a.Subscribe(context.Background(), out, func([]byte) {})
		if err != nil {
			t.Errorf("Subscribe from handler: %v", err)
			return
		}
		inner()
	})
	openReady()
	publish(t, a, in, "first")
	outRec.expectSeq(t, "first")
	select {
	case <-done:
	case <-time.After(wait):
		t.Fatal("handler did not return")
	}
	publish(t, b, in, "second")
	witness.expectSet(t, "first", "second")
	if got := calls.Load(); got != 1 {
		t.Fatalf("handler called %d times after canceling itself, want 1", got)
	}
}

func testCanceledContext(t *testing.T, a, b broker.Broker) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := a.Publish(ctx, "room:ctx", []byte("x")); !errors.Is(err, context.Canceled) {
		t.Errorf("Publish with canceled ctx = %v, want context.Canceled", err)
	}
	if _, err := a.Subscribe(ctx, "room:ctx", func([]byte) {}); !errors.Is(err, context.Canceled) {
		t.Errorf("Subscribe with canceled ctx = %v, want context.Canceled", err)
	}
}

func testClose(t *testing.T, a, b broker.Broker) {
	const ch = "room:close"
	var (
		inHandler  = make(chan struct{})
		gate, open = newGate(t)
		finished   atomic.Bool
		afterEnd   atomic.Int32
	)
	cancel := subscribe(t, a, ch, func(p []byte) {
		if string(p) != "first" {
			afterEnd.Add(1)
			return
		}
		close(inHandler)
		<-gate
		finished.Store(true)
	})
	// Published from a goroutine of its own: a direct subscription's
	// handler runs inside Publish.
	published := make(chan error, 1)
	go func() { published <- a.Publish(context.Background(), ch, []byte("first")) }()
	<-inHandler
	closed := make(chan error, 1)
	go func() { closed <- a.Close() }()
	open()
	select {
	case err := <-closed:
		if err != nil {
			t.Fatalf("Close: %v", err)
		}
	case <-time.After(wait):
		t.Fatal("Close did not return")
	}
	if !finished.Load() {
		t.Fatal("Close returned while a handler was running")
	}
	// A Publish that Close overtook may report it (Redis publishes to the
	// server after delivering here); it must not fail otherwise.
	if err := <-published; err != nil && !errors.Is(err, broker.ErrClosed) {
		t.Fatalf("Publish racing Close: %v", err)
	}
	if err := a.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
	cancel() // after Close: no panic

	if err := a.Publish(context.Background(), ch, []byte("x")); !errors.Is(err, broker.ErrClosed) {
		t.Errorf("Publish after Close = %v, want ErrClosed", err)
	}
	if _, err := a.Subscribe(context.Background(), ch, func([]byte) {}); !errors.Is(err, broker.ErrClosed) {
		t.Errorf("Subscribe after Close = %v, want ErrClosed", err)
	}

	if a != b {
		// The other instance carries on, and a's handler stays quiet.
		r := newRecorder("onB")
		subscribe(t, b, ch, r.handle)
		publish(t, b, ch, "later")
		r.expectSeq(t, "later")
	}
	if n := afterEnd.Load(); n != 0 {
		t.Fatalf("handler called %d times after Close", n)
	}
}

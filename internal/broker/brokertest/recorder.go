package brokertest

import (
	"slices"
	"sync"
	"testing"
	"time"
)

// recorder is a Handler that never blocks and remembers what it got.
type recorder struct {
	name string
	ch   chan string
}

func newRecorder(name string) *recorder {
	return &recorder{name: name, ch: make(chan string, 100_000)}
}

func (r *recorder) handle(p []byte) { r.ch <- string(p) }

// next returns the next message or fails the test after wait.
func (r *recorder) next(t *testing.T) string {
	t.Helper()
	select {
	case m := <-r.ch:
		return m
	case <-time.After(wait):
		t.Fatalf("%s: no message within %v", r.name, wait)
		return ""
	}
}

// expectSeq asserts that the next messages are exactly want, in order.
func (r *recorder) expectSeq(t *testing.T, want ...string) {
	t.Helper()
	for i, w := range want {
		if got := r.next(t); got != w {
			t.Fatalf("%s: message %d = %q, want %q", r.name, i, got, w)
		}
	}
}

// expectSet asserts that the next len(want) messages are want in any order.
func (r *recorder) expectSet(t *testing.T, want ...string) {
	t.Helper()
	left := slices.Clone(want)
	for range want {
		got := r.next(t)
		i := slices.Index(left, got)
		if i < 0 {
			t.Fatalf("%s: got %q, want one of %q", r.name, got, left)
		}
		left = slices.Delete(left, i, i+1)
	}
}

// expectNothingQueued asserts that no message is waiting. Callers first wait
// for a sentinel that would have come after any unwanted message.
func (r *recorder) expectNothingQueued(t *testing.T) {
	t.Helper()
	select {
	case m := <-r.ch:
		t.Fatalf("%s: unexpected message %q", r.name, m)
	default:
	}
}

// newGate returns a channel for handlers to block on, and its opener. The
// gate also opens when the test ends, before the brokers are closed (Close
// waits for handlers), so that a failing test fails instead of hanging.
func newGate(t *testing.T) (gate <-chan struct{}, open func()) {
	c := make(chan struct{})
	var once sync.Once
	open = func() { once.Do(func() { close(c) }) }
	t.Cleanup(open)
	return c, open
}

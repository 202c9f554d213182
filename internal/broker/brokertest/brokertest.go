// Package brokertest is the contract suite every broker.Broker
// implementation must pass.
package brokertest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/bodydouble/bodydouble/internal/broker"
)

// wait bounds every wait for a message; reaching it is a failure, never
// part of the protocol.
const wait = 15 * time.Second

// Run runs the contract suite. newPair returns two instances that must see
// each other's messages, as two processes would (for an in-process broker
// both may be the same value). It is called once per subtest, possibly from
// parallel subtests, and must close what it returns with t.Cleanup; Close
// must therefore tolerate being called twice.
func Run(t *testing.T, newPair func(t *testing.T) (a, b broker.Broker)) {
	tests := []struct {
		name string
		fn   func(t *testing.T, a, b broker.Broker)
	}{
		{"DeliversToEverySubscriber", testDeliversToEverySubscriber},
		{"NoDeliveryAfterCancel", testNoDeliveryAfterCancel},
		{"ResubscribeAfterChurn", testResubscribeAfterChurn},
		{"ChannelIsolation", testChannelIsolation},
		{"PerPublisherOrder", testPerPublisherOrder},
		{"ConcurrentPublishersOrder", testConcurrentPublishersOrder},
		{"OwnMessagesOnce", testOwnMessagesOnce},
		{"SlowHandlerDoesNotBlock", testSlowHandlerDoesNotBlock},
		{"HandlerMayCallBroker", testHandlerMayCallBroker},
		{"PayloadIsCopied", testPayloadIsCopied},
		{"CanceledContext", testCanceledContext},
		{"Close", testClose},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			a, b := newPair(t)
			tt.fn(t, a, b)
		})
	}
	// Direct subscriptions (broker.DirectSubscriber) keep the same promises,
	// but for handlers that block, which a direct one must not: the slow
	// handler's test does not apply, and the payload's has a direct version.
	blocking := map[string]bool{"SlowHandlerDoesNotBlock": true, "PayloadIsCopied": true}
	tests = append(tests, struct {
		name string
		fn   func(t *testing.T, a, b broker.Broker)
	}{"DirectPayloadIsCopied", testDirectPayloadIsCopied})
	t.Run("Direct", func(t *testing.T) {
		for _, tt := range tests {
			if blocking[tt.name] {
				continue
			}
			t.Run(tt.name, func(t *testing.T) {
				t.Parallel()
				a, b := newPair(t)
				da, okA := a.(broker.DirectSubscriber)
				db, okB := b.(broker.DirectSubscriber)
				if !okA || !okB {
					t.Skip("no direct subscriptions")
				}
				tt.fn(t, direct{a, da}, direct{b, db})
			})
		}
	})
}

// direct is a Broker whose Subscribe subscribes directly.
type direct struct {
	broker.Broker
	d broker.DirectSubscriber
}

func (d direct) Subscribe(ctx context.Context, channel string, h broker.Handler) (func(), error) {
	return d.d.SubscribeDirect(ctx, channel, h)
}

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

func subscribe(t *testing.T, b broker.Broker, channel string, h broker.Handler) func() {
	t.Helper()
	cancel, err := b.Subscribe(context.Background(), channel, h)
	if err != nil {
		t.Fatalf("Subscribe(%q): %v", channel, err)
	}
	t.Cleanup(cancel)
	return cancel
}

func publish(t *testing.T, b broker.Broker, channel, payload string) {
	t.Helper()
	if err := b.Publish(context.Background(), channel, []byte(payload)); err != nil {
		t.Fatalf("Publish(%q, %q): %v", channel, payload, err)
	}
}

func testDeliversToEverySubscriber(t *testing.T, a, b broker.Broker) {
	const ch = "room:deliver"
	var recs []*recorder
	for i, inst := range []broker.Broker{a, a, b, b} {
		r := newRecorder(fmt.Sprintf("sub%d", i))
		subscribe(t, inst, ch, r.handle)
		recs = append(recs, r)
	}
	publish(t, a, ch, "from-a")
	publish(t, b, ch, "from-b")
	for _, r := range recs {
		r.expectSet(t, "from-a", "from-b")
	}
	// Any duplicate would come before these sentinels.
	publish(t, a, ch, "end-a")
	publish(t, b, ch, "end-b")
	for _, r := range recs {
		r.expectSet(t, "end-a", "end-b")
	}
}

func testNoDeliveryAfterCancel(t *testing.T, a, b broker.Broker) {
	const ch = "room:cancel"
	gone, witnessA, witnessB := newRecorder("canceled"), newRecorder("witnessA"), newRecorder("witnessB")
	cancel := subscribe(t, a, ch, gone.handle)
	subscribe(t, a, ch, witnessA.handle)
	subscribe(t, b, ch, witnessB.handle)

	publish(t, b, ch, "before")
	gone.expectSeq(t, "before")
	cancel()
	cancel() // idempotent

	publish(t, a, ch, "after-a")
	publish(t, b, ch, "after-b")
	for _, r := range []*recorder{witnessA, witnessB} {
		r.expectSet(t, "before", "after-a", "after-b")
	}
	gone.expectNothingQueued(t)
}

// testResubscribeAfterChurn drops a channel's last subscriber and adds
// subscribers again, quickly and repeatedly; the survivor must then see
// messages from both instances.
func testResubscribeAfterChurn(t *testing.T, a, b broker.Broker) {
	const ch = "room:churn"
	for i := range 20 {
		r := newRecorder("churn")
		cancel := subscribe(t, a, ch, r.handle)
		if i%4 == 0 {
			publish(t, b, ch, "ping")
			r.expectSeq(t, "ping")
		}
		cancel()
	}
	r := newRecorder("final")
	subscribe(t, a, ch, r.handle)
	publish(t, b, ch, "from-b")
	publish(t, a, ch, "from-a")
	r.expectSet(t, "from-b", "from-a")
}

func testChannelIsolation(t *testing.T, a, b broker.Broker) {
	// Names that are prefixes of each other, in case an implementation
	// matches patterns or prefixes.
	const x, y = "room:1", "room:10"
	var rx, ry []*recorder
	for _, inst := range []broker.Broker{a, b} {
		r := newRecorder("x")
		subscribe(t, inst, x, r.handle)
		rx = append(rx, r)
		r = newRecorder("y")
		subscribe(t, inst, y, r.handle)
		ry = append(ry, r)
	}
	// One publisher, interleaved: a stray message would show up between
	// the expected ones.
	publish(t, a, x, "x1")
	publish(t, a, y, "y1")
	publish(t, a, x, "x2")
	publish(t, a, y, "y2")
	for _, r := range rx {
		r.expectSeq(t, "x1", "x2")
	}
	for _, r := range ry {
		r.expectSeq(t, "y1", "y2")
	}
}

func testPerPublisherOrder(t *testing.T, a, b broker.Broker) {
	const ch, n = "room:order", 1000
	ra, rb := newRecorder("onA"), newRecorder("onB")
	subscribe(t, a, ch, ra.handle)
	subscribe(t, b, ch, rb.handle)
	want := make([]string, n)
	for i := range n {
		want[i] = fmt.Sprint(i)
		publish(t, a, ch, want[i])
	}
	ra.expectSeq(t, want...)
	rb.expectSeq(t, want...)
}

func testConcurrentPublishersOrder(t *testing.T, a, b broker.Broker) {
	const ch, publishers, n = "room:concurrent", 4, 250
	ra, rb := newRecorder("onA"), newRecorder("onB")
	subscribe(t, a, ch, ra.handle)
	subscribe(t, b, ch, rb.handle)
	var wg sync.WaitGroup
	errs := make(chan error, publishers)
	for p := range publishers {
		inst := a
		if p%2 == 1 {
			inst = b
		}
		wg.Go(func() {
			for i := range n {
				if err := inst.Publish(context.Background(), ch, fmt.Appendf(nil, "%d:%d", p, i)); err != nil {
					errs <- err
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatalf("Publish: %v", err)
	}
	for _, r := range []*recorder{ra, rb} {
		next := make([]int, publishers)
		for range publishers * n {
			var p, i int
			m := r.next(t)
			if _, err := fmt.Sscanf(m, "%d:%d", &p, &i); err != nil || p < 0 || p >= publishers {
				t.Fatalf("%s: bad message %q", r.name, m)
			}
			if i != next[p] {
				t.Fatalf("%s: publisher %d: got message %d, want %d", r.name, p, i, next[p])
			}
			next[p]++
		}
	}
}

func testOwnMessagesOnce(t *testing.T, a, b broker.Broker) {
	const ch, n = "room:echo", 100
	ra, rb := newRecorder("onA"), newRecorder("onB")
	subscribe(t, a, ch, ra.handle)
	subscribe(t, b, ch, rb.handle)
	want := make([]string, n)
	for i := range n {
		want[i] = fmt.Sprint("m", i)
		publish(t, a, ch, want[i])
	}
	// Published after all of a's messages were accepted, so an echo of
	// them (through Redis, say) would reach a's subscriber before this.
	publish(t, b, ch, "end")
	ra.expectSeq(t, append(want, "end")...)
	rb.expectSet(t, append(want, "end")...)
	ra.expectNothingQueued(t)
	rb.expectNothingQueued(t)
}

func testSlowHandlerDoesNotBlock(t *testing.T, a, b broker.Broker) {
	const ch, n = "room:slow", 100
	gate, open := newGate(t)
	slow := newRecorder("slow")
	subscribe(t, a, ch, func(p []byte) {
		<-gate
		slow.handle(p)
	})
	fastA, fastB := newRecorder("fastA"), newRecorder("fastB")
	subscribe(t, a, ch, fastA.handle)
	subscribe(t, b, ch, fastB.handle)
	want := make([]string, n)
	for i := range n {
		want[i] = fmt.Sprint(i)
		publish(t, a, ch, want[i]) // would hang here if Publish waited for the slow handler
	}
	fastA.expectSeq(t, want...)
	fastB.expectSeq(t, want...)
	open()
	slow.expectSeq(t, want...)
}

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

func testPayloadIsCopied(t *testing.T, a, b broker.Broker) {
	const ch = "room:copy"
	ra, rb := newRecorder("onA"), newRecorder("onB")
	gate, open := newGate(t)
	subscribe(t, a, ch, func(p []byte) {
		<-gate
		ra.handle(p)
	})
	subscribe(t, b, ch, rb.handle)
	buf := []byte("original")
	if err := a.Publish(context.Background(), ch, buf); err != nil {
		t.Fatal(err)
	}
	copy(buf, "mutated!")
	open()
	ra.expectSeq(t, "original")
	rb.expectSeq(t, "original")
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

// testDirectPayloadIsCopied: a direct handler may keep the payload; the
// publisher may reuse its buffer as soon as Publish returns.
func testDirectPayloadIsCopied(t *testing.T, a, b broker.Broker) {
	const ch = "room:copy-direct"
	var mu sync.Mutex
	var kept [][]byte
	done := newRecorder("done")
	for _, inst := range []broker.Broker{a, b} {
		subscribe(t, inst, ch, func(p []byte) {
			mu.Lock()
			kept = append(kept, p)
			mu.Unlock()
			done.handle(nil)
		})
	}
	buf := []byte("original")
	if err := a.Publish(context.Background(), ch, buf); err != nil {
		t.Fatal(err)
	}
	copy(buf, "mutated!")
	done.next(t)
	done.next(t)
	mu.Lock()
	defer mu.Unlock()
	for _, p := range kept {
		if string(p) != "original" {
			t.Fatalf("kept payload %q, want original", p)
		}
	}
}

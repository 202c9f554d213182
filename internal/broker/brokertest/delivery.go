package brokertest

import (
	"context"
	"fmt"
	"sync"
	"testing"

	"github.com/bodydouble/bodydouble/internal/broker"
)

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

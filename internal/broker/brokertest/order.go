package brokertest

import (
	"context"
	"fmt"
	"sync"
	"testing"

	"github.com/bodydouble/bodydouble/internal/broker"
)

func testPerPublisherOrder(t *testing.T, a, b broker.Broker) {
	const ch, n = "room:order", 1000
	ra, rb := onEach(t, a, b, ch)
	want := publishNumbered(t, a, ch, "", n)
	ra.expectSeq(t, want...)
	rb.expectSeq(t, want...)
}

func testConcurrentPublishersOrder(t *testing.T, a, b broker.Broker) {
	const ch, publishers, n = "room:concurrent", 4, 250
	ra, rb := onEach(t, a, b, ch)
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
	ra, rb := onEach(t, a, b, ch)
	want := publishNumbered(t, a, ch, "m", n)
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
	want := publishNumbered(t, a, ch, "", n) // would hang if Publish waited for the slow handler
	fastA.expectSeq(t, want...)
	fastB.expectSeq(t, want...)
	open()
	slow.expectSeq(t, want...)
}

// Package brokertest is the contract suite every broker.Broker
// implementation must pass.
package brokertest

import (
	"context"
	"strconv"
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

// onEach subscribes a recorder named "onA" on a and one named "onB" on b.
func onEach(t *testing.T, a, b broker.Broker, channel string) (ra, rb *recorder) {
	t.Helper()
	ra, rb = newRecorder("onA"), newRecorder("onB")
	subscribe(t, a, channel, ra.handle)
	subscribe(t, b, channel, rb.handle)
	return ra, rb
}

// publishNumbered publishes prefix+"0" to prefix+"<n-1>" from inst, in
// that order, and returns them.
func publishNumbered(t *testing.T, inst broker.Broker, channel, prefix string, n int) []string {
	t.Helper()
	want := make([]string, n)
	for i := range n {
		want[i] = prefix + strconv.Itoa(i)
		publish(t, inst, channel, want[i])
	}
	return want
}

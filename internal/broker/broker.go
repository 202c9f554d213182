// Package broker fans room events out to subscribers: within one process
// (Memory) or across every process that shares a Redis server (Redis).
//
// Delivery is at most once and best effort: a subscriber that falls far behind
// loses messages (see Memory), and messages published while Redis is
// unreachable reach only the publishing process. Callers that need state, not
// just events, read it from the store; events carry versions so that a client
// can tell what it missed.
package broker

import (
	"context"
	"errors"
)

// ErrClosed is returned (wrapped) by Publish and Subscribe after Close.
var ErrClosed = errors.New("broker: closed")

// Handler receives one message published on a channel the handler subscribed to.
// Handlers are called from one goroutine per subscription, in publish order per publisher; they must not block for long.
// (DirectSubscriber's direct handlers are called by the publisher instead.)
//
// The payload is shared by every subscriber of the message: a Handler must
// not modify it, and may keep it.
type Handler func(payload []byte)

// Broker is a publish/subscribe bus keyed by channel name. Channel names are
// opaque strings (for example "room:<id>"); they are not patterns.
//
// All methods are safe for concurrent use. A Handler may call Publish,
// Subscribe and the cancel func of any subscription (its own included), but
// not Close.
type Broker interface {
	// Publish sends payload to every subscriber of channel, in this process and (for Redis) in every other process.
	Publish(ctx context.Context, channel string, payload []byte) error
	// Subscribe registers h for channel until the returned cancel func is called (idempotent).
	Subscribe(ctx context.Context, channel string, h Handler) (cancel func(), err error)
	// Close stops delivery and releases resources.
	Close() error
}

// DirectSubscriber is implemented by brokers that can deliver to a handler
// on the publisher's goroutine, without a goroutine of the subscription's
// own: a hop between goroutines per message, and often a thread woken for
// it, is the largest cost of delivery after the handler's own work.
//
// A direct handler must never block (it may only hand the message on). It
// is called synchronously by Publish in this process and by the broker's
// receiving goroutine for messages from other processes, possibly by
// several goroutines at once; messages of one publisher still reach it in
// order. After cancel returns it may still be called once by a Publish that
// began before; never by one that begins after. Both Memory and Redis
// implement it; the contract suite runs the same checks on it.
type DirectSubscriber interface {
	SubscribeDirect(ctx context.Context, channel string, h Handler) (cancel func(), err error)
}

package broker

import (
	"context"
	"log/slog"
)

var _ Broker = (*Memory)(nil)

// Memory is the in-process Broker of the embedded mode: one process, no
// other services.
//
// Each subscription has its own goroutine and a queue that grows on demand
// up to 10,000 undelivered messages; past that, new messages for that
// subscription are dropped and the drop is logged (through slog.Default).
// Publish therefore never waits for a handler, and one stuck handler costs
// bounded memory and delays nobody else. Direct subscriptions
// (SubscribeDirect) are the exception by design: Publish calls them.
type Memory struct {
	f      *fanout
	counts counts // counts.go
}

// NewMemory returns a ready in-process Broker.
func NewMemory() *Memory {
	return &Memory{f: newFanout(slog.Default(), nil)}
}

// Publish queues a copy of payload for every current subscriber of channel
// and returns without waiting for handlers. Messages published by one
// goroutine reach each subscriber in order.
func (m *Memory) Publish(ctx context.Context, channel string, payload []byte) error {
	m.counts.published.Add(1)
	return m.f.publishCopy(ctx, channel, payload)
}

// Subscribe registers h for channel; messages published after Subscribe
// returns reach h. After cancel returns, h is not called again, except for a
// call already in progress.
func (m *Memory) Subscribe(ctx context.Context, channel string, h Handler) (cancel func(), err error) {
	return m.f.subscribeCtx(ctx, channel, h, false)
}

// SubscribeDirect implements DirectSubscriber.
func (m *Memory) SubscribeDirect(ctx context.Context, channel string, h Handler) (cancel func(), err error) {
	return m.f.subscribeCtx(ctx, channel, h, true)
}

// Close stops delivery, drops undelivered messages and waits until no
// handler is running, so it must not be called from a Handler. Later calls
// to Publish and Subscribe return ErrClosed; Close itself is idempotent.
func (m *Memory) Close() error {
	m.f.close()
	return nil
}

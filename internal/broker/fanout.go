package broker

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
)

// queueLimit is how many undelivered messages one subscription may hold
// before new ones are dropped. The real-time hub's handlers only hand a
// message to per-connection queues, so a backlog this deep means a stuck
// handler: losing events (clients resynchronise on versions) is better than
// growing without bound. The queue grows on demand, so an idle subscription
// costs no buffer.
const queueLimit = 10_000

// fanout is the in-process half of every Broker: subscriptions by channel,
// each with its own goroutine and bounded queue, so that a slow handler
// delays only itself and never a publisher; or direct ones, called by the
// publisher (DirectSubscriber).
type fanout struct {
	log   *slog.Logger
	limit int
	// onActive, when set, is called with mu held whenever a channel gains
	// its first subscriber (true) or loses its last (false), so calls for a
	// channel arrive in the order the transitions happened. It must be quick.
	onActive func(channel string, active bool)

	mu     sync.RWMutex
	closed bool
	chans  map[string]map[*subscription]struct{}
	wg     sync.WaitGroup // one per running subscription goroutine
	// calls counts direct handler calls under way; added to under mu's
	// read lock, so none begins once close has set closed.
	calls sync.WaitGroup
}

func newFanout(log *slog.Logger, onActive func(channel string, active bool)) *fanout {
	return &fanout{
		log:      log,
		limit:    queueLimit,
		onActive: onActive,
		chans:    make(map[string]map[*subscription]struct{}),
	}
}

// subscribe registers h for channel and starts its delivery goroutine;
// a direct subscription has none: publish calls h itself.
func (f *fanout) subscribe(channel string, h Handler, direct bool) (*subscription, error) {
	s := &subscription{
		f:       f,
		channel: channel,
		h:       h,
		direct:  direct,
		stop:    make(chan struct{}),
	}
	if !direct {
		s.wake = make(chan struct{}, 1)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.closed {
		return nil, ErrClosed
	}
	subs := f.chans[channel]
	if subs == nil {
		subs = make(map[*subscription]struct{})
		f.chans[channel] = subs
		if f.onActive != nil {
			f.onActive(channel, true)
		}
	}
	subs[s] = struct{}{}
	if !direct {
		f.wg.Add(1)
		go s.run()
	}
	return s, nil
}

// publishCopy is what Publish does in this process, for Memory and Redis
// alike: it refuses a ctx that has ended, then publishes a copy of payload
// (the caller may reuse its buffer once Publish returns).
func (f *fanout) publishCopy(ctx context.Context, channel string, payload []byte) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("broker: publish %q: %w", channel, err)
	}
	return f.publish(channel, bytes.Clone(payload))
}

// subscribeCtx is what Subscribe does in this process, for Memory and
// Redis alike: it refuses a ctx that has ended, then registers h and
// returns the cancel func that removes it.
func (f *fanout) subscribeCtx(ctx context.Context, channel string, h Handler, direct bool) (cancel func(), err error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("broker: subscribe %q: %w", channel, err)
	}
	s, err := f.subscribe(channel, h, direct)
	if err != nil {
		return nil, err
	}
	return func() { f.unsubscribe(s) }, nil
}

// unsubscribe removes s; it is idempotent and does not wait for s's
// goroutine, so a handler may cancel its own subscription.
func (f *fanout) unsubscribe(s *subscription) {
	f.mu.Lock()
	if subs, ok := f.chans[s.channel]; ok {
		if _, ok := subs[s]; ok {
			delete(subs, s)
			if len(subs) == 0 {
				delete(f.chans, s.channel)
				if f.onActive != nil {
					f.onActive(s.channel, false)
				}
			}
		}
	}
	f.mu.Unlock()
	s.halt()
}

// publish queues payload for every subscriber of channel without waiting for
// any handler, then calls the direct handlers (outside the lock, so they
// may subscribe and cancel). The payload is shared, not copied.
func (f *fanout) publish(channel string, payload []byte) error {
	var buf [4]*subscription
	direct := buf[:0]
	f.mu.RLock()
	if f.closed {
		f.mu.RUnlock()
		return ErrClosed
	}
	for s := range f.chans[channel] {
		if s.direct {
			direct = append(direct, s)
		} else {
			s.enqueue(payload)
		}
	}
	f.calls.Add(len(direct))
	f.mu.RUnlock()
	for _, s := range direct {
		if !s.stopped.Load() {
			s.h(payload)
		}
		f.calls.Done()
	}
	return nil
}

// close stops every subscription and waits until no handler is running.
func (f *fanout) close() {
	f.mu.Lock()
	chans := f.chans
	f.chans = nil
	f.closed = true
	f.mu.Unlock()
	for _, subs := range chans {
		for s := range subs {
			s.halt()
		}
	}
	f.wg.Wait()
	f.calls.Wait()
}

// subscription is one Handler with its queue and delivery goroutine.
type subscription struct {
	f       *fanout
	channel string
	h       Handler
	direct  bool // called by publish; no queue, no goroutine

	wake     chan struct{} // capacity 1: "the queue is not empty"
	stop     chan struct{} // closed by halt
	stopOnce sync.Once
	stopped  atomic.Bool

	mu      sync.Mutex
	queue   [][]byte
	dropped int // since the goroutine last took the queue
}

func (s *subscription) enqueue(payload []byte) {
	s.mu.Lock()
	if s.stopped.Load() {
		s.mu.Unlock()
		return
	}
	if len(s.queue) >= s.f.limit {
		s.dropped++
		if s.dropped == 1 {
			s.f.log.Warn("broker: subscriber too slow, dropping messages",
				"channel", s.channel, "queued", len(s.queue))
		}
		s.mu.Unlock()
		return
	}
	s.queue = append(s.queue, payload)
	s.mu.Unlock()
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

// halt stops delivery: the handler is not called again, except for a call
// already in progress.
func (s *subscription) halt() {
	s.stopOnce.Do(func() {
		s.stopped.Store(true)
		close(s.stop)
		s.mu.Lock()
		s.queue = nil
		s.mu.Unlock()
	})
}

func (s *subscription) run() {
	defer s.f.wg.Done()
	var batch [][]byte
	for {
		select {
		case <-s.stop:
			return
		case <-s.wake:
		}
		s.mu.Lock()
		batch, s.queue = s.queue, batch[:0]
		dropped := s.dropped
		s.dropped = 0
		s.mu.Unlock()
		if dropped > 0 {
			s.f.log.Warn("broker: slow subscriber lost messages",
				"channel", s.channel, "dropped", dropped)
		}
		for i, p := range batch {
			if s.stopped.Load() {
				return
			}
			s.h(p)
			batch[i] = nil
		}
		if cap(batch) > 1024 {
			batch = nil // let a burst's buffer go
		}
	}
}

package broker

import (
	"context"
	"fmt"
	"strings"
	"time"
)

// redisChan is the Redis-side state of one channel, guarded by Redis.mu.
// manage sends at most one command per channel at a time, so the next
// confirmation read for a channel answers the command in flight.
type redisChan struct {
	want     bool // it has local subscribers
	sent     bool // the last command given to the PubSub was SUBSCRIBE
	inflight bool // that command's confirmation has not been read yet
	live     bool // the last confirmation read was "subscribe"
}

// Subscribe registers h for channel. Unless Redis is unreachable, it returns
// once Redis has confirmed the subscription, so messages published anywhere
// after it returns reach h; for a channel new to this process that takes a
// round trip to Redis (at most a few seconds, after which Subscribe logs a
// warning and returns anyway: local delivery works from the start). After cancel
// returns, h is not called again, except for a call already in progress;
// cancel never waits for Redis.
func (r *Redis) Subscribe(ctx context.Context, channel string, h Handler) (cancel func(), err error) {
	return r.subscribe(ctx, channel, h, false)
}

// SubscribeDirect implements DirectSubscriber: as Subscribe, with h called
// by Publish here and by the goroutine that reads from Redis.
func (r *Redis) SubscribeDirect(ctx context.Context, channel string, h Handler) (cancel func(), err error) {
	return r.subscribe(ctx, channel, h, true)
}

func (r *Redis) subscribe(ctx context.Context, channel string, h Handler, direct bool) (cancel func(), err error) {
	cancel, err = r.local.subscribeCtx(ctx, channel, h, direct)
	if err != nil {
		return nil, err
	}
	if err := r.awaitLive(ctx, channel); err != nil {
		cancel()
		return nil, err
	}
	return cancel, nil
}

// awaitLive waits until Redis confirms channel's subscription, Redis is
// known to be down, or subscribeWait passes.
func (r *Redis) awaitLive(ctx context.Context, channel string) error {
	timer := time.NewTimer(r.subscribeWait)
	defer timer.Stop()
	for {
		r.mu.Lock()
		st := r.chans[channel]
		ready := r.down.Load() || st == nil || (st.live && st.sent && !st.inflight)
		changed := r.changed
		r.mu.Unlock()
		if ready {
			return nil
		}
		select {
		case <-changed:
		case <-ctx.Done():
			return fmt.Errorf("broker: subscribe %q: %w", channel, ctx.Err())
		case <-r.ctx.Done():
			return ErrClosed
		case <-timer.C:
			r.log.Warn("broker: redis did not confirm a subscription in time, delivering locally until it does",
				"channel", channel)
			return nil
		}
	}
}

// setWant is the fanout's onActive hook: it records whether channel has
// local subscribers and lets manage bring Redis in line.
func (r *Redis) setWant(channel string, want bool) {
	r.mu.Lock()
	st := r.chans[channel]
	if st == nil {
		st = &redisChan{}
		r.chans[channel] = st
	}
	st.want = want
	r.dirty[channel] = struct{}{}
	r.mu.Unlock()
	r.wake()
}

func (r *Redis) wake() {
	select {
	case r.kick <- struct{}{}:
	default:
	}
}

// changedLocked wakes every awaitLive; r.mu must be held.
func (r *Redis) changedLocked() {
	close(r.changed)
	r.changed = make(chan struct{})
}

// forgetLocked drops state that no longer matters; r.mu must be held.
func (r *Redis) forgetLocked(channel string, st *redisChan) {
	if !st.want && !st.sent && !st.inflight {
		delete(r.chans, channel)
	}
}

// manage sends SUBSCRIBE and UNSUBSCRIBE so that Redis follows the local
// subscriptions. It is the only goroutine that issues them, and it never
// holds r.mu while talking to Redis, so that Subscribe, cancel and local
// delivery never wait for the network.
func (r *Redis) manage() {
	defer r.wg.Done()
	for {
		select {
		case <-r.ctx.Done():
			return
		case <-r.kick:
		}
		var sub, unsub []string
		r.mu.Lock()
		for ch := range r.dirty {
			st := r.chans[ch]
			if st == nil {
				delete(r.dirty, ch)
				continue
			}
			if st.inflight {
				continue // looked at again when its confirmation arrives
			}
			delete(r.dirty, ch)
			switch {
			case st.want && !st.sent:
				sub = append(sub, r.prefix+ch)
			case !st.want && st.sent:
				unsub = append(unsub, r.prefix+ch)
			default:
				r.forgetLocked(ch, st)
				continue
			}
			st.sent = st.want
			st.inflight = true
		}
		r.mu.Unlock()
		// Unsubscribing first means that once a later Subscribe has been
		// confirmed, every earlier cancel has reached Redis too.
		if len(unsub) > 0 {
			if err := r.ps.Unsubscribe(r.ctx, unsub...); err != nil {
				r.commandFailed(unsub, err)
			}
		}
		if len(sub) > 0 {
			if err := r.ps.Subscribe(r.ctx, sub...); err != nil {
				r.commandFailed(sub, err)
			}
		}
	}
}

// commandFailed handles a SUBSCRIBE or UNSUBSCRIBE that go-redis could not
// write. go-redis then drops the connection, so no confirmation will come.
// A failed SUBSCRIBE may also be missing from the connection go-redis has
// already redialled, so it is marked unsent and retried after a pause (or
// sooner, when receive sees Redis come back). receive reports the outage.
func (r *Redis) commandFailed(channels []string, err error) {
	if r.ctx.Err() != nil {
		return
	}
	r.log.Debug("broker: redis subscription command failed", "channels", len(channels), "err", err)
	r.mu.Lock()
	for _, full := range channels {
		ch := strings.TrimPrefix(full, r.prefix)
		if st := r.chans[ch]; st != nil {
			st.sent, st.inflight, st.live = false, false, false
			r.dirty[ch] = struct{}{}
			r.forgetLocked(ch, st)
		}
	}
	r.changedLocked()
	r.mu.Unlock()
	time.AfterFunc(r.maxBackoff, r.wake)
}

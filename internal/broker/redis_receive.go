package broker

import (
	"context"
	"errors"
	"net"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
)

// receive reads the shared PubSub connection: messages, subscription
// confirmations and pongs. It also watches the connection's health: after
// idle quiet time it sends PING and expects an answer within pingTimeout,
// so a silently dead connection is noticed too. go-redis redials and
// resubscribes every channel whenever a read fails; receive only reports
// outages, backs off between attempts and notices recovery. (Should a read
// deadline ever cut a reply in half, the next read fails to parse and
// go-redis redials: a reconnection, not a corrupt stream.)
func (r *Redis) receive() {
	defer r.wg.Done()
	var backoff time.Duration
	probing := false // a PING is outstanding: the next read must succeed in pingTimeout
	for {
		var msg any
		var err error
		if probing {
			ctx, cancel := context.WithTimeout(r.ctx, r.pingTimeout)
			msg, err = r.ps.Receive(ctx) // a timeout here makes go-redis redial
			cancel()
		} else {
			msg, err = r.ps.ReceiveTimeout(r.ctx, r.idle)
		}
		if r.ctx.Err() != nil {
			return
		}
		if err != nil && !probing && isTimeout(err) {
			if err = r.ps.Ping(r.ctx); err == nil {
				probing = true
				continue
			}
		}
		if err != nil {
			probing = false
			r.lost(err)
			backoff = min(max(2*backoff, 50*time.Millisecond), r.maxBackoff)
			select {
			case <-r.ctx.Done():
				return
			case <-time.After(backoff):
			}
			// Redial now and ask for an answer, so that recovery is noticed
			// even when no channel is subscribed.
			probing = r.ps.Ping(r.ctx) == nil
			continue
		}
		probing = false
		backoff = 0
		r.restored()
		switch m := msg.(type) {
		case *redis.Message:
			r.dispatch(m)
		case *redis.Subscription:
			r.confirm(m)
		}
	}
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

// lost records that the PubSub connection failed. Whatever was subscribed
// or in flight on it is gone; go-redis resubscribes the channels it knows
// on the next connection, and their confirmations make them live again.
func (r *Redis) lost(err error) {
	r.mu.Lock()
	wasDown := r.down.Swap(true)
	for ch, st := range r.chans {
		st.live, st.inflight = false, false
		if st.want != st.sent {
			r.dirty[ch] = struct{}{}
		}
	}
	r.changedLocked()
	r.mu.Unlock()
	r.missed.Store(true) // messages from other processes are missed
	if !wasDown {
		r.log.Warn("broker: redis connection lost, delivering to local subscribers only until it is back",
			"err", err)
	}
}

// restored records that the PubSub connection works again.
func (r *Redis) restored() {
	if !r.down.Load() {
		return
	}
	r.mu.Lock()
	r.down.Store(false)
	r.changedLocked()
	r.mu.Unlock()
	r.counts.reconnects.Add(1)
	r.log.Info("broker: redis reconnected")
	r.wake()
	r.maybeRecovered()
}

// Recovered implements Recoverer.
func (r *Redis) Recovered() <-chan struct{} {
	r.recMu.Lock()
	defer r.recMu.Unlock()
	return r.recovered
}

// maybeRecovered signals Recovered when messages were lost and both the
// PubSub connection and publishing work now.
func (r *Redis) maybeRecovered() {
	if r.down.Load() || r.pubFailing.Load() || !r.missed.CompareAndSwap(true, false) {
		return
	}
	r.recMu.Lock()
	close(r.recovered)
	r.recovered = make(chan struct{})
	r.recMu.Unlock()
}

// confirm applies a subscribe or unsubscribe confirmation from Redis.
func (r *Redis) confirm(m *redis.Subscription) {
	ch, ok := strings.CutPrefix(m.Channel, r.prefix)
	if !ok {
		return
	}
	subscribed := m.Kind == "subscribe"
	r.mu.Lock()
	defer r.mu.Unlock()
	st := r.chans[ch]
	if st == nil {
		if !subscribed {
			return
		}
		// go-redis resubscribed a channel given up on after a failed
		// command; Redis must be told to drop it.
		st = &redisChan{}
		r.chans[ch] = st
	}
	st.inflight = false
	st.live = subscribed
	if subscribed {
		st.sent = true // whoever sent it, Redis and go-redis now both have it
	}
	if st.want != st.sent {
		r.dirty[ch] = struct{}{}
		r.wake()
	}
	r.forgetLocked(ch, st)
	r.changedLocked()
}

// dispatch hands a message from another process to local subscribers.
func (r *Redis) dispatch(m *redis.Message) {
	ch, ok := strings.CutPrefix(m.Channel, r.prefix)
	if !ok {
		return
	}
	p := m.Payload
	if len(p) < envLen || p[0] != envVersion {
		r.log.Debug("broker: ignoring a message without envelope", "channel", ch)
		return
	}
	if p[1:envLen] == string(r.id[:]) {
		return // published here, and already delivered directly
	}
	r.counts.received.Add(1)
	_ = r.local.publish(ch, []byte(p[envLen:]))
}

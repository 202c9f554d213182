package broker

import (
	"context"
	"time"

	"github.com/redis/go-redis/v9"
)

// The publish queue (see Redis.Publish). A stalled Redis must never hold up
// the request that publishes, so messages for other processes wait here,
// bounded in number, bytes and age, and one goroutine hands them to Redis
// in pipelined batches.
const (
	// PublishQueueLen is the most messages waiting for Redis.
	PublishQueueLen = 4096
	// PublishQueueBytes is the most payload bytes waiting for Redis.
	PublishQueueBytes = 8 << 20
	// PublishMaxAge is how long a message may wait for Redis before it is
	// dropped: later, it is news nobody can use.
	PublishMaxAge = 2 * time.Second
	// publishBatch is the most messages sent in one pipeline.
	publishBatch = 128
	// publishProbe is how often a failing Redis is pinged while nothing
	// is published, so that its return is noticed.
	publishProbe = 500 * time.Millisecond
	// drainWait bounds how long Close spends sending what is queued.
	drainWait = time.Second
)

// outMsg is a message waiting in the publish queue.
type outMsg struct {
	channel string // with the prefix
	msg     []byte // with the envelope
	at      time.Time
}

// Publish hands a copy of payload to this process's subscribers of channel,
// then queues it for Redis, for the other processes, and returns: it never
// waits for Redis. Messages published by one goroutine reach every
// subscriber, local or remote, in order; a message for other processes is
// dropped (and counted, and the first drop of an outage logged) when the
// queue is full, Redis is down, or it could not be sent within
// PublishMaxAge.
//
// Publish returns an error only after Close or when ctx has already ended.
func (r *Redis) Publish(ctx context.Context, channel string, payload []byte) error {
	r.counts.published.Add(1)
	if err := r.local.publishCopy(ctx, channel, payload); err != nil {
		return err
	}
	if r.down.Load() {
		r.drop(1, "redis is down")
		return nil
	}
	msg := make([]byte, envLen+len(payload))
	msg[0] = envVersion
	copy(msg[1:envLen], r.id[:])
	copy(msg[envLen:], payload)
	if r.queued.Add(int64(len(msg))) > PublishQueueBytes {
		r.queued.Add(-int64(len(msg)))
		r.drop(1, "publish queue full")
		return nil
	}
	select {
	case r.out <- outMsg{channel: r.prefix + channel, msg: msg, at: time.Now()}:
	default:
		r.queued.Add(-int64(len(msg)))
		r.drop(1, "publish queue full")
	}
	return nil
}

// Dropped reports how many messages never reached Redis (they reached
// this process's subscribers only).
func (r *Redis) Dropped() uint64 { return r.dropped.Load() }

// drop counts n messages that did not reach Redis, logging the first of
// an outage.
func (r *Redis) drop(n int, why string) {
	r.dropped.Add(uint64(n))
	r.missed.Store(true)
	if r.dropping.CompareAndSwap(false, true) {
		r.log.Warn("broker: dropping messages for other instances until redis takes them again", "why", why)
	}
}

// send hands queued messages to Redis in pipelined batches, in queue
// order, until Close; then it sends what is left, for at most drainWait.
func (r *Redis) send() {
	defer close(r.sendDone)
	probe := time.NewTicker(publishProbe)
	defer probe.Stop()
	batch := make([]outMsg, 0, publishBatch)
	for {
		select {
		case m := <-r.out:
			batch = append(batch[:0], m)
		case <-probe.C:
			r.probe()
			continue
		case <-r.stopSend:
			r.drain(batch)
			return
		}
		batch = r.fill(batch)
		ctx, cancel := context.WithTimeout(context.Background(), r.pubTimeout)
		r.flush(ctx, batch)
		cancel()
	}
}

// fill adds to batch what is queued, up to publishBatch, without waiting.
func (r *Redis) fill(batch []outMsg) []outMsg {
	for len(batch) < publishBatch {
		select {
		case m := <-r.out:
			batch = append(batch, m)
		default:
			return batch
		}
	}
	return batch
}

// drain sends what is queued when Close comes, within drainWait.
func (r *Redis) drain(batch []outMsg) {
	ctx, cancel := context.WithTimeout(context.Background(), drainWait)
	defer cancel()
	for ctx.Err() == nil {
		batch = r.fill(batch[:0])
		if len(batch) == 0 {
			return
		}
		r.flush(ctx, batch)
	}
}

// probe pings Redis while publishing fails and nothing is published, so
// that its return is noticed (and Recovered signalled) without traffic.
func (r *Redis) probe() {
	if r.pubFailing.Load() {
		ctx, cancel := context.WithTimeout(context.Background(), r.pubTimeout)
		err := r.client.Ping(ctx).Err()
		cancel()
		if err != nil {
			return
		}
		r.publishWorks()
	}
	if r.missed.Load() {
		r.maybeRecovered()
	}
}

// flush publishes batch in one pipeline. Messages older than PublishMaxAge
// are dropped first; a failed pipeline drops the whole batch (some of it
// may have reached Redis).
func (r *Redis) flush(ctx context.Context, batch []outMsg) {
	now := time.Now()
	live := batch[:0]
	var size int64
	for _, m := range batch {
		size += int64(len(m.msg))
		if now.Sub(m.at) <= PublishMaxAge {
			live = append(live, m)
		}
	}
	r.queued.Add(-size)
	if stale := len(batch) - len(live); stale > 0 {
		r.drop(stale, "messages waited too long for redis")
	}
	if len(live) == 0 {
		return
	}
	_, err := r.client.Pipelined(ctx, func(p redis.Pipeliner) error {
		for _, m := range live {
			p.Publish(ctx, m.channel, m.msg)
		}
		return nil
	})
	if err != nil {
		r.missed.Store(true)
		r.dropped.Add(uint64(len(live)))
		if r.pubFailing.CompareAndSwap(false, true) {
			r.log.Warn("broker: redis publish failed, delivering to local subscribers only until redis is back",
				"err", err)
		}
		return
	}
	r.publishWorks()
}

// publishWorks records that Redis took a publish (or a probe) again.
func (r *Redis) publishWorks() {
	if r.pubFailing.CompareAndSwap(true, false) {
		r.log.Info("broker: redis publish recovered")
	}
	if r.dropping.CompareAndSwap(true, false) {
		r.log.Info("broker: redis takes messages again", "dropped", r.dropped.Load())
	}
	r.maybeRecovered()
}

package broker

import (
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"
)

var _ Broker = (*Redis)(nil)

// Envelope: every message this package puts on Redis is
// envVersion, the publisher's 16-byte instance id, then the payload.
const (
	envVersion = 1
	idLen      = 16
	envLen     = 1 + idLen
)

// DefaultRedisPrefix is the channel name prefix used when RedisOptions.Prefix is empty.
const DefaultRedisPrefix = "bodydouble:"

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

// RedisOptions configures NewRedis.
type RedisOptions struct {
	// URL is a redis:// or rediss:// URL as redis.ParseURL accepts it, for
	// example "redis://127.0.0.1:6379/0". Timeouts and pool sizes may be set
	// in its query string (dial_timeout=2s).
	URL string
	// Prefix is prepended to every Redis channel name, so that deployments
	// (and test runs) sharing one server do not see each other's messages.
	// Empty means DefaultRedisPrefix.
	Prefix string
	// Logger receives outage and recovery reports; nil means slog.Default().
	Logger *slog.Logger
}

// Redis is the Broker of the scale-out mode: it fans messages out to every
// process that uses the same Redis server and prefix.
//
// A message published in this process is handed to local subscribers
// directly (exactly as Memory does, with the same queues) and also published
// to Redis, inside a small envelope naming this process, so that the copy
// Redis sends back is ignored. Hence local delivery does not depend on Redis:
// while Redis is unreachable, Publish still reaches this process's
// subscribers and returns nil (the outage is logged once), Subscribe still
// registers locally, and when Redis returns the shared connection is
// re-established and every channel resubscribed without any caller noticing.
// Messages published elsewhere during an outage are lost to this process.
//
// Publish never waits for Redis: the copy for other processes goes through
// a bounded queue (PublishQueueLen messages, PublishQueueBytes bytes), and
// is dropped, never blocking the caller, when the queue is full, when Redis
// is known to be down, or when it could not be sent within PublishMaxAge.
// Recovered tells when messages may have been lost and Redis works again.
//
// All channels share one Redis PubSub connection per process: a channel is
// SUBSCRIBEd when it gains its first local subscriber and UNSUBSCRIBEd when
// it loses its last.
type Redis struct {
	client *redis.Client
	ps     *redis.PubSub
	prefix string
	id     [idLen]byte
	log    *slog.Logger
	local  *fanout

	ctx       context.Context // canceled by Close
	cancel    context.CancelFunc
	wg        sync.WaitGroup // receive and manage goroutines
	closeOnce sync.Once
	closeErr  error

	kick chan struct{} // capacity 1: wakes manage

	// pubFailing is set by the first failed PUBLISH, so that an outage is
	// logged once, and cleared by the next successful one.
	pubFailing atomic.Bool

	// down is set while the PubSub connection is lost; Publish then skips
	// Redis rather than make every caller wait for dial timeouts.
	down atomic.Bool

	// The publish queue, drained by send.
	out      chan outMsg
	queued   atomic.Int64  // payload bytes in out
	dropped  atomic.Uint64 // messages that never reached Redis
	dropping atomic.Bool   // a drop was logged and no batch got through since
	stopSend chan struct{} // closed by Close: send drains and returns
	sendDone chan struct{} // closed when send has returned

	// missed is set when messages may have missed other processes or this
	// one (a drop, a failed batch, a lost PubSub connection); recovered is
	// closed, and replaced, when Redis works again after that.
	missed    atomic.Bool
	recMu     sync.Mutex
	recovered chan struct{}

	mu      sync.Mutex
	chans   map[string]*redisChan // by channel name without prefix
	dirty   map[string]struct{}   // channels manage should look at
	changed chan struct{}         // closed and replaced on every state change

	// Tunables; fields so that tests can shorten them.
	idle          time.Duration // quiet time after which the connection is pinged
	pingTimeout   time.Duration // how long a ping may go unanswered
	subscribeWait time.Duration // longest Subscribe waits for Redis to confirm
	maxBackoff    time.Duration // between reconnection attempts
	pubTimeout    time.Duration // how long one batch of publishes may take
}

// outMsg is a message waiting in the publish queue.
type outMsg struct {
	channel string // with the prefix
	msg     []byte // with the envelope
	at      time.Time
}

// redisChan is the Redis-side state of one channel, guarded by Redis.mu.
// manage sends at most one command per channel at a time, so the next
// confirmation read for a channel answers the command in flight.
type redisChan struct {
	want     bool // it has local subscribers
	sent     bool // the last command given to the PubSub was SUBSCRIBE
	inflight bool // that command's confirmation has not been read yet
	live     bool // the last confirmation read was "subscribe"
}

// NewRedis connects to Redis and returns a ready Broker. It fails if Redis
// does not answer within ctx (and at most 10 seconds), so that a
// misconfigured instance does not start.
func NewRedis(ctx context.Context, opts RedisOptions) (*Redis, error) {
	ropts, err := redis.ParseURL(opts.URL)
	if err != nil {
		return nil, fmt.Errorf("broker: redis url: %w", err)
	}
	log := opts.Logger
	if log == nil {
		log = slog.Default()
	}
	prefix := opts.Prefix
	if prefix == "" {
		prefix = DefaultRedisPrefix
	}
	client := redis.NewClient(ropts)
	r := &Redis{
		client:        client,
		prefix:        prefix,
		log:           log,
		kick:          make(chan struct{}, 1),
		chans:         make(map[string]*redisChan),
		dirty:         make(map[string]struct{}),
		changed:       make(chan struct{}),
		idle:          3 * time.Second,
		pingTimeout:   3 * time.Second,
		subscribeWait: 5 * time.Second,
		maxBackoff:    time.Second,
		pubTimeout:    time.Second,
		out:           make(chan outMsg, PublishQueueLen),
		stopSend:      make(chan struct{}),
		sendDone:      make(chan struct{}),
		recovered:     make(chan struct{}),
	}
	rand.Read(r.id[:])
	r.local = newFanout(log, r.setWant)
	r.ctx, r.cancel = context.WithCancel(context.Background())

	// Start-up must fail fast, and name the server (never the URL, which
	// may hold a password), when Redis is unreachable or refuses us.
	const connectTimeout = 5 * time.Second
	target := fmt.Sprintf("Redis at %s (database %d)", ropts.Addr, ropts.DB)
	pingCtx, cancel := context.WithTimeout(ctx, connectTimeout)
	defer cancel()
	if err := client.Ping(pingCtx).Err(); err != nil {
		_ = client.Close()
		if errors.Is(err, context.DeadlineExceeded) && ctx.Err() == nil {
			return nil, fmt.Errorf("broker: %s did not answer within %v", target, connectTimeout)
		}
		return nil, fmt.Errorf("broker: connect to %s: %w", target, err)
	}
	// Open the shared PubSub connection now; its PONG is read by receive.
	r.ps = client.Subscribe(pingCtx)
	if err := r.ps.Ping(pingCtx); err != nil {
		_ = r.ps.Close()
		_ = client.Close()
		return nil, fmt.Errorf("broker: subscribe to %s: %w", target, err)
	}
	r.wg.Add(2)
	go r.receive()
	go r.manage()
	go r.send()
	return r, nil
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
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("broker: publish %q: %w", channel, err)
	}
	if err := r.local.publish(channel, bytes.Clone(payload)); err != nil {
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

// Recovered implements Recoverer.
func (r *Redis) Recovered() <-chan struct{} {
	r.recMu.Lock()
	defer r.recMu.Unlock()
	return r.recovered
}

// drop counts n messages that did not reach Redis, logging the first of
// an outage.
func (r *Redis) drop(n int, why string) {
	r.dropped.Add(uint64(n))
	r.missed.Store(true)
	if r.dropping.CompareAndSwap(false, true) {
		r.log.Warn("broker: dropping messages for other instances until redis takes them again", "why", why)
	}
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
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("broker: subscribe %q: %w", channel, err)
	}
	s, err := r.local.subscribe(channel, h, direct)
	if err != nil {
		return nil, err
	}
	cancel = func() { r.local.unsubscribe(s) }
	if err := r.awaitLive(ctx, channel); err != nil {
		cancel()
		return nil, err
	}
	return cancel, nil
}

// Close stops delivery, waits until no handler is running (so it must not
// be called from a Handler) and closes the Redis connections. Later calls to
// Publish and Subscribe return ErrClosed; Close itself is idempotent.
func (r *Redis) Close() error {
	r.closeOnce.Do(func() {
		r.local.close()
		// What was published before Close is sent, if Redis takes it soon.
		close(r.stopSend)
		<-r.sendDone
		r.cancel()
		psErr := r.ps.Close()
		r.wg.Wait()
		if err := errors.Join(psErr, r.client.Close()); err != nil {
			r.closeErr = fmt.Errorf("broker: close redis: %w", err)
		}
	})
	return r.closeErr
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
	r.log.Info("broker: redis reconnected")
	r.wake()
	r.maybeRecovered()
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
	_ = r.local.publish(ch, []byte(p[envLen:]))
}

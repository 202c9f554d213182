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

	mu      sync.Mutex
	chans   map[string]*redisChan // by channel name without prefix
	dirty   map[string]struct{}   // channels manage should look at
	changed chan struct{}         // closed and replaced on every state change

	// Tunables; fields so that tests can shorten them.
	idle          time.Duration // quiet time after which the connection is pinged
	pingTimeout   time.Duration // how long a ping may go unanswered
	subscribeWait time.Duration // longest Subscribe waits for Redis to confirm
	maxBackoff    time.Duration // between reconnection attempts
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
	return r, nil
}

// Publish hands a copy of payload to this process's subscribers of channel,
// then publishes it to Redis for the other processes. Messages published by
// one goroutine reach every subscriber, local or remote, in order.
//
// Redis failures are logged (once per outage) and not returned: the message
// still reached this process. Publish returns an error only after Close or
// when ctx ends before Redis accepted the message.
func (r *Redis) Publish(ctx context.Context, channel string, payload []byte) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("broker: publish %q: %w", channel, err)
	}
	if err := r.local.publish(channel, bytes.Clone(payload)); err != nil {
		return err
	}
	if r.down.Load() {
		return nil
	}
	msg := make([]byte, envLen+len(payload))
	msg[0] = envVersion
	copy(msg[1:envLen], r.id[:])
	copy(msg[envLen:], payload)
	err := r.client.Publish(ctx, r.prefix+channel, msg).Err()
	switch {
	case err == nil:
		if r.pubFailing.CompareAndSwap(true, false) {
			r.log.Info("broker: redis publish recovered")
		}
		return nil
	case r.ctx.Err() != nil:
		return ErrClosed
	case ctx.Err() != nil:
		return fmt.Errorf("broker: publish %q: %w", channel, err)
	}
	if r.pubFailing.CompareAndSwap(false, true) {
		r.log.Warn("broker: redis publish failed, delivering to local subscribers only until redis is back",
			"channel", channel, "err", err)
	}
	return nil
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
		r.cancel()
		r.local.close()
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

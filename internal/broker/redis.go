package broker

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"log/slog"
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
	counts counts // publishes, receives, reconnects (counts.go)
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

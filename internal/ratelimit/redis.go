package ratelimit

import (
	"cmp"
	"context"
	"fmt"
	"log/slog"
	"sync/atomic"
	"time"

	"github.com/go-redis/redis_rate/v10"
	"github.com/redis/go-redis/v9"
)

// Redis limits timings.
const (
	// DefaultRedisTimeout bounds one limiter call to Redis (dial, write and
	// read): a limiter must never hold a request up for long.
	DefaultRedisTimeout = 250 * time.Millisecond
	// redisRetry is how long the in-memory twin answers alone after Redis
	// failed, before Redis is asked again.
	redisRetry = time.Second
	// redisLogEvery is how often at most a failure of Redis is logged.
	redisLogEvery = time.Minute
)

// RedisOptions configure a Redis limiter.
type RedisOptions struct {
	// URL is a redis:// or rediss:// URL as redis.ParseURL accepts it.
	URL string
	// Prefix starts every key (the server's --redis-prefix, e.g.
	// "bodydouble:"); keys are Prefix + "rate:" + limit name + ":" + key.
	Prefix string
	// Timeout bounds each call; 0 means DefaultRedisTimeout.
	Timeout time.Duration
	// Retry is how long the fallback answers alone after Redis failed,
	// before Redis is asked again; 0 means a second, negative means Redis
	// is asked every time (tests).
	Retry time.Duration
	// Fallback answers while Redis does not: the limits of this instance
	// alone. Nil means a new Memory limiter.
	Fallback *Memory
	Logger   *slog.Logger
}

// Redis is a Limiter shared by every instance that uses the same Redis and
// prefix (GCRA, github.com/go-redis/redis_rate). When Redis fails or is slow
// it falls back to its in-memory twin, for a second at a time, and says so
// in the log at most once a minute.
type Redis struct {
	client  *redis.Client
	rl      *redis_rate.Limiter
	mem     *Memory
	timeout time.Duration
	retry   time.Duration
	log     *slog.Logger

	downUntil atomic.Int64 // unix nanoseconds: Redis is not asked before
	logged    atomic.Int64 // unix nanoseconds of the last failure logged
	failures  atomic.Uint64
}

// NewRedis returns a Redis limiter. It does not connect yet: a limiter
// never stops the service from starting or answering.
func NewRedis(o RedisOptions) (*Redis, error) {
	ropts, err := redis.ParseURL(o.URL)
	if err != nil {
		return nil, fmt.Errorf("ratelimit: redis url: %w", err)
	}
	timeout := o.Timeout
	if timeout <= 0 {
		timeout = DefaultRedisTimeout
	}
	ropts.DialTimeout, ropts.ReadTimeout, ropts.WriteTimeout, ropts.PoolTimeout = timeout, timeout, timeout, timeout
	ropts.MaxRetries = -1 // a retry would only make a refusal later
	ropts.ContextTimeoutEnabled = true
	client := redis.NewClient(ropts)
	mem := o.Fallback
	if mem == nil {
		mem = NewMemory(nil, 0)
	}
	log := o.Logger
	if log == nil {
		log = slog.Default()
	}
	return &Redis{
		client: client, rl: redis_rate.NewLimiter(prefixed{client, o.Prefix}),
		mem: mem, timeout: timeout, retry: cmp.Or(o.Retry, redisRetry), log: log,
	}, nil
}

// Allow implements Limiter.
func (r *Redis) Allow(ctx context.Context, l Limit, key string) (bool, time.Duration) {
	if l.Off() {
		return true, 0
	}
	now := time.Now().UnixNano()
	if now < r.downUntil.Load() {
		return r.mem.Allow(ctx, l, key)
	}
	cctx, cancel := context.WithTimeout(ctx, r.timeout)
	res, err := r.rl.Allow(cctx, l.Name+":"+key, redis_rate.Limit{Rate: l.Rate, Burst: l.Burst, Period: l.Per})
	cancel()
	if err != nil {
		if ctx.Err() == nil { // not the caller giving up
			r.failed(err, now)
		}
		return r.mem.Allow(ctx, l, key)
	}
	if res.Allowed > 0 {
		return true, 0
	}
	return false, max(res.RetryAfter, time.Millisecond)
}

func (r *Redis) failed(err error, now int64) {
	r.failures.Add(1)
	if r.retry > 0 {
		r.downUntil.Store(now + int64(r.retry))
	}
	last := r.logged.Load()
	if now-last >= int64(redisLogEvery) && r.logged.CompareAndSwap(last, now) {
		r.log.Warn("ratelimit: Redis failed; limits are this instance's own until it answers", "err", err)
	}
}

// Failures is how many calls to Redis have failed (each answered from
// memory).
func (r *Redis) Failures() uint64 { return r.failures.Load() }

// Close closes the connections to Redis.
func (r *Redis) Close() error { return r.client.Close() }

// prefixed gives redis_rate's keys ("rate:…") the server's key prefix.
type prefixed struct {
	*redis.Client
	prefix string
}

func (p prefixed) keys(keys []string) []string {
	out := make([]string, len(keys))
	for i, k := range keys {
		out[i] = p.prefix + k
	}
	return out
}

func (p prefixed) Eval(ctx context.Context, script string, keys []string, args ...any) *redis.Cmd {
	return p.Client.Eval(ctx, script, p.keys(keys), args...)
}

func (p prefixed) EvalSha(ctx context.Context, sha1 string, keys []string, args ...any) *redis.Cmd {
	return p.Client.EvalSha(ctx, sha1, p.keys(keys), args...)
}

func (p prefixed) EvalRO(ctx context.Context, script string, keys []string, args ...any) *redis.Cmd {
	return p.Client.EvalRO(ctx, script, p.keys(keys), args...)
}

func (p prefixed) EvalShaRO(ctx context.Context, sha1 string, keys []string, args ...any) *redis.Cmd {
	return p.Client.EvalShaRO(ctx, sha1, p.keys(keys), args...)
}

func (p prefixed) Del(ctx context.Context, keys ...string) *redis.IntCmd {
	return p.Client.Del(ctx, p.keys(keys)...)
}

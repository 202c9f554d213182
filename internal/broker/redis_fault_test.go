package broker_test

import (
	"context"
	"fmt"
	"net/url"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/bodydouble/bodydouble/internal/broker"
	"github.com/bodydouble/bodydouble/internal/faultproxy"
)

// behindProxy returns a fault proxy in front of the test Redis and the URL
// that goes through it.
func behindProxy(t *testing.T) (*faultproxy.Proxy, string) {
	t.Helper()
	u := redisURL(t)
	opts, err := redis.ParseURL(u)
	if err != nil {
		t.Fatal(err)
	}
	p, err := faultproxy.New(opts.Addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Close() })
	proxied, err := url.Parse(u)
	if err != nil {
		t.Fatal(err)
	}
	proxied.Host = p.Addr()
	return p, proxied.String()
}

// awaitClosed waits for ch to close, within a bound.
func awaitClosed(t *testing.T, ch <-chan struct{}, what string) {
	t.Helper()
	select {
	case <-ch:
	case <-time.After(30 * time.Second):
		t.Fatalf("%s: not signalled", what)
	}
}

// TestRedisStallNeverBlocksPublish: while Redis is stalled (bytes held, no
// connection closed) Publish keeps returning, local subscribers get every
// message, the overflow for other processes is dropped and counted, and
// once Redis flows again Recovered fires and delivery between processes
// resumes.
func TestRedisStallNeverBlocksPublish(t *testing.T) {
	t.Parallel()
	p, proxied := behindProxy(t)
	prefix := testPrefix()
	a := newRedis(t, proxied, prefix, nil)
	b := newRedis(t, redisURL(t), prefix, nil)
	onA, onB := newInbox(), newInbox()
	mustSubscribe(t, a, "room", onA.handle)
	mustSubscribe(t, b, "room", onB.handle)
	poll(t, a, "room", onB)

	recovered := a.Recovered()
	p.Stall()
	// More than the queue holds. Each Publish returns with the proxy still
	// stalled: it is only restored after the loop.
	n := broker.PublishQueueLen + 300
	for i := range n {
		mustPublish(t, a, "room", fmt.Sprint(i))
	}
	for i := range n {
		if !onA.await(fmt.Sprint(i), 15*time.Second) {
			t.Fatalf("local subscriber missed message %d", i)
		}
	}
	if a.Dropped() == 0 {
		t.Fatal("a full queue dropped nothing")
	}
	select {
	case <-recovered:
		t.Fatal("Recovered fired while Redis was still stalled")
	default:
	}
	p.Restore()
	awaitClosed(t, recovered, "Recovered after the stall")
	poll(t, a, "room", onB)
}

// TestRedisCutSignalsRecovered: a process whose connection to Redis was
// cut (so it missed other processes' messages) is told when it is back.
func TestRedisCutSignalsRecovered(t *testing.T) {
	t.Parallel()
	p, proxied := behindProxy(t)
	prefix := testPrefix()
	a := newRedis(t, proxied, prefix, nil)
	b := newRedis(t, redisURL(t), prefix, nil)
	onA := newInbox()
	mustSubscribe(t, a, "tokens", onA.handle)
	poll(t, b, "tokens", onA)

	recovered := a.Recovered()
	p.Cut()
	mustPublish(t, b, "tokens", "missed-by-a")
	// a notices the lost connection by itself (its health ping fails);
	// Recovered must not fire before the proxy is back.
	deadline := time.Now().Add(20 * time.Second)
	for a.Dropped() == 0 && time.Now().Before(deadline) {
		if err := a.Publish(context.Background(), "other", []byte("x")); err != nil {
			t.Fatal(err)
		}
		time.Sleep(50 * time.Millisecond) // pacing the probe, not synchronisation
	}
	select {
	case <-recovered:
		t.Fatal("Recovered fired during the cut")
	default:
	}
	p.Restore()
	awaitClosed(t, recovered, "Recovered after the cut")
	poll(t, b, "tokens", onA)
}

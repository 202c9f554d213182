package broker_test

import (
	"context"
	"crypto/rand"
	"io"
	"log/slog"
	"net"
	"net/url"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/bodydouble/bodydouble/internal/broker"
	"github.com/bodydouble/bodydouble/internal/broker/brokertest"
)

// redisURL returns the test server's URL, or skips the test.
func redisURL(t *testing.T) string {
	t.Helper()
	u := os.Getenv("BODYDOUBLE_TEST_REDIS_URL")
	if u == "" {
		t.Skip("BODYDOUBLE_TEST_REDIS_URL not set")
	}
	return u
}

// testPrefix keeps concurrent test runs on one server apart.
func testPrefix() string { return "bdtest:" + rand.Text() + ":" }

func newRedis(t *testing.T, rawURL, prefix string, w io.Writer) *broker.Redis {
	t.Helper()
	if w == nil {
		w = t.Output()
	}
	r, err := broker.NewRedis(context.Background(), broker.RedisOptions{
		URL:    rawURL,
		Prefix: prefix,
		Logger: slog.New(slog.NewTextHandler(w, nil)),
	})
	if err != nil {
		t.Fatalf("NewRedis: %v", err)
	}
	t.Cleanup(func() {
		if err := r.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return r
}

func TestRedisContract(t *testing.T) {
	t.Parallel()
	u := redisURL(t)
	brokertest.Run(t, func(t *testing.T) (a, b broker.Broker) {
		prefix := testPrefix()
		return newRedis(t, u, prefix, nil), newRedis(t, u, prefix, nil)
	})
}

func TestNewRedisFailsFast(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close() // nothing listens there now

	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	r, err := broker.NewRedis(ctx, broker.RedisOptions{URL: "redis://" + addr + "/0"})
	if err == nil {
		r.Close()
		t.Fatal("NewRedis succeeded without a server")
	}
	if !strings.HasPrefix(err.Error(), "broker: ") {
		t.Errorf("error %q lacks the package prefix", err)
	}
	if ctx.Err() != nil {
		t.Errorf("NewRedis took the whole context: %v", err)
	}
	if _, err := broker.NewRedis(ctx, broker.RedisOptions{URL: "http://example.com"}); err == nil {
		t.Error("NewRedis accepted a non-redis URL")
	}
}

// TestRedisSharedSubscription checks that a process holds one Redis
// subscription per channel, however many local subscribers it has, and
// drops it when the last one leaves.
func TestRedisSharedSubscription(t *testing.T) {
	t.Parallel()
	u := redisURL(t)
	prefix := testPrefix()
	a := newRedis(t, u, prefix, nil)
	admin := newAdmin(t, u)
	ctx := context.Background()

	numsub := func(ch string) int64 {
		t.Helper()
		n, err := admin.PubSubNumSub(ctx, prefix+ch).Result()
		if err != nil {
			t.Fatal(err)
		}
		return n[prefix+ch]
	}
	var cancels []func()
	for range 3 {
		c, err := a.Subscribe(ctx, "room", func([]byte) {})
		if err != nil {
			t.Fatal(err)
		}
		cancels = append(cancels, c)
	}
	if n := numsub("room"); n != 1 {
		t.Fatalf("NUMSUB with 3 local subscribers = %d, want 1", n)
	}
	for _, c := range cancels {
		c()
	}
	// Subscriptions reach Redis in order, so once another channel's
	// subscription is confirmed, the UNSUBSCRIBE has been processed.
	if _, err := a.Subscribe(ctx, "other", func([]byte) {}); err != nil {
		t.Fatal(err)
	}
	if n := numsub("room"); n != 0 {
		t.Fatalf("NUMSUB after the last cancel = %d, want 0", n)
	}
}

// TestRedisIgnoresForeignMessages checks that a message on a channel that
// was not published by a broker (no envelope) is dropped, not delivered.
func TestRedisIgnoresForeignMessages(t *testing.T) {
	t.Parallel()
	u := redisURL(t)
	prefix := testPrefix()
	a, b := newRedis(t, u, prefix, nil), newRedis(t, u, prefix, nil)
	admin := newAdmin(t, u)
	ctx := context.Background()

	got := make(chan string, 10)
	if _, err := a.Subscribe(ctx, "room", func(p []byte) { got <- string(p) }); err != nil {
		t.Fatal(err)
	}
	if err := admin.Publish(ctx, prefix+"room", "x").Err(); err != nil {
		t.Fatal(err)
	}
	if err := b.Publish(ctx, "room", []byte("ok")); err != nil {
		t.Fatal(err)
	}
	select {
	case m := <-got:
		if m != "ok" {
			t.Fatalf("got %q, want the foreign message ignored and then %q", m, "ok")
		}
	case <-time.After(15 * time.Second):
		t.Fatal("no message")
	}
}

// TestRedisOutageAndRecovery cuts the connection between one broker and
// Redis with a proxy, without touching the shared server: the broker keeps
// serving its own subscribers, and it rejoins the others once the proxy is
// back.
func TestRedisOutageAndRecovery(t *testing.T) {
	t.Parallel()
	u := redisURL(t)
	opts, err := redis.ParseURL(u)
	if err != nil {
		t.Fatal(err)
	}
	p := startProxy(t, opts.Addr)
	proxied, err := url.Parse(u)
	if err != nil {
		t.Fatal(err)
	}
	proxied.Host = p.addr

	logs := newLogWatch()
	prefix := testPrefix()
	a := newRedis(t, proxied.String(), prefix, io.MultiWriter(logs, t.Output()))
	b := newRedis(t, u, prefix, nil)

	onA, onB := newInbox(), newInbox()
	mustSubscribe(t, a, "room", onA.handle)
	mustSubscribe(t, b, "room", onB.handle)
	mustPublish(t, a, "room", "hello-from-a")
	onB.expect(t, "hello-from-a")
	mustPublish(t, b, "room", "hello-from-b")
	onA.expect(t, "hello-from-a", "hello-from-b")

	p.cut()
	// a's subscribers still get a's messages, and Publish does not fail,
	// whether or not a has noticed the outage yet.
	for _, m := range []string{"local-1", "local-2", "local-3"} {
		mustPublish(t, a, "room", m)
		onA.expect(t, m)
	}
	logs.waitFor(t, "redis connection lost")
	mustPublish(t, a, "room", "local-4")
	onA.expect(t, "local-4")
	// Subscribing during the outage works locally at once, and the channel
	// is subscribed in Redis once it is back.
	lateA := newInbox()
	mustSubscribe(t, a, "late", lateA.handle)
	mustPublish(t, a, "late", "late-local")
	lateA.expect(t, "late-local")
	// b is unaffected.
	mustPublish(t, b, "room", "b-during-outage")
	onB.expect(t, "hello-from-b", "b-during-outage")

	p.restore(t)
	logs.waitFor(t, "redis reconnected")
	// Cross-instance delivery resumes; probe until it does, in both
	// directions and on the channel subscribed during the outage.
	lateB := newInbox()
	mustSubscribe(t, b, "late", lateB.handle)
	poll(t, a, "room", onB)
	poll(t, b, "room", onA)
	poll(t, b, "late", lateA)
	poll(t, a, "late", lateB)

	// And a's own messages still reach it once: an echo of f1 through
	// Redis would come before f2, which b published after.
	fresh := newInbox()
	mustSubscribe(t, a, "fresh", fresh.handle)
	mustPublish(t, a, "fresh", "f1")
	mustPublish(t, b, "fresh", "f2")
	fresh.expect(t, "f1", "f2")

	if n := strings.Count(logs.String(), "redis connection lost"); n != 1 {
		t.Errorf("outage logged %d times, want once", n)
	}
	if n := strings.Count(logs.String(), "redis publish failed"); n > 1 {
		t.Errorf("publish failure logged %d times, want at most once", n)
	}
}

// poll publishes probes on from until to receives one, within a bound.
func poll(t *testing.T, from broker.Broker, channel string, to *inbox) {
	t.Helper()
	tag := "probe-" + rand.Text()
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		mustPublish(t, from, channel, tag)
		if to.await(tag, 200*time.Millisecond) {
			return
		}
	}
	t.Fatalf("no probe on %q crossed within the deadline", channel)
}

func newAdmin(t *testing.T, rawURL string) *redis.Client {
	t.Helper()
	opts, err := redis.ParseURL(rawURL)
	if err != nil {
		t.Fatal(err)
	}
	c := redis.NewClient(opts)
	t.Cleanup(func() { c.Close() })
	return c
}

func mustSubscribe(t *testing.T, b broker.Broker, channel string, h broker.Handler) {
	t.Helper()
	cancel, err := b.Subscribe(context.Background(), channel, h)
	if err != nil {
		t.Fatalf("Subscribe(%q): %v", channel, err)
	}
	t.Cleanup(cancel)
}

func mustPublish(t *testing.T, b broker.Broker, channel, payload string) {
	t.Helper()
	if err := b.Publish(context.Background(), channel, []byte(payload)); err != nil {
		t.Fatalf("Publish(%q, %q): %v", channel, payload, err)
	}
}

// inbox records what one handler received.
type inbox struct{ ch chan string }

func newInbox() *inbox { return &inbox{ch: make(chan string, 10_000)} }

func (in *inbox) handle(p []byte) { in.ch <- string(p) }

// expect asserts the next messages, in order.
func (in *inbox) expect(t *testing.T, want ...string) {
	t.Helper()
	for _, w := range want {
		select {
		case got := <-in.ch:
			if got != w {
				t.Fatalf("got %q, want %q", got, w)
			}
		case <-time.After(15 * time.Second):
			t.Fatalf("no message, want %q", w)
		}
	}
}

// await reports whether want arrives within d, discarding other messages.
func (in *inbox) await(want string, d time.Duration) bool {
	timeout := time.After(d)
	for {
		select {
		case got := <-in.ch:
			if got == want {
				return true
			}
		case <-timeout:
			return false
		}
	}
}

// logWatch is a log destination that tests can wait on.
type logWatch struct {
	mu      sync.Mutex
	text    strings.Builder
	changed chan struct{}
}

func newLogWatch() *logWatch { return &logWatch{changed: make(chan struct{})} }

func (l *logWatch) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.text.Write(p)
	close(l.changed)
	l.changed = make(chan struct{})
	return len(p), nil
}

func (l *logWatch) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.text.String()
}

func (l *logWatch) waitFor(t *testing.T, substr string) {
	t.Helper()
	timeout := time.After(30 * time.Second)
	for {
		l.mu.Lock()
		found, changed := strings.Contains(l.text.String(), substr), l.changed
		l.mu.Unlock()
		if found {
			return
		}
		select {
		case <-changed:
		case <-timeout:
			t.Fatalf("log never said %q; logs:\n%s", substr, l.String())
		}
	}
}

// proxy is a TCP relay that a test can cut and restore on the same port.
type proxy struct {
	target, addr string

	mu    sync.Mutex
	ln    net.Listener
	conns map[net.Conn]struct{}
	wg    sync.WaitGroup
}

func startProxy(t *testing.T, target string) *proxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &proxy{target: target, addr: ln.Addr().String(), conns: make(map[net.Conn]struct{})}
	p.serve(ln)
	t.Cleanup(p.cut)
	return p
}

func (p *proxy) serve(ln net.Listener) {
	p.mu.Lock()
	p.ln = ln
	p.mu.Unlock()
	p.wg.Go(func() {
		for {
			down, err := ln.Accept()
			if err != nil {
				return
			}
			up, err := net.Dial("tcp", p.target)
			if err != nil {
				down.Close()
				continue
			}
			if !p.track(ln, down, up) {
				return
			}
			p.wg.Go(func() { relay(up, down) })
			p.wg.Go(func() { relay(down, up) })
		}
	})
}

// track registers a connection pair unless ln has been cut meanwhile.
func (p *proxy) track(ln net.Listener, conns ...net.Conn) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.ln != ln {
		for _, c := range conns {
			c.Close()
		}
		return false
	}
	for _, c := range conns {
		p.conns[c] = struct{}{}
	}
	return true
}

func relay(dst, src net.Conn) {
	_, _ = io.Copy(dst, src)
	dst.Close()
	src.Close()
}

// cut closes the listener and every relayed connection.
func (p *proxy) cut() {
	p.mu.Lock()
	if p.ln != nil {
		p.ln.Close()
		p.ln = nil
	}
	for c := range p.conns {
		c.Close()
	}
	clear(p.conns)
	p.mu.Unlock()
	p.wg.Wait()
}

// restore listens again on the same address.
func (p *proxy) restore(t *testing.T) {
	t.Helper()
	ln, err := net.Listen("tcp", p.addr)
	if err != nil {
		t.Fatalf("proxy: listen again on %s: %v", p.addr, err)
	}
	p.serve(ln)
}

package app

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/netip"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/bodydouble/bodydouble/internal/config"
	"github.com/bodydouble/bodydouble/internal/store/storetest"
	"github.com/bodydouble/bodydouble/internal/testlog"
)

// post sends a POST without a body to base+path, with header pairs.
func post(t *testing.T, base, path string, header ...string) (*http.Response, problemBody) {
	t.Helper()
	return send(t, "POST", base+path, header...)
}

type problemBody struct {
	Code    string `json:"code"`
	Message string `json:"message"`
	Status  int    `json:"status"`
}

func send(t *testing.T, method, url string, header ...string) (*http.Response, problemBody) {
	t.Helper()
	req, err := http.NewRequest(method, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var p problemBody
	if res.StatusCode >= 400 {
		_ = json.NewDecoder(res.Body).Decode(&p)
	}
	return res, p
}

// TestLimitsSharedAcrossInstances: with Redis, a limit used up on instance
// A answers 429 with Retry-After on instance B (new identities from one
// network, 3 an hour here; /ws upgrades of one person). With Redis cut off, B falls back to its own
// memory: requests still answer, and its own limits still hold.
func TestLimitsSharedAcrossInstances(t *testing.T) {
	t.Parallel()
	redisURL := os.Getenv("BODYDOUBLE_TEST_REDIS_URL")
	if redisURL == "" {
		t.Skip("BODYDOUBLE_TEST_REDIS_URL is not set")
	}
	dbURL := storetest.PostgresURL(t) // skips without BODYDOUBLE_TEST_DATABASE_URL
	redisProxy, rURL := proxied(t, redisURL)
	prefix := "bdtest-" + rand.Text() + ":"
	configure := func(c *config.Config) {
		c.DatabaseURL, c.RedisURL, c.RedisPrefix = dbURL, rURL, prefix
		c.TURNAddr, c.RateLimit, c.IdentitiesPerHour = config.TURNOff, true, 3
		c.TrustedProxies = []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}
	}
	a, _, _ := startApp(t, configure)
	b, bLogs, _ := startApp(t, configure)
	baseA, baseB := "http://"+a.Addr().String(), "http://"+b.Addr().String()
	// Each from its own address of 192.0.2.0/24: only the network is shared.
	from := func(i int) []string { return []string{"X-Forwarded-For", "192.0.2." + strconv.Itoa(i)} }
	for i := range 3 {
		if res, p := post(t, baseA, "/api/auth/anonymous", from(i+1)...); res.StatusCode != http.StatusCreated {
			t.Fatalf("signup %d on A: %d %+v", i+1, res.StatusCode, p)
		}
	}
	res, p := post(t, baseB, "/api/auth/anonymous", from(10)...)
	if res.StatusCode != http.StatusTooManyRequests || p.Code != "rate_limited" {
		t.Fatalf("4th signup of the network, on B: %d %+v, want 429 rate_limited", res.StatusCode, p)
	}
	if ra, _ := strconv.Atoi(res.Header.Get("Retry-After")); ra < 1000 || ra > 1200 {
		t.Errorf("Retry-After %q, want about 1200 (an hour / 3)", res.Header.Get("Retry-After"))
	}
	if res, _ := post(t, baseB, "/api/auth/anonymous", "X-Forwarded-For", "198.51.100.1"); res.StatusCode != http.StatusCreated {
		t.Errorf("another network on B: %d", res.StatusCode)
	}
	// /ws upgrades per person (10 in a burst): used up on A, refused on B.
	// Requests that pass the limits but are no real upgrade take a token
	// each and open nothing.
	me := signUp(t, a)
	for i := range 10 {
		res, p := send(t, "GET", baseA+"/ws", "Authorization", "Bearer "+me.token, "X-Forwarded-For", "198.51.100.2")
		if res.StatusCode == http.StatusTooManyRequests {
			t.Fatalf("upgrade %d on A: %d %+v", i+1, res.StatusCode, p)
		}
	}
	res, p = send(t, "GET", baseB+"/ws", "Authorization", "Bearer "+me.token, "X-Forwarded-For", "198.51.100.2")
	if res.StatusCode != http.StatusTooManyRequests || p.Code != "rate_limited" || res.Header.Get("Retry-After") == "" {
		t.Errorf("11th upgrade of a person, on B: %d %+v Retry-After %q; want 429 rate_limited with Retry-After", res.StatusCode, p, res.Header.Get("Retry-After"))
	}
	// The keys in Redis hold no address, under the server's prefix.
	keys := redisKeys(t, redisURL, prefix+"*")
	if len(keys) == 0 {
		t.Fatal("no limiter keys under the prefix")
	}
	for _, k := range keys {
		if strings.Contains(k, "192.0.2") || strings.Contains(k, "198.51.100") || strings.Contains(k, "127.0.0.1") {
			t.Errorf("key %q holds an address", k)
		}
	}

	redisProxy.Cut()
	// B's own memory has nothing of the network yet: its allowance.
	for i := range 3 {
		if res, p := post(t, baseB, "/api/auth/anonymous", from(20+i)...); res.StatusCode != http.StatusCreated {
			t.Fatalf("signup %d on B with Redis cut: %d %+v", i+1, res.StatusCode, p)
		}
	}
	if res, p := post(t, baseB, "/api/auth/anonymous", from(30)...); res.StatusCode != http.StatusTooManyRequests {
		t.Errorf("4th signup on B with Redis cut: %d %+v; its in-memory limit did not hold", res.StatusCode, p)
	}
	if !strings.Contains(bLogs.String(), "ratelimit: Redis failed") {
		t.Error("the fallback was not logged")
	}
	redisProxy.Restore()
}

// TestBlockCIDRs: the networks of --block-cidrs are refused on HTTP (403
// forbidden problem), before a /ws upgrade and on TURN; a change of the
// file takes effect on the watcher's next tick, and a bad file keeps the
// list in force.
func TestBlockCIDRs(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "blocked.txt")
	write := func(text string, mod time.Time) { t.Helper(); writeList(t, path, text, mod) }
	t0 := time.Now().Add(-time.Hour)
	write("# abusive networks\n203.0.113.0/24\n2001:db8:bad::/48 # a comment\n198.51.100.7\n", t0)
	cfg := config.Default()
	cfg.Addr, cfg.DataDir, cfg.Secret = "127.0.0.1:0", t.TempDir(), testTokenSecret
	cfg.TURNAddr, cfg.TURNAllowLocal = "127.0.0.1:0", true
	cfg.TrustedProxies = []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}
	cfg.BlockCIDRsFile = path
	logs := newTestLog()
	a, err := New(t.Context(), cfg, logs.logger)
	if err != nil {
		t.Fatal(err)
	}
	a.blockedTicks = make(chan time.Time)
	if err := a.Start(t.Context()); err != nil {
		a.closeBackends()
		t.Fatal(err)
	}
	t.Cleanup(func() { shutdown(t, a) })
	base := "http://" + a.Addr().String()
	// tick drives the watcher until a change has applied: the first tick
	// sees it, the second loads it (the file held still), and the third
	// is taken only once that load is done (one goroutine reads them in
	// turn); the third finds nothing new, or notes the next write.
	tick := func() {
		for range 3 {
			a.blockedTicks <- time.Now()
		}
	}

	me := signUp(t, a) // from 127.0.0.1: not blocked
	refused := func(what string, res *http.Response, p problemBody) {
		t.Helper()
		if res.StatusCode != http.StatusForbidden || p.Code != "forbidden" || !strings.Contains(p.Message, "network is blocked") {
			t.Errorf("%s: %d %+v, want 403 forbidden (network blocked)", what, res.StatusCode, p)
		}
	}
	for _, from := range []string{"203.0.113.9", "2001:db8:bad:1::5", "198.51.100.7", "::ffff:203.0.113.1"} {
		res, p := send(t, "GET", base+"/api/rooms", "X-Forwarded-For", from, "Authorization", "Bearer "+me.token)
		refused("GET /api/rooms from "+from, res, p)
	}
	res, p := post(t, base, "/api/auth/anonymous", "X-Forwarded-For", "203.0.113.9")
	refused("signup", res, p)
	res, p = send(t, "GET", base+"/ws", "X-Forwarded-For", "203.0.113.9", "Authorization", "Bearer "+me.token,
		"Connection", "Upgrade", "Upgrade", "websocket", "Sec-WebSocket-Version", "13", "Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ==")
	refused("/ws upgrade", res, p)
	if res, _ := send(t, "GET", base+"/api/rooms", "X-Forwarded-For", "198.51.100.8", "Authorization", "Bearer "+me.token); res.StatusCode != http.StatusOK {
		t.Errorf("a neighbour of a blocked address: %d", res.StatusCode)
	}
	ice := me.iceServers(t)[0]
	if _, err := turnAllocate(t, a, ice); err != nil {
		t.Fatalf("TURN from loopback before it is blocked: %v", err)
	}

	// Loopback joins the list: HTTP and TURN from it are refused.
	write("203.0.113.0/24\n127.0.0.0/8\n", t0.Add(time.Minute))
	tick()
	res, p = send(t, "GET", base+"/api/rooms", "Authorization", "Bearer "+me.token)
	refused("GET /api/rooms from loopback after the change", res, p)
	if _, err := turnAllocate(t, a, ice); err == nil {
		t.Error("a TURN allocation from a blocked network succeeded")
	}

	// A bad line: the file is refused, named by its line; the list stays.
	write("127.0.0.0/8\n10.0.0.0/33\n", t0.Add(2*time.Minute))
	tick()
	if !strings.Contains(logs.String(), "line 2") || !strings.Contains(logs.String(), "not reloaded") {
		t.Errorf("the bad line was not named in the log:\n%s", logs.String())
	}
	res, p = send(t, "GET", base+"/api/rooms", "Authorization", "Bearer "+me.token)
	refused("after a bad file", res, p)
	res, p = send(t, "GET", base+"/api/rooms", "X-Forwarded-For", "203.0.113.9")
	if res.StatusCode != http.StatusForbidden {
		t.Errorf("after a bad file, 203.0.113.9: %d %+v; the previous list did not stay", res.StatusCode, p)
	}

	// The list emptied: everyone is served again.
	write("# nobody\n", t0.Add(3*time.Minute))
	tick()
	if res, _ := send(t, "GET", base+"/api/rooms", "Authorization", "Bearer "+me.token); res.StatusCode != http.StatusOK {
		t.Errorf("after the list emptied: %d", res.StatusCode)
	}
}

// TestBlockCIDRsBadAtStart: a bad file is a start-up error naming the line.
func TestBlockCIDRsBadAtStart(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "blocked.txt")
	if err := os.WriteFile(path, []byte("192.0.2.0/24\nexample.org\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg := config.Default()
	cfg.Addr, cfg.DataDir, cfg.Secret, cfg.TURNAddr = "127.0.0.1:0", t.TempDir(), testTokenSecret, config.TURNOff
	cfg.BlockCIDRsFile = path
	a, err := New(t.Context(), cfg, newTestLog().logger)
	if err == nil {
		a.closeBackends()
		t.Fatal("a bad --block-cidrs file started")
	}
	if !strings.Contains(err.Error(), "line 2") || !strings.Contains(err.Error(), "example.org") {
		t.Errorf("error %q does not name the line", err)
	}
}

func TestParseNetSet(t *testing.T) {
	s, err := parseNetSet("10.1.2.3/8 # masked\n::ffff:192.0.2.0/120\n\n2001:db8::1\n")
	if err != nil {
		t.Fatal(err)
	}
	for addr, want := range map[string]bool{
		"10.200.0.1": true, "11.0.0.1": false, "192.0.2.44": true, "::ffff:192.0.2.44": true,
		"192.0.3.1": false, "2001:db8::1": true, "2001:db8::2": false,
	} {
		if got := s.contains(netip.MustParseAddr(addr)); got != want {
			t.Errorf("contains(%s) = %v, want %v", addr, got, want)
		}
	}
	for _, bad := range []string{"10.0.0.0/33", "example.org", "10.0.0.1 10.0.0.2", "fe80::1%eth0"} {
		if _, err := parseNetSet("192.0.2.1\n" + bad); err == nil || !strings.Contains(err.Error(), "line 2") {
			t.Errorf("%q: err %v, want one naming line 2", bad, err)
		}
	}
}

type testLog struct {
	*testlog.Buffer
	logger *slog.Logger
}

func newTestLog() testLog {
	b := &testlog.Buffer{}
	return testLog{b, slog.New(slog.NewTextHandler(b, &slog.HandlerOptions{Level: slog.LevelInfo}))}
}

func shutdown(t *testing.T, a *App) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := a.Shutdown(ctx); err != nil {
		t.Errorf("Shutdown: %v", err)
	}
}

// redisKeys lists the keys of pattern (and deletes them afterwards).
func redisKeys(t *testing.T, url, pattern string) []string {
	t.Helper()
	o, err := redis.ParseURL(url)
	if err != nil {
		t.Fatal(err)
	}
	c := redis.NewClient(o)
	defer c.Close()
	keys, err := c.Keys(t.Context(), pattern).Result()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		c := redis.NewClient(o)
		defer c.Close()
		c.Del(context.Background(), keys...)
	})
	return keys
}

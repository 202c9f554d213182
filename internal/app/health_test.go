package app

// Readiness: /readyz follows the database and Redis, reached through fault
// proxies that the test cuts and restores, and turns 503 when shutdown
// begins, before sockets are told to go (1012).

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"slices"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/bodydouble/bodydouble/internal/config"
	"github.com/bodydouble/bodydouble/internal/realtime/wstest"
	"github.com/bodydouble/bodydouble/internal/store/storetest"
)

type readiness struct {
	code    int
	Status  string   `json:"status"`
	Failing []string `json:"failing"`
}

func readyz(t *testing.T, base string) readiness {
	t.Helper()
	res, err := (&http.Client{Timeout: 5 * time.Second}).Get(base + "/readyz")
	if err != nil {
		t.Fatalf("readyz: %v", err)
	}
	defer res.Body.Close()
	r := readiness{code: res.StatusCode}
	if err := json.NewDecoder(res.Body).Decode(&r); err != nil {
		t.Fatalf("readyz body: %v", err)
	}
	if res.Header.Get("Cache-Control") != "no-store" || res.Header.Get("Content-Type") != "application/json" {
		t.Fatalf("readyz headers: %v", res.Header)
	}
	return r
}

// awaitReady polls /readyz until it answers code with failing, and fails
// the test unless that happens within limit of the change.
func awaitReady(t *testing.T, base string, code int, failing []string, limit time.Duration) {
	t.Helper()
	deadline := time.Now().Add(limit)
	var last readiness
	for time.Now().Before(deadline) {
		if last = readyz(t, base); last.code == code && slices.Equal(last.Failing, failing) {
			return
		}
	}
	t.Fatalf("readyz did not become %d %v within %v: last %+v", code, failing, limit, last)
}

func TestReadinessFollowsBackends(t *testing.T) {
	redisURL := os.Getenv("BODYDOUBLE_TEST_REDIS_URL")
	if redisURL == "" {
		t.Skip("BODYDOUBLE_TEST_REDIS_URL is not set")
	}
	dbURL := storetest.PostgresURL(t)
	pg, pgURL := proxied(t, dbURL)
	rp, rURL := proxied(t, redisURL)
	prefix := "bdtest-" + rand.Text() + ":"
	a, _, stop := startApp(t, func(c *config.Config) {
		c.DatabaseURL, c.RedisURL, c.RedisPrefix = pgURL, rURL, prefix
		c.TURNAddr = config.TURNOff
	})
	base := "http://" + a.Addr().String()

	res, err := http.Get(base + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	var live struct{ Status string }
	_ = json.NewDecoder(res.Body).Decode(&live)
	res.Body.Close()
	if res.StatusCode != 200 || live.Status != "ok" {
		t.Fatalf("healthz: %d %+v", res.StatusCode, live)
	}
	if r := readyz(t, base); r.code != 200 || r.Status != "ready" || r.Failing != nil {
		t.Fatalf("readyz: %+v", r)
	}

	// The contract: 503 within 2 s of the outage, 200 again once it ends.
	const within = 2 * time.Second
	pg.Cut()
	awaitReady(t, base, 503, []string{"database"}, within)
	pg.Restore()
	awaitReady(t, base, 200, nil, faultLimit)
	rp.Cut()
	awaitReady(t, base, 503, []string{"broker"}, within)
	rp.Restore()
	awaitReady(t, base, 200, nil, faultLimit)

	// Shutdown: a socket's 1012 comes after /readyz says "shutdown".
	s := signUp(t, a)
	c := wstest.Dial(t, wsOf(a), s.token)
	c.Join(firstRoom(t, s))
	done := make(chan struct{})
	go func() { stop(); close(done) }()
	if code := c.WaitClose(); code != websocket.StatusServiceRestart {
		t.Fatalf("socket closed with %v", code)
	}
	rec := httptest.NewRecorder()
	a.Handler().ServeHTTP(rec, httptest.NewRequestWithContext(context.Background(), "GET", "/readyz", nil))
	var r readiness
	_ = json.Unmarshal(rec.Body.Bytes(), &r)
	if rec.Code != 503 || !slices.Equal(r.Failing, []string{"shutdown"}) {
		t.Fatalf("readyz while shutting down: %d %s", rec.Code, rec.Body)
	}
	<-done
}

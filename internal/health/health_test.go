package health

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"
)

type clock struct{ t atomic.Pointer[time.Time] }

func (c *clock) now() time.Time      { return *c.t.Load() }
func (c *clock) add(d time.Duration) { t := c.now().Add(d); c.t.Store(&t) }

type probe struct {
	status  int
	cache   string
	Status  string   `json:"status"`
	Failing []string `json:"failing"`
}

func get(t *testing.T, h http.Handler, method string) probe {
	t.Helper()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(method, "/readyz", nil))
	p := probe{status: rec.Code, cache: rec.Header().Get("Cache-Control")}
	if method == http.MethodGet && rec.Code != http.StatusMethodNotAllowed {
		if ct := rec.Header().Get("Content-Type"); ct != "application/json" {
			t.Fatalf("Content-Type %q", ct)
		}
		if err := json.Unmarshal(rec.Body.Bytes(), &p); err != nil {
			t.Fatalf("body %q: %v", rec.Body, err)
		}
	}
	return p
}

func TestReadiness(t *testing.T) {
	var dbDown, brokerDown atomic.Bool
	down := func(b *atomic.Bool) error {
		if b.Load() {
			return errors.New("down")
		}
		return nil
	}
	var pings atomic.Int32
	clk := &clock{}
	start := time.Unix(1_700_000_000, 0)
	clk.t.Store(&start)
	c := New(Options{Now: clk.now, Checks: []Check{
		{Name: "database", Ping: func(context.Context) error { pings.Add(1); return down(&dbDown) }},
		{Name: "broker", Ping: func(context.Context) error { return down(&brokerDown) }},
	}})
	h := c.Readiness()

	if p := get(t, h, http.MethodGet); p.status != 200 || p.Status != "ready" || p.Failing != nil || p.cache != "no-store" {
		t.Fatalf("ready: %+v", p)
	}
	// Within the TTL the answer is kept: no new ping, even though the
	// database is down now.
	dbDown.Store(true)
	if p := get(t, h, http.MethodGet); p.status != 200 || pings.Load() != 1 {
		t.Fatalf("cached: %+v, %d pings", p, pings.Load())
	}
	clk.add(DefaultTTL)
	if p := get(t, h, http.MethodGet); p.status != 503 || p.Status != "unready" || len(p.Failing) != 1 || p.Failing[0] != "database" {
		t.Fatalf("database down: %+v", p)
	}
	brokerDown.Store(true)
	clk.add(DefaultTTL)
	if p := get(t, h, http.MethodGet); p.status != 503 || len(p.Failing) != 2 || p.Failing[0] != "database" || p.Failing[1] != "broker" {
		t.Fatalf("both down: %+v", p)
	}
	dbDown.Store(false)
	brokerDown.Store(false)
	clk.add(DefaultTTL)
	if p := get(t, h, http.MethodGet); p.status != 200 {
		t.Fatalf("back: %+v", p)
	}
	c.ShuttingDown()
	if p := get(t, h, http.MethodGet); p.status != 503 || len(p.Failing) != 1 || p.Failing[0] != Shutdown {
		t.Fatalf("shutdown: %+v", p)
	}
	if p := get(t, h, http.MethodPost); p.status != http.StatusMethodNotAllowed {
		t.Fatalf("POST: %+v", p)
	}
}

// A check that does not answer counts as failing once the timeout passes.
func TestReadinessTimeout(t *testing.T) {
	c := New(Options{Timeout: time.Millisecond, Checks: []Check{
		{Name: "database", Ping: func(ctx context.Context) error { <-ctx.Done(); return ctx.Err() }},
	}})
	if f := c.Failing(context.Background()); len(f) != 1 || f[0] != "database" {
		t.Fatalf("failing %v", f)
	}
}

func TestLiveness(t *testing.T) {
	c := New(Options{})
	c.ShuttingDown() // alive while it serves, even when shutting down
	rec := httptest.NewRecorder()
	c.Liveness().ServeHTTP(rec, httptest.NewRequest("GET", "/healthz", nil))
	if rec.Code != 200 || rec.Body.String() != "{\"status\":\"ok\"}\n" || rec.Header().Get("Cache-Control") != "no-store" {
		t.Fatalf("%d %q %v", rec.Code, rec.Body, rec.Header())
	}
}

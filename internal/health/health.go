// Package health answers the probes of a load balancer or an orchestrator:
// GET /healthz (the process serves) and GET /readyz (the process can do its
// work: its store and broker answer, and it is not shutting down). See
// docs/api.md "Health" and docs/operations.md "Monitoring".
//
// Readiness is cheap and bounded: every check runs with a short timeout,
// all of them at once, and one answer is kept for a short while so that a
// storm of probes costs the database one ping per interval.
package health

import (
	"context"
	"net/http"
	"sync"
	"sync/atomic"
	"time"
)

// Defaults of Options.
const (
	DefaultTimeout = time.Second            // each check's bound
	DefaultTTL     = 500 * time.Millisecond // how long one answer is kept
)

// Shutdown is the name in "failing" while the process shuts down.
const Shutdown = "shutdown"

// Check is one dependency: Ping returns nil when it answers.
type Check struct {
	Name string // "database", "broker"
	Ping func(ctx context.Context) error
}

// Options configure a Checker; zero durations take the defaults.
type Options struct {
	Checks  []Check
	Timeout time.Duration
	TTL     time.Duration
	Now     func() time.Time // tests; time.Now by default
}

// Checker runs the checks and serves the probes.
type Checker struct {
	checks   []Check
	timeout  time.Duration
	ttl      time.Duration
	now      func() time.Time
	shutdown atomic.Bool

	// mu is held while the checks run, so concurrent probes wait for one
	// round instead of starting their own.
	mu      sync.Mutex
	checked time.Time
	failing []string
}

// New returns a Checker of o.Checks.
func New(o Options) *Checker {
	c := &Checker{checks: o.Checks, timeout: o.Timeout, ttl: o.TTL, now: o.Now}
	if c.timeout <= 0 {
		c.timeout = DefaultTimeout
	}
	if c.ttl <= 0 {
		c.ttl = DefaultTTL
	}
	if c.now == nil {
		c.now = time.Now
	}
	return c
}

// ShuttingDown marks the process as not ready from now on, whatever the
// checks say: a load balancer stops sending before sockets are closed.
func (c *Checker) ShuttingDown() { c.shutdown.Store(true) }

// Failing returns the names of what is not ready, nil when everything is.
func (c *Checker) Failing(ctx context.Context) []string {
	if c.shutdown.Load() {
		return []string{Shutdown}
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if now := c.now(); c.checked.IsZero() || now.Sub(c.checked) >= c.ttl {
		c.failing = c.run(ctx)
		c.checked = c.now()
	}
	if c.shutdown.Load() {
		return []string{Shutdown}
	}
	return c.failing
}

// run runs every check at once, each bounded by the timeout, and returns
// the names of those that failed, in the order of the checks.
func (c *Checker) run(ctx context.Context) []string {
	// The probe's own cancellation must not mark a dependency as failing
	// for the probes that share this answer.
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), c.timeout)
	defer cancel()
	errs := make([]error, len(c.checks))
	var wg sync.WaitGroup
	for i, ch := range c.checks {
		wg.Go(func() { errs[i] = ch.Ping(ctx) })
	}
	wg.Wait()
	var failing []string
	for i, err := range errs {
		if err != nil {
			failing = append(failing, c.checks[i].Name)
		}
	}
	return failing
}

// Liveness answers GET /healthz: 200 {"status":"ok"} while the process serves.
func (c *Checker) Liveness() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !getOrHead(w, r) {
			return
		}
		write(w, http.StatusOK, `{"status":"ok"}`)
	})
}

// Readiness answers GET /readyz: 200 {"status":"ready"}, or 503
// {"status":"unready","failing":[...]}.
func (c *Checker) Readiness() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !getOrHead(w, r) {
			return
		}
		failing := c.Failing(r.Context())
		if len(failing) == 0 {
			write(w, http.StatusOK, `{"status":"ready"}`)
			return
		}
		body := `{"status":"unready","failing":[`
		for i, f := range failing {
			if i > 0 {
				body += ","
			}
			body += `"` + f + `"` // names are constants of this program
		}
		write(w, http.StatusServiceUnavailable, body+`]}`)
	})
}

func getOrHead(w http.ResponseWriter, r *http.Request) bool {
	if r.Method == http.MethodGet || r.Method == http.MethodHead {
		return true
	}
	w.Header().Set("Allow", "GET, HEAD")
	w.Header().Set("Cache-Control", "no-store")
	http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
	return false
}

func write(w http.ResponseWriter, status int, body string) {
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	_, _ = w.Write([]byte(body + "\n"))
}

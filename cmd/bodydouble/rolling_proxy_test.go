package main_test

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

// rollingProxy is the load balancer of the rolling-restart test: a
// reverse proxy (WebSocket upgrades included) that sends each request to
// the next healthy backend in turn. A backend is healthy while its
// /readyz answers 200, checked every 200 ms, so an instance that starts
// shutting down (503) stops getting new requests. An idempotent request
// (GET, HEAD) whose backend refuses the connection is tried on the next
// backend; anything else that fails to reach a backend is answered 502.
//
// It sets X-Forwarded-For to the client's address, as a load balancer in
// front of instances started with --trusted-proxies does.
type rollingProxy struct {
	srv       *http.Server
	URL       string
	transport *http.Transport

	mu       sync.Mutex
	backends []*rollingBackend
	next     int
	gone     []*rollingBackend // every backend ever added, for history
	failures map[string]int    // why requests could not reach a backend

	// What clients got: answers the proxy made itself (no backend could
	// be reached) and 5xx answers of backends passed on, each split by
	// REST (/api/) and WebSocket upgrades (/ws); and the idempotent
	// requests tried again on another backend.
	proxy502REST, proxy502WS     atomic.Int64
	backend5xxREST, backend5xxWS atomic.Int64
	retried                      atomic.Int64
	restRequests, wsUpgrades     atomic.Int64
}

// rollingCheckEvery is how often the proxy asks each backend's /readyz.
const rollingCheckEvery = 200 * time.Millisecond

// rollingBackendHeader names the instance that answered, on every answer
// the proxy passes on.
const rollingBackendHeader = "X-Rolling-Backend"

type rollingBackend struct {
	url     *url.URL
	healthy atomic.Bool

	mu      sync.Mutex
	seen    string    // the last /readyz answer: a status, or the error
	changes []string  // each change of seen, with when
	since   time.Time // when the changes are counted from (mark)
}

// saw notes a /readyz answer.
func (b *rollingBackend) saw(answer string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if answer != b.seen {
		b.seen = answer
		at := ""
		if !b.since.IsZero() {
			at = fmt.Sprintf(" at +%v", time.Since(b.since).Round(time.Millisecond))
		}
		b.changes = append(b.changes, answer+at)
	}
}

// newRollingProxy listens on a random loopback port and starts checking
// backends; both stop when the test ends.
func newRollingProxy(t *testing.T) *rollingProxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &rollingProxy{URL: "http://" + ln.Addr().String()}
	p.transport = http.DefaultTransport.(*http.Transport).Clone()
	p.transport.MaxIdleConnsPerHost = 64
	p.srv = &http.Server{Handler: p, ReadHeaderTimeout: 10 * time.Second}
	go p.srv.Serve(ln)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); p.check(ctx) }()
	t.Cleanup(func() {
		cancel()
		<-done
		p.srv.Close()
		p.transport.CloseIdleConnections()
	})
	return p
}

// add puts a backend in the rotation; it gets requests once its /readyz
// has answered 200.
func (p *rollingProxy) add(base string) {
	u, err := url.Parse(base)
	if err != nil {
		panic(err)
	}
	p.mu.Lock()
	b := &rollingBackend{url: u}
	p.backends = append(p.backends, b)
	p.gone = append(p.gone, b)
	p.mu.Unlock()
}

// remove takes a backend out of the rotation.
func (p *rollingProxy) remove(base string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for i, b := range p.backends {
		if b.url.String() == base {
			p.backends = append(p.backends[:i:i], p.backends[i+1:]...)
			return
		}
	}
}

// mark starts base's /readyz history (history) afresh: what it
// answered so far, then each change, timed from now.
func (p *rollingProxy) mark(base string) {
	if b := p.find(base); b != nil {
		b.mu.Lock()
		b.since = time.Now()
		b.changes = []string{b.seen + " before"}
		b.mu.Unlock()
	}
}

// history lists the changes of base's /readyz answers the proxy saw.
func (p *rollingProxy) history(base string) []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, b := range p.gone {
		if b.url.String() == base {
			b.mu.Lock()
			defer b.mu.Unlock()
			return slices.Clone(b.changes)
		}
	}
	return nil
}

func (p *rollingProxy) find(base string) *rollingBackend {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, b := range p.backends {
		if b.url.String() == base {
			return b
		}
	}
	return nil
}

// healthy reports whether base is in the rotation and answering /readyz.
func (p *rollingProxy) healthy(base string) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, b := range p.backends {
		if b.url.String() == base {
			return b.healthy.Load()
		}
	}
	return false
}

// check asks every backend's /readyz every rollingCheckEvery until ctx ends.
func (p *rollingProxy) check(ctx context.Context) {
	client := &http.Client{Timeout: time.Second}
	tick := time.NewTicker(rollingCheckEvery)
	defer tick.Stop()
	for {
		p.mu.Lock()
		backends := append([]*rollingBackend(nil), p.backends...)
		p.mu.Unlock()
		for _, b := range backends {
			req, _ := http.NewRequestWithContext(ctx, "GET", b.url.String()+"/readyz", nil)
			resp, err := client.Do(req)
			ok := err == nil && resp.StatusCode == http.StatusOK
			if err == nil {
				resp.Body.Close()
				b.saw(resp.Status)
			} else if errors.Is(err, syscall.ECONNREFUSED) {
				b.saw("connection refused")
			} else if ctx.Err() == nil {
				b.saw(err.Error())
			}
			b.healthy.Store(ok)
		}
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}

// pick returns the next healthy backend not in tried, or nil.
func (p *rollingProxy) pick(tried map[*rollingBackend]bool) *rollingBackend {
	p.mu.Lock()
	defer p.mu.Unlock()
	for range p.backends {
		b := p.backends[p.next%len(p.backends)]
		p.next++
		if b.healthy.Load() && !tried[b] {
			return b
		}
	}
	return nil
}

func (p *rollingProxy) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	ws := strings.HasPrefix(r.URL.Path, "/ws")
	if ws {
		p.wsUpgrades.Add(1)
	} else {
		p.restRequests.Add(1)
	}
	idempotent := r.Method == http.MethodGet || r.Method == http.MethodHead
	tried := map[*rollingBackend]bool{}
	for {
		b := p.pick(tried)
		if b == nil {
			p.fail(w, ws)
			return
		}
		tried[b] = true
		var failed error
		rp := &httputil.ReverseProxy{
			Rewrite: func(pr *httputil.ProxyRequest) {
				pr.SetURL(b.url)
				pr.SetXForwarded()
			},
			Transport: p.transport,
			ModifyResponse: func(resp *http.Response) error {
				// Which instance answered, so that a test client knows
				// where its socket is.
				resp.Header.Set(rollingBackendHeader, b.url.String())
				if resp.StatusCode >= 500 {
					if ws {
						p.backend5xxWS.Add(1)
					} else {
						p.backend5xxREST.Add(1)
					}
				}
				return nil
			},
			// Called before anything is written to w when the backend
			// could not be reached; the loop decides what to answer.
			ErrorHandler: func(_ http.ResponseWriter, _ *http.Request, err error) { failed = err },
		}
		rp.ServeHTTP(w, r)
		if failed == nil || r.Context().Err() != nil {
			return // answered, or the client went away
		}
		p.mu.Lock()
		if p.failures == nil {
			p.failures = map[string]int{}
		}
		why := failed.Error()
		if errors.Is(failed, syscall.ECONNREFUSED) {
			why = "connection refused"
		}
		p.failures[r.Method+" "+why]++
		p.mu.Unlock()
		if idempotent && errors.Is(failed, syscall.ECONNREFUSED) {
			p.retried.Add(1)
			continue
		}
		p.fail(w, ws)
		return
	}
}

// fail answers 502: no backend could be reached.
func (p *rollingProxy) fail(w http.ResponseWriter, ws bool) {
	if ws {
		p.proxy502WS.Add(1)
	} else {
		p.proxy502REST.Add(1)
	}
	http.Error(w, "no backend answered", http.StatusBadGateway)
}

// failed counts the requests that could not reach a backend, by method
// and error (retried ones included).
func (p *rollingProxy) failed() map[string]int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return maps.Clone(p.failures)
}

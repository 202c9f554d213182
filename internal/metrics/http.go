package metrics

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/pprof"
	"strconv"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Server is the HTTP server of --metrics-addr: /metrics, and whatever
// else operators only may reach (Handle). It never shares the public port.
type Server struct {
	mux *http.ServeMux
	srv *http.Server
	ln  net.Listener
}

// NewServer returns the server of m's /metrics; it does not listen yet.
func NewServer(m *Metrics) *Server {
	s := &Server{mux: http.NewServeMux()}
	s.mux.Handle("GET /metrics", promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{}))
	// Go's profiles, for an operator chasing CPU or memory on a live
	// instance (go tool pprof http://ADDR/debug/pprof/profile). Like
	// everything here they never reach the public port.
	s.mux.HandleFunc("GET /debug/pprof/", pprof.Index)
	s.mux.HandleFunc("GET /debug/pprof/cmdline", pprof.Cmdline)
	s.mux.HandleFunc("GET /debug/pprof/profile", pprof.Profile)
	s.mux.HandleFunc("GET /debug/pprof/symbol", pprof.Symbol)
	s.mux.HandleFunc("GET /debug/pprof/trace", pprof.Trace)
	s.srv = &http.Server{Handler: s.mux, ReadHeaderTimeout: 10 * time.Second, IdleTimeout: 2 * time.Minute}
	return s
}

// Handle mounts h at pattern on the metrics address (e.g. an admin
// endpoint that must stay off the public port).
func (s *Server) Handle(pattern string, h http.Handler) { s.mux.Handle(pattern, h) }

// Start listens on addr and serves in the background.
func (s *Server) Start(addr string) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	s.ln = ln
	go func() {
		if err := s.srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			_ = err // Serve fails only when the listener does; Shutdown reports nothing more
		}
	}()
	return nil
}

// Addr is where Start listens (nil before).
func (s *Server) Addr() net.Addr {
	if s.ln == nil {
		return nil
	}
	return s.ln.Addr()
}

// Shutdown stops the server.
func (s *Server) Shutdown(ctx context.Context) error { return s.srv.Shutdown(ctx) }

// Middleware counts the requests h answers by route pattern and status
// code, and times them. patterns are h's ServeMux patterns
// (api.Patterns): the route label is the one a ServeMux of them picks for
// the request, "unmatched" when none does, so a label never holds a raw
// path or an id. h's own mux cannot tell us: it sets the pattern on a copy
// of the request.
func (m *Metrics) Middleware(patterns []string, h http.Handler) http.Handler {
	routes := http.NewServeMux()
	byRoute := map[string]*routeMetrics{"unmatched": m.newRouteMetrics("unmatched")}
	for _, p := range patterns {
		routes.Handle(p, http.NotFoundHandler()) // only matched, never served
		byRoute[p] = m.newRouteMetrics(p)
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		_, route := routes.Handler(r)
		rm := byRoute[route]
		if rm == nil {
			rm = byRoute["unmatched"]
		}
		rec := &statusRecorder{ResponseWriter: w, code: http.StatusOK}
		h.ServeHTTP(rec, r)
		rm.count(rec.code)
		if rec.code == http.StatusTooManyRequests {
			m.limited["rest"].Inc()
		}
		rm.duration.Observe(time.Since(start).Seconds())
	})
}

// routeMetrics are one route's series, looked up once: a request then
// costs no label hashing.
type routeMetrics struct {
	route    string
	requests *prometheus.CounterVec
	duration prometheus.Observer
	codes    sync.Map // status code → prometheus.Counter
}

func (m *Metrics) newRouteMetrics(route string) *routeMetrics {
	return &routeMetrics{route: route, requests: m.httpRequests, duration: m.httpDuration.WithLabelValues(route)}
}

func (rm *routeMetrics) count(code int) {
	if c, ok := rm.codes.Load(code); ok {
		c.(prometheus.Counter).Inc()
		return
	}
	c := rm.requests.WithLabelValues(rm.route, strconv.Itoa(code))
	rm.codes.Store(code, c)
	c.Inc()
}

type statusRecorder struct {
	http.ResponseWriter
	code  int
	wrote bool
}

func (r *statusRecorder) WriteHeader(code int) {
	if !r.wrote {
		r.code, r.wrote = code, true
	}
	r.ResponseWriter.WriteHeader(code)
}

func (r *statusRecorder) Write(b []byte) (int, error) {
	r.wrote = true
	return r.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the writer underneath.
func (r *statusRecorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }

package httpx

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/hex"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"sync/atomic"
	"time"
)

// RequestIDs makes request ids: a random per-process prefix and a counter,
// unique across instances without a random read per request.
type RequestIDs struct {
	prefix string
	n      atomic.Uint64
}

// NewRequestIDs returns a generator with a fresh random prefix.
func NewRequestIDs() *RequestIDs {
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	return &RequestIDs{prefix: hex.EncodeToString(b)}
}

// Next returns a new id.
func (g *RequestIDs) Next() string {
	return g.prefix + "-" + strconv.FormatUint(g.n.Add(1), 36)
}

type requestIDKey struct{}

// WithRequestID returns ctx carrying the request id.
func WithRequestID(ctx context.Context, id string) context.Context {
	return context.WithValue(ctx, requestIDKey{}, id)
}

// RequestID is the id of the request ctx belongs to, "" outside one.
func RequestID(ctx context.Context) string {
	id, _ := ctx.Value(requestIDKey{}).(string)
	return id
}

// AccessLog writes one line per request (docs/operations.md "Monitoring"):
// request id, method, route pattern, status, duration, bytes and instance.
// It never logs an address, a header, a query or a path: the route is the
// pattern that matched ("/api/rooms/{id}"), never the path with its ids.
type AccessLog struct {
	Log      *slog.Logger
	Instance string
	// Routes are the ServeMux patterns of the handler; a request that
	// matches none is logged with route "unmatched".
	Routes []string
	// IDs makes the request ids; every request gets one in its context
	// (RequestID) and in its X-Request-Id header, with or without lines.
	IDs *RequestIDs
	// Off leaves the lines out (--access-log=false); ids are still made.
	Off bool
}

// Handler wraps h. A WebSocket upgrade is logged when it switches
// protocols (status 101, or the connection is hijacked), not when the
// socket ends.
func (a AccessLog) Handler(h http.Handler) http.Handler {
	routes := http.NewServeMux()
	for _, p := range a.Routes {
		routes.Handle(p, http.NotFoundHandler()) // matched only, never served
	}
	ids := a.IDs
	if ids == nil {
		ids = NewRequestIDs()
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id := ids.Next()
		w.Header().Set("X-Request-Id", id)
		r = r.WithContext(WithRequestID(r.Context(), id))
		if a.Off || a.Log == nil {
			h.ServeHTTP(w, r)
			return
		}
		lw := &logWriter{ResponseWriter: w, start: time.Now(), a: &a, r: r, id: id}
		_, lw.route = routes.Handler(r)
		defer lw.line()
		h.ServeHTTP(lw, r)
	})
}

// logWriter counts what is written and writes the line, once.
type logWriter struct {
	http.ResponseWriter
	a      *AccessLog
	r      *http.Request
	id     string
	route  string
	start  time.Time
	status int
	bytes  int64
	logged bool
}

func (w *logWriter) WriteHeader(code int) {
	if w.status == 0 || w.status < 200 && code >= 200 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
	if code == http.StatusSwitchingProtocols {
		w.line() // the upgrade; the socket may live for hours
	}
}

func (w *logWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	n, err := w.ResponseWriter.Write(b)
	w.bytes += int64(n)
	return n, err
}

// Unwrap lets http.ResponseController reach the writer underneath.
func (w *logWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// Hijack hands the connection over: a WebSocket upgrade, whose library
// writes the 101 on the connection itself. Its line is written now, as
// the socket may live for hours.
func (w *logWriter) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	nc, rw, err := http.NewResponseController(w.ResponseWriter).Hijack()
	if err == nil {
		if w.status == 0 {
			w.status = http.StatusSwitchingProtocols
		}
		w.line()
	}
	return nc, rw, err
}

// Flush sends what is buffered.
func (w *logWriter) Flush() { _ = http.NewResponseController(w.ResponseWriter).Flush() }

func (w *logWriter) line() {
	if w.logged {
		return
	}
	w.logged = true
	status := w.status
	if status == 0 {
		status = http.StatusOK
	}
	route := w.route
	if route == "" {
		route = "unmatched"
	}
	w.a.Log.LogAttrs(context.WithoutCancel(w.r.Context()), slog.LevelInfo, "http request",
		slog.String("requestId", w.id),
		slog.String("method", w.r.Method),
		slog.String("route", route),
		slog.Int("status", status),
		slog.Duration("duration", time.Since(w.start)),
		slog.Int64("bytes", w.bytes),
		slog.String("instance", w.a.Instance),
	)
}

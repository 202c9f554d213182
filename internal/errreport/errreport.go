// Package errreport sends error reports to Sentry (--sentry-dsn) through
// sentry-go: panics and 5xx answers of the HTTP server (Middleware), and
// the web app's own errors posted to /api/client-errors (Client). Every
// report carries the release, the environment and, for a request, its
// request id and route pattern, and nothing about a person: no address,
// header, cookie, token, query or text anyone wrote (scrub). A nil
// *Reporter reports nothing, so callers need not check.
package errreport

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/getsentry/sentry-go"

	"github.com/bodydouble/bodydouble/internal/buildinfo"
	"github.com/bodydouble/bodydouble/internal/httpx"
)

// Options configure a Reporter.
type Options struct {
	DSN         string
	Environment string
	Release     string // "" : the module's version or VCS revision
}

// Reporter sends reports to one Sentry project.
type Reporter struct {
	client  *sentry.Client
	release string
	// notes holds, per request id while Middleware serves it, the first
	// error logged for it (Logger), which its 5xx report then names.
	notes sync.Map // request id → *note
}

type note struct {
	mu   sync.Mutex
	text string
}

// New returns a Reporter of o.DSN, nil (off) when it is empty.
func New(o Options) (*Reporter, error) {
	if o.DSN == "" {
		return nil, nil
	}
	release := o.Release
	if release == "" {
		release = Release()
	}
	c, err := sentry.NewClient(sentry.ClientOptions{
		Dsn: o.DSN, Environment: o.Environment, Release: release,
		SendDefaultPII: false,
		BeforeSend:     func(e *sentry.Event, _ *sentry.EventHint) *sentry.Event { return scrub(e) },
		// Nothing is gathered besides what a report says: no
		// breadcrumbs, no server name beyond the instance's host.
		MaxBreadcrumbs: -1,
	})
	if err != nil {
		return nil, fmt.Errorf("errreport: --sentry-dsn: %w", err)
	}
	return &Reporter{client: c, release: release}, nil
}

// Release names this build as `bodydouble version` does: the version
// (scripts/release sets it), else the commit, else "devel".
func Release() string {
	return buildinfo.Read().Release()
}

// scrub drops whatever could name or reach a person: the request (its
// address, headers, cookies, query and body), the user, breadcrumbs.
func scrub(e *sentry.Event) *sentry.Event {
	e.Request = nil
	e.User = sentry.User{}
	e.Breadcrumbs = nil
	delete(e.Contexts, "device")
	return e
}

// Flush waits up to timeout for reports under way (shutdown, tests).
func (r *Reporter) Flush(timeout time.Duration) bool {
	if r == nil {
		return true
	}
	return r.client.Flush(timeout)
}

func (r *Reporter) capture(tags map[string]string, level sentry.Level, f func(h *sentry.Hub)) {
	scope := sentry.NewScope()
	scope.SetTags(tags)
	scope.SetLevel(level)
	f(sentry.NewHub(r.client, scope))
}

// Error reports err of a background task, tagged with what did it (e.g.
// {"job": "retention"}).
func (r *Reporter) Error(ctx context.Context, err error, tags map[string]string) {
	if r == nil || err == nil {
		return
	}
	r.capture(withRequest(ctx, tags), sentry.LevelError, func(h *sentry.Hub) { h.CaptureException(err) })
}

func withRequest(ctx context.Context, tags map[string]string) map[string]string {
	out := map[string]string{}
	for k, v := range tags {
		out[k] = v
	}
	if id := httpx.RequestID(ctx); id != "" {
		out["requestId"] = id
	}
	return out
}

// Middleware reports the panics that reach it (then lets them go on, to
// net/http) and every 5xx answer, with the request id and the route
// pattern that routes (ServeMux patterns, as httpx.AccessLog) picks.
// The 5xx answers of the quiet patterns are not errors (/readyz says 503
// while a dependency is down). It belongs inside httpx.AccessLog, which
// gives the request its id.
func (r *Reporter) Middleware(patterns, quiet []string, h http.Handler) http.Handler {
	if r == nil {
		return h
	}
	routes := http.NewServeMux()
	for _, p := range patterns {
		routes.Handle(p, http.NotFoundHandler())
	}
	return http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		_, route := routes.Handler(req)
		if route == "" {
			route = "unmatched"
		}
		tags := withRequest(req.Context(), map[string]string{"route": route, "method": req.Method})
		sw := &statusWriter{ResponseWriter: w}
		n := &note{}
		if id := tags["requestId"]; id != "" {
			r.notes.Store(id, n)
			defer r.notes.Delete(id)
		}
		defer func() {
			if p := recover(); p != nil {
				if p != http.ErrAbortHandler {
					r.capture(tags, sentry.LevelFatal, func(h *sentry.Hub) { h.Recover(p) })
				}
				panic(p)
			}
			if sw.status >= 500 && !slices.Contains(quiet, route) {
				tags["status"] = strconv.Itoa(sw.status)
				n.mu.Lock()
				cause := n.text
				n.mu.Unlock()
				r.capture(tags, sentry.LevelError, func(h *sentry.Hub) {
					if cause != "" { // what the handler logged: a recovered panic, a store error
						h.CaptureException(fmt.Errorf("HTTP %d %s: %s", sw.status, route, cause))
						return
					}
					h.CaptureMessage(fmt.Sprintf("HTTP %d %s", sw.status, route))
				})
			}
		}()
		h.ServeHTTP(sw, req)
	})
}

// Logger returns l, which also notes the first error-level line of each
// request Middleware serves (found by the "requestId" attribute or the
// context's id): the 5xx report of that request carries its message and
// the first line of its "err" (a recovered panic's value, not its stack).
func (r *Reporter) Logger(l *slog.Logger) *slog.Logger {
	if r == nil {
		return l
	}
	return slog.New(&noteHandler{Handler: l.Handler(), r: r})
}

type noteHandler struct {
	slog.Handler
	r *Reporter
}

func (h *noteHandler) Handle(ctx context.Context, rec slog.Record) error {
	if rec.Level >= slog.LevelError {
		id, cause := httpx.RequestID(ctx), ""
		rec.Attrs(func(a slog.Attr) bool {
			switch a.Key {
			case "requestId":
				id = a.Value.String()
			case "err":
				cause, _, _ = strings.Cut(a.Value.String(), "\n")
			}
			return true
		})
		if v, ok := h.r.notes.Load(id); ok && id != "" {
			n := v.(*note)
			n.mu.Lock()
			if n.text == "" {
				n.text = strings.TrimSpace(rec.Message + ": " + cause)
			}
			n.mu.Unlock()
		}
	}
	return h.Handler.Handle(ctx, rec)
}

func (h *noteHandler) WithAttrs(as []slog.Attr) slog.Handler {
	return &noteHandler{Handler: h.Handler.WithAttrs(as), r: h.r}
}

func (h *noteHandler) WithGroup(name string) slog.Handler {
	return &noteHandler{Handler: h.Handler.WithGroup(name), r: h.r}
}

type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 || w.status < 200 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the writer underneath
// (WebSocket upgrades hijack through it).
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// ClientError is an error the web app reported (POST /api/client-errors),
// already limited in size and scrubbed by the API.
type ClientError struct {
	Message string // the error's message
	Stack   string // its stack, script URLs and lines
	Route   string // the app's route pattern, e.g. /room/:id (never a path with ids)
	Release string // the web app's build
	Kind    string // error | unhandledrejection | api
}

// Client forwards an error of the web app, tagged as coming from the
// browser, with the request id of the report.
func (r *Reporter) Client(ctx context.Context, e ClientError) {
	if r == nil {
		return
	}
	tags := withRequest(ctx, map[string]string{"source": "web", "kind": e.Kind})
	if e.Route != "" {
		tags["route"] = e.Route
	}
	if e.Release != "" {
		tags["webRelease"] = e.Release
	}
	r.capture(tags, sentry.LevelError, func(h *sentry.Hub) {
		ev := sentry.NewEvent()
		ev.Level = sentry.LevelError
		ev.Platform = "javascript"
		ev.Message = e.Message
		if e.Stack != "" {
			ev.Contexts = map[string]sentry.Context{"browser error": {"stack": e.Stack}}
		}
		h.CaptureEvent(ev)
	})
}

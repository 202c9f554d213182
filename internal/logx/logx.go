// Package logx builds the process's logger: text or JSON on a writer, at
// a level that can change while the process runs (LevelHandler, mounted
// on the metrics address), with the id of the HTTP request a line belongs
// to added to every line logged with that request's context.
package logx

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"

	"github.com/bodydouble/bodydouble/internal/httpx"
)

// ParseLevel reads debug, info, warn or error.
func ParseLevel(s string) (slog.Level, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "debug":
		return slog.LevelDebug, nil
	case "info":
		return slog.LevelInfo, nil
	case "warn", "warning":
		return slog.LevelWarn, nil
	case "error":
		return slog.LevelError, nil
	}
	return 0, fmt.Errorf("log level must be debug, info, warn or error, not %q", s)
}

// LevelName is the name ParseLevel reads for l.
func LevelName(l slog.Level) string {
	switch {
	case l <= slog.LevelDebug:
		return "debug"
	case l <= slog.LevelInfo:
		return "info"
	case l <= slog.LevelWarn:
		return "warn"
	}
	return "error"
}

// New returns a logger writing format ("text" or "json") to w at level.
func New(w io.Writer, format string, level *slog.LevelVar) *slog.Logger {
	opts := &slog.HandlerOptions{Level: level}
	var h slog.Handler = slog.NewTextHandler(w, opts)
	if format == "json" {
		h = slog.NewJSONHandler(w, opts)
	}
	return slog.New(Wrap(h, level))
}

// Wrap adds the request id of the context to every record h handles, and
// remembers level so that LevelOf finds it.
func Wrap(h slog.Handler, level *slog.LevelVar) slog.Handler {
	return &handler{Handler: h, level: level}
}

type handler struct {
	slog.Handler
	level *slog.LevelVar
}

func (h *handler) Handle(ctx context.Context, r slog.Record) error {
	if id := httpx.RequestID(ctx); id != "" && !hasRequestID(r) {
		r = r.Clone()
		r.AddAttrs(slog.String("requestId", id))
	}
	return h.Handler.Handle(ctx, r)
}

func hasRequestID(r slog.Record) bool {
	found := false
	r.Attrs(func(a slog.Attr) bool {
		found = a.Key == "requestId"
		return !found
	})
	return found
}

func (h *handler) WithAttrs(as []slog.Attr) slog.Handler {
	return &handler{Handler: h.Handler.WithAttrs(as), level: h.level}
}

func (h *handler) WithGroup(name string) slog.Handler {
	return &handler{Handler: h.Handler.WithGroup(name), level: h.level}
}

// LevelOf returns the level of a logger New made, nil for other loggers.
func LevelOf(l *slog.Logger) *slog.LevelVar {
	if h, ok := l.Handler().(*handler); ok {
		return h.level
	}
	return nil
}

// LevelHandler reads (GET) and sets (PUT {"level":"debug"}) level; both
// answer {"level":"…"}. It belongs on the metrics address, never on the
// public port. log, when not nil, records each change.
func LevelHandler(level *slog.LevelVar, log *slog.Logger) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.Method {
		case http.MethodGet, http.MethodHead:
		case http.MethodPut, http.MethodPost:
			var body struct {
				Level string `json:"level"`
			}
			dec := json.NewDecoder(io.LimitReader(r.Body, 1<<10))
			dec.DisallowUnknownFields()
			if err := dec.Decode(&body); err != nil {
				problem(w, http.StatusBadRequest, "The body must be {\"level\":\"debug|info|warn|error\"}.")
				return
			}
			l, err := ParseLevel(body.Level)
			if err != nil {
				problem(w, http.StatusBadRequest, "The level must be debug, info, warn or error.")
				return
			}
			old := level.Level()
			level.Set(l)
			if log != nil {
				log.Warn("log level changed", "from", LevelName(old), "to", LevelName(l))
			}
		default:
			w.Header().Set("Allow", "GET, HEAD, PUT")
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Cache-Control", "no-store")
		_, _ = fmt.Fprintf(w, "{\"level\":%q}\n", LevelName(level.Level()))
	})
}

func problem(w http.ResponseWriter, status int, msg string) {
	w.Header().Set("Content-Type", "application/problem+json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	b, _ := json.Marshal(map[string]string{"code": "invalid", "message": msg})
	_, _ = w.Write(append(b, '\n'))
}

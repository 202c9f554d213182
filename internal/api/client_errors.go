package api

import (
	"context"
	"errors"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/bodydouble/bodydouble/internal/apperr"
	"github.com/bodydouble/bodydouble/internal/errreport"
	"github.com/bodydouble/bodydouble/internal/ratelimit"
)

// maxClientError is the largest report the web app may post.
const maxClientError = 8 << 10

// limitClientErrors: a page reports at most a few errors (the web app
// caps and deduplicates its own), so 10 a minute per address is plenty.
var limitClientErrors = ratelimit.Limit{Name: "client-errors", Rate: 10, Per: time.Minute, Burst: 10}

// clientErrorInput is the body of POST /api/client-errors.
type clientErrorInput struct {
	Kind    string `json:"kind"`
	Message string `json:"message"`
	Stack   string `json:"stack"`
	Route   string `json:"route"`
	Release string `json:"release"`
}

var clientErrorKinds = map[string]bool{"error": true, "unhandledrejection": true, "api": true}

// Scrubbing: a query or fragment of a URL, an e-mail address, and any
// long run of letters and digits (tokens, ids) never reach a report.
var (
	scrubQuery = regexp.MustCompile(`[?#][^\s)'"]*`)
	scrubEmail = regexp.MustCompile(`[A-Za-z0-9._%+\-]+@[A-Za-z0-9.\-]+\.[A-Za-z]{2,}`)
	scrubLong  = regexp.MustCompile(`[A-Za-z0-9_\-]{24,}`)
	scrubUUID  = regexp.MustCompile(`[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}`)
	routeRE    = regexp.MustCompile(`^/[A-Za-z0-9/:_\-]*$`)
)

func scrubText(s string) string {
	s = scrubQuery.ReplaceAllString(s, "")
	s = scrubEmail.ReplaceAllString(s, "[email]")
	s = scrubUUID.ReplaceAllString(s, ":id")
	return scrubLong.ReplaceAllString(s, "[redacted]")
}

// clientError is POST /api/client-errors: the web app's own uncaught
// errors and failed requests, forwarded to Sentry with --sentry-dsn
// (dropped, logged at debug, without). 204 either way.
func (s *server) clientError(w http.ResponseWriter, r *http.Request) error {
	if s.limiter != nil {
		key := s.limiter.keys.Addr(s.proxies.ClientAddr(r))
		if ok, wait := s.limits.Allow(r.Context(), limitClientErrors, key); !ok {
			w.Header().Set("Retry-After", strconv.Itoa(retryAfterSeconds(wait)))
			return apperr.New(apperr.RateLimited, "Too many error reports: please wait a moment.")
		}
	}
	if r.ContentLength > maxClientError {
		return errClientErrorTooLarge
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxClientError)
	in, err := decoded[clientErrorInput](r)
	if errors.Is(err, errTooLarge) {
		return errClientErrorTooLarge
	}
	if err != nil {
		return err
	}
	switch {
	case !clientErrorKinds[in.Kind]:
		return apperr.Field("kind", "must be error, unhandledrejection or api")
	case strings.TrimSpace(in.Message) == "":
		return apperr.Field("message", "is required")
	case utf8.RuneCountInString(in.Message) > 1000:
		return apperr.Field("message", "must be at most 1000 characters")
	case utf8.RuneCountInString(in.Stack) > 6000:
		return apperr.Field("stack", "must be at most 6000 characters")
	case in.Route != "" && (len(in.Route) > 200 || !routeRE.MatchString(in.Route)):
		return apperr.Field("route", "must be the app's route pattern, such as /room/:id")
	case len(in.Release) > 100:
		return apperr.Field("release", "must be at most 100 characters")
	}
	e := errreport.ClientError{
		Kind: in.Kind, Message: scrubText(in.Message), Stack: scrubText(in.Stack),
		Route: scrubUUID.ReplaceAllString(in.Route, ":id"), Release: scrubText(in.Release),
	}
	if s.clientErrors != nil {
		s.clientErrors(context.WithoutCancel(r.Context()), e)
	} else {
		s.log.DebugContext(r.Context(), "client error", "kind", e.Kind, "route", e.Route, "message", e.Message)
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

var errClientErrorTooLarge = apperr.New(apperr.TooLarge, "An error report is at most 8 KiB.")

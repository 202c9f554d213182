package api

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"runtime/debug"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/bodydouble/bodydouble/internal/apperr"
	"github.com/bodydouble/bodydouble/internal/auth"
	"github.com/bodydouble/bodydouble/internal/httpx"
	"github.com/bodydouble/bodydouble/internal/readmemo"
)

// maxBody is the largest request body accepted by a route that takes one
// (docs/api.md "Errors": too_large); routes without a body never read it.
const maxBody = 64 << 10

// Header values every response carries; shared between responses, so
// nothing may append to them in place (Header.Add copies: cap is 1).
var (
	noStore  = []string{"no-store"}
	noSniff  = []string{"nosniff"}
	jsonType = []string{"application/json"}
)

// reqInfo is what the middleware learns about a request, shared by pointer
// with the handlers and read back for the log line.
type reqInfo struct {
	id       string
	pattern  string
	identity auth.Identity
}

type infoKey struct{}

func info(r *http.Request) *reqInfo {
	if in, ok := r.Context().Value(infoKey{}).(*reqInfo); ok {
		return in
	}
	return &reqInfo{}
}

// identity is the verified caller of a route that needs a session.
func identity(r *http.Request) auth.Identity { return info(r).identity }

// ServeHTTP runs every /api request through, in order: request id,
// recovery and the log line; the rate limit; then the route, whose
// wrapper checks the session. The body is capped at maxBody for the
// routes that read one.
func (s *server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	// The id of the access log (httpx.AccessLog), so that a problem
	// document, its log lines and the access line agree; one of ours
	// when the API is served alone (tests).
	in := &reqInfo{id: httpx.RequestID(r.Context())}
	if in.id == "" {
		in.id = s.ids.next()
	}
	sw := &statusWriter{ResponseWriter: w}
	h := w.Header()
	h["X-Request-Id"] = []string{in.id}
	h["Cache-Control"] = noStore // shared, never changed: saves allocating per request
	h["X-Content-Type-Options"] = noSniff
	// The memo lets the store look once per request at whether its
	// database changed (session check and room list alike).
	r = r.WithContext(readmemo.With(context.WithValue(r.Context(), infoKey{}, in)))
	defer func() {
		if p := recover(); p != nil {
			if p == http.ErrAbortHandler {
				panic(p)
			}
			err := fmt.Errorf("api: panic: %v\n%s", p, debug.Stack())
			if sw.status == 0 {
				s.problem(sw, r, err) // logs err with the request id
			} else {
				s.log.Error("api: internal error", "requestId", in.id, "route", in.pattern, "err", err)
			}
		}
		s.logRequest(r, in, sw.status, time.Since(start))
	}()

	if s.limiter != nil {
		signup := r.Method == http.MethodPost && r.URL.Path == "/api/auth/anonymous"
		if ok, wait := s.limiter.allow(s.proxies.ClientAddr(r), signup); !ok {
			sw.Header().Set("Retry-After", strconv.Itoa(retryAfterSeconds(wait)))
			s.problem(sw, r, apperr.New(apperr.RateLimited, "Too many requests: please wait a moment."))
			return
		}
	}
	// The size limit is enforced where a body is read (decode): routes
	// that take none ignore one, whatever its size (docs/api.md).
	r.Body = http.MaxBytesReader(sw, r.Body, bodyLimit(r))
	s.mux.ServeHTTP(sw, r)
}

func (s *server) logRequest(r *http.Request, in *reqInfo, status int, d time.Duration) {
	if !s.log.Enabled(r.Context(), slog.LevelDebug) {
		return
	}
	if status == 0 {
		status = http.StatusOK
	}
	s.log.LogAttrs(r.Context(), slog.LevelDebug, "api request",
		slog.String("method", r.Method), slog.String("route", in.pattern),
		slog.Int("status", status), slog.Duration("duration", d), slog.String("requestId", in.id))
}

// wrap turns a route into an http.Handler: it records the pattern and,
// unless the route is public, requires a session.
func (s *server) wrap(rt route) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		in := info(r)
		in.pattern = r.Pattern
		if rt.access != public {
			id, err := s.authenticate(w, r, rt.access == session)
			if err != nil {
				s.problem(w, r, err)
				return
			}
			in.identity = id
			if err := s.refuseBanned(r, rt); err != nil {
				s.problem(w, r, err)
				return
			}
		}
		if err := rt.handle(w, r); err != nil {
			s.problem(w, r, err)
		}
	})
}

var (
	errUnauthorized = apperr.New(apperr.Unauthorized, "Sign in to continue: your session is missing, expired or ended.")
	errCrossOrigin  = apperr.New(apperr.Forbidden, "This request came from another site.")
	errTooLarge     = apperr.New(apperr.TooLarge, "The request body is larger than 64 KiB.")
)

// authenticate verifies the request's session (cookie or Bearer). A
// cookie-authenticated unsafe request must come from our own origin (CSRF
// defence; Bearer tokens are never sent by a browser on its own). With
// renew, a cookie token in the second half of its life is replaced by a
// fresh one in a Set-Cookie, and the fresh identity is returned.
func (s *server) authenticate(w http.ResponseWriter, r *http.Request, renew bool) (auth.Identity, error) {
	token, fromCookie := httpx.Token(r)
	if token == "" {
		return auth.Identity{}, errUnauthorized
	}
	if fromCookie && unsafeMethod(r.Method) && !s.sameOrigin(r) {
		return auth.Identity{}, errCrossOrigin
	}
	id, err := s.auth.Verify(r.Context(), token)
	if errors.Is(err, auth.ErrUnauthorized) {
		if fromCookie {
			s.clearCookie(w, r) // a dead cookie is only noise from now on
		}
		return auth.Identity{}, errUnauthorized
	}
	if err != nil {
		return auth.Identity{}, err
	}
	if renew && fromCookie && s.auth.NeedsRenewal(id) {
		fresh, err := s.auth.Issue(id.UserID)
		if err != nil {
			// The old token still works: log, and try again next request.
			s.log.Error("api: renew token", "requestId", info(r).id, "err", err)
			return id, nil
		}
		s.setCookie(w, r, fresh)
		id = fresh
	}
	return id, nil
}

func unsafeMethod(m string) bool {
	return m != http.MethodGet && m != http.MethodHead && m != http.MethodOptions
}

// sameOrigin reports whether r comes from our origin, judged by its Origin
// header or, when a browser sent none, the origin of its Referer. A
// request with neither is not same-origin.
func (s *server) sameOrigin(r *http.Request) bool {
	if r.Header.Get("Origin") != "" {
		return s.proxies.SameOrigin(r, s.publicOrigin)
	}
	u, err := url.Parse(r.Header.Get("Referer"))
	if err != nil || u.Scheme == "" || u.Host == "" {
		return false
	}
	probe := r.Clone(r.Context())
	probe.Header.Set("Origin", u.Scheme+"://"+u.Host)
	return s.proxies.SameOrigin(probe, s.publicOrigin)
}

// secure reports whether cookies must be Secure: the public origin is
// HTTPS or, without one, the request came over HTTPS.
func (s *server) secure(r *http.Request) bool {
	if s.publicOrigin != "" {
		return strings.HasPrefix(strings.ToLower(s.publicOrigin), "https://")
	}
	return s.proxies.HTTPS(r)
}

// setCookie sends id's token as the session cookie, living as long as the token.
func (s *server) setCookie(w http.ResponseWriter, r *http.Request, id auth.Identity) {
	maxAge := int(id.ExpiresAt.Sub(s.now()) / time.Second)
	if maxAge <= 0 {
		maxAge = -1
	}
	http.SetCookie(w, &http.Cookie{
		Name: httpx.CookieName, Value: id.Token, Path: "/", MaxAge: maxAge,
		HttpOnly: true, SameSite: http.SameSiteLaxMode, Secure: s.secure(r),
	})
}

// clearCookie tells the browser to forget the session cookie.
func (s *server) clearCookie(w http.ResponseWriter, r *http.Request) {
	http.SetCookie(w, &http.Cookie{
		Name: httpx.CookieName, Value: "", Path: "/", MaxAge: -1,
		HttpOnly: true, SameSite: http.SameSiteLaxMode, Secure: s.secure(r),
	})
}

// unmatched answers a request no route matched: 405 with Allow when the
// path exists under other methods, else 404 for a signed-in caller and 401
// for anyone else (so the API's shape is not probed without a session).
func (s *server) unmatched(w http.ResponseWriter, r *http.Request) {
	info(r).pattern = r.Pattern
	if allow := s.allowed(r); len(allow) > 0 {
		w.Header().Set("Allow", strings.Join(allow, ", "))
		s.writeProblem(w, r, http.StatusMethodNotAllowed, &apperr.Error{
			Code: codeMethodNotAllowed, Message: "This endpoint takes " + orList(allow) + ".",
		})
		return
	}
	if _, err := s.authenticate(w, r, false); err != nil {
		s.problem(w, r, err)
		return
	}
	s.problem(w, r, apperr.New(apperr.NotFound, "There is no such API endpoint."))
}

// orList writes "A", "A or B", "A, B or C".
func orList(items []string) string {
	if len(items) == 1 {
		return items[0]
	}
	return strings.Join(items[:len(items)-1], ", ") + " or " + items[len(items)-1]
}

// probeMethods are the methods tried when building an Allow header.
var probeMethods = []string{http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodDelete, http.MethodPatch}

// allowed lists the methods some route accepts for r's path.
func (s *server) allowed(r *http.Request) []string {
	var out []string
	for _, m := range probeMethods {
		probe := &http.Request{Method: m, URL: r.URL, Host: r.Host, Header: http.Header{}}
		if _, p := s.mux.Handler(probe); p != "" && p != catchAll {
			out = append(out, m)
		}
	}
	return out
}

// statusWriter remembers the status written, for the log line and to know
// whether a panic can still be answered.
type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
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

// Unwrap lets http.ResponseController reach the underlying writer.
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// requestIDs makes request ids: a random per-process prefix and a counter,
// unique across instances without a random read per request.
type requestIDs struct {
	prefix string
	n      *atomic.Uint64
}

func newRequestIDs() requestIDs {
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	return requestIDs{prefix: hex.EncodeToString(b), n: new(atomic.Uint64)}
}

func (g requestIDs) next() string {
	return g.prefix + "-" + strconv.FormatUint(g.n.Add(1), 36)
}

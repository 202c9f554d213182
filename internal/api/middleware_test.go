package api

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/bodydouble/bodydouble/internal/testlog"
)

func TestBodyLimit(t *testing.T) {
	t.Parallel()
	eachBackend(t, func(t *testing.T, e *testEnv) {
		me := e.signup(t)
		big := `{"displayName":"` + strings.Repeat("x", 64<<10) + `"}`
		me.do(t, "PUT", "/api/users/profile", big).problem(t, http.StatusRequestEntityTooLarge, "too_large")

		// Without a Content-Length (chunked), the limit holds while reading.
		req, err := http.NewRequestWithContext(t.Context(), "PUT", e.url+"/api/users/profile", io.MultiReader(strings.NewReader(big)))
		if err != nil {
			t.Fatal(err)
		}
		req.ContentLength = -1
		req.Header.Set("Authorization", "Bearer "+me.token)
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(res.Body)
		res.Body.Close()
		response{method: "PUT", path: "chunked", status: res.StatusCode, header: res.Header, body: body}.problem(t, http.StatusRequestEntityTooLarge, "too_large")

		// Just under the limit is read (and judged on its content).
		under := `{"displayName":"` + strings.Repeat("x", 60<<10) + `"}`
		me.do(t, "PUT", "/api/users/profile", under).invalid(t, "displayName")
	})
}

func TestUnmatched(t *testing.T) {
	t.Parallel()
	eachBackend(t, func(t *testing.T, e *testEnv) {
		me := e.signup(t)
		anon := &client{base: e.url}
		for _, path := range []string{"/api/nope", "/api/rooms/", "/api/users", "/api/rooms/" + unknownID + "/kick"} {
			anon.do(t, "GET", path, nil).problem(t, http.StatusUnauthorized, "unauthorized")
			me.do(t, "GET", path, nil).problem(t, http.StatusNotFound, "not_found")
		}
		for path, allow := range map[string]string{
			"/api/rooms":                               "GET, HEAD, POST",
			"/api/rooms/" + unknownID:                  "GET, HEAD",
			"/api/rooms/" + unknownID + "/join":        "POST",
			"/api/users/profile":                       "GET, HEAD, PUT",
			"/api/sessions/" + unknownID:               "GET, HEAD, PUT",
			"/api/auth/anonymous":                      "POST",
			"/api/openapi.json":                        "GET, HEAD",
			"/api/sessions/" + unknownID + "/complete": "POST",
		} {
			for _, who := range []*client{anon, me} {
				res := who.do(t, "DELETE", path, nil)
				res.problem(t, http.StatusMethodNotAllowed, "method_not_allowed")
				if got := res.header.Get("Allow"); got != allow {
					t.Errorf("DELETE %s: Allow %q, want %q", path, got, allow)
				}
			}
		}
	})
}

func TestResponseHeaders(t *testing.T) {
	t.Parallel()
	eachBackend(t, func(t *testing.T, e *testEnv) {
		me := e.signup(t)
		a := me.do(t, "GET", "/api/rooms", nil).want(t, http.StatusOK)
		b := me.do(t, "GET", "/api/rooms", nil).want(t, http.StatusOK)
		if a.header.Get("Content-Type") != "application/json" || a.header.Get("Cache-Control") != "no-store" {
			t.Errorf("headers %v", a.header)
		}
		if a.header.Get("X-Request-Id") == "" || a.header.Get("X-Request-Id") == b.header.Get("X-Request-Id") {
			t.Errorf("request ids %q, %q", a.header.Get("X-Request-Id"), b.header.Get("X-Request-Id"))
		}
		// HEAD works wherever GET does.
		me.do(t, "HEAD", "/api/rooms", nil).want(t, http.StatusOK)
	})
}

// TestRateLimit runs on a fake clock: buckets refill only when it moves.
func TestRateLimit(t *testing.T) {
	t.Parallel()
	eachBackend(t, func(t *testing.T, e *testEnv) {
		base := e.instance(t, func(o *Options) { o.RateLimit = true })
		anon := &client{base: base}
		for i := range limitSignup.Burst {
			if res := anon.do(t, "POST", "/api/auth/anonymous", nil); res.status != http.StatusCreated {
				t.Fatalf("signup %d: %d %s", i, res.status, res.body)
			}
		}
		res := anon.do(t, "POST", "/api/auth/anonymous", nil)
		res.problem(t, http.StatusTooManyRequests, "rate_limited")
		if res.header.Get("Retry-After") != "1" {
			t.Errorf("Retry-After %q, want 1", res.header.Get("Retry-After"))
		}
		e.clock.Advance(time.Second)
		me := signupAt(t, base)

		// The overall bucket: full again after a second (the refused request
		// took nothing), less the sign-up just made; then 429 on any route.
		for range limitAll.Burst - 1 {
			me.do(t, "GET", "/api/rooms", nil).want(t, http.StatusOK)
		}
		res = me.do(t, "GET", "/api/rooms", nil)
		res.problem(t, http.StatusTooManyRequests, "rate_limited")
		if res.header.Get("Retry-After") != "1" {
			t.Errorf("Retry-After %q", res.header.Get("Retry-After"))
		}
		anon.do(t, "GET", "/api/openapi.json", nil).problem(t, http.StatusTooManyRequests, "rate_limited")
		e.clock.Advance(time.Second)
		for range 10 {
			me.do(t, "GET", "/api/rooms", nil).want(t, http.StatusOK)
		}
		me.do(t, "GET", "/api/rooms", nil).problem(t, http.StatusTooManyRequests, "rate_limited")
		// The default instance has no limits.
		for range limitAll.Burst + 1 {
			(&client{base: e.url}).do(t, "GET", "/api/openapi.json", nil).want(t, http.StatusOK)
		}
	})
}

func TestPanicAndLog(t *testing.T) {
	t.Parallel()
	var buf testlog.Buffer
	s := New(Options{Logger: slog.New(slog.NewJSONHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}))}).(*server)
	s.mux.Handle("GET /api/boom", s.wrap(route{method: "GET", path: "/api/boom", access: public, handle: func(http.ResponseWriter, *http.Request) error {
		panic("kaboom")
	}}))
	s.mux.Handle("GET /api/fail", s.wrap(route{method: "GET", path: "/api/fail", access: public, handle: func(http.ResponseWriter, *http.Request) error {
		return io.ErrUnexpectedEOF // any error that is not an *apperr.Error
	}}))
	srv := newHTTPServer(t, s)
	c := &client{base: srv, token: "secret-token-value"}
	res := c.do(t, "GET", "/api/boom", nil)
	p := res.problem(t, http.StatusInternalServerError, "internal")
	if strings.Contains(string(res.body), "kaboom") {
		t.Error("panic value leaked into the response")
	}
	res = c.do(t, "GET", "/api/fail", nil)
	p2 := res.problem(t, http.StatusInternalServerError, "internal")
	if strings.Contains(string(res.body), "unexpected EOF") {
		t.Error("error cause leaked into the response")
	}
	(&client{base: srv}).do(t, "GET", "/api/openapi.json", nil).want(t, http.StatusOK)

	log := buf.String()
	for _, want := range []string{`"err":"api: panic: kaboom\n`, `"requestId":"` + p.RequestID + `"`, `"requestId":"` + p2.RequestID + `"`, `"err":"unexpected EOF"`,
		`"route":"GET /api/openapi.json"`, `"route":"GET /api/fail"`, `"status":500`, `"status":200`, `"msg":"api request"`} {
		if !strings.Contains(log, want) {
			t.Errorf("log lacks %s:\n%s", want, log)
		}
	}
	if n := strings.Count(log, `"msg":"api request"`); n != 3 {
		t.Errorf("%d request lines for 3 requests", n)
	}
	for _, secret := range []string{"127.0.0.1", "secret-token-value"} {
		if strings.Contains(log, secret) {
			t.Errorf("log contains %q:\n%s", secret, log)
		}
	}
}

// newHTTPServer serves h at /api/ and returns its base URL.
func newHTTPServer(t *testing.T, h http.Handler) string {
	t.Helper()
	mux := http.NewServeMux()
	mux.Handle("/api/", h)
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv.URL
}

// TestEveryRouteNeedsSession: every route but the two public ones answers
// 401 without a session, whatever the body.
func TestEveryRouteNeedsSession(t *testing.T) {
	t.Parallel()
	eachBackend(t, func(t *testing.T, e *testEnv) {
		anon := &client{base: e.url}
		for _, rt := range New(Options{}).(*server).routes() {
			if rt.access == public {
				continue
			}
			path := strings.ReplaceAll(rt.path, "{id}", unknownID)
			anon.do(t, rt.method, path, `{}`).problem(t, http.StatusUnauthorized, "unauthorized")
			(&client{base: e.url, token: "nonsense"}).do(t, rt.method, path, `{}`).problem(t, http.StatusUnauthorized, "unauthorized")
		}
	})
}

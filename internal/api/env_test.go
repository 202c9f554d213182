package api

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/bodydouble/bodydouble/internal/auth"
	"github.com/bodydouble/bodydouble/internal/broker"
	"github.com/bodydouble/bodydouble/internal/moderation"
	"github.com/bodydouble/bodydouble/internal/openapicheck"
	"github.com/bodydouble/bodydouble/internal/rooms"
	"github.com/bodydouble/bodydouble/internal/safety"
	"github.com/bodydouble/bodydouble/internal/store"
	"github.com/bodydouble/bodydouble/internal/store/storetest"
	"github.com/bodydouble/bodydouble/internal/users"
	"github.com/bodydouble/bodydouble/internal/wire"
)

// testSecret signs the tokens of every test server.
const testSecret = "test-secret-0123456789-0123456789-abcdef"

// eachBackend runs f as a parallel subtest per store backend (SQLite
// always, PostgreSQL when BODYDOUBLE_TEST_DATABASE_URL is set).
func eachBackend(t *testing.T, f func(t *testing.T, e *testEnv)) {
	t.Helper()
	for _, b := range storetest.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			t.Parallel()
			f(t, newEnv(t, b))
		})
	}
}

// testEnv is one database with a fake clock, and any number of API
// instances on it.
type testEnv struct {
	store store.Store
	clock *fakeClock
	url   string // the first instance

	mu      sync.Mutex
	logouts []auth.Identity
}

// newEnv opens a fresh database of backend b, seeds the starter rooms and
// starts one API instance (rate limits off) on it.
func newEnv(t *testing.T, b storetest.Backend) *testEnv {
	t.Helper()
	e := &testEnv{store: b.Open(t), clock: &fakeClock{t: time.Date(2025, 3, 12, 9, 0, 0, 0, time.UTC)}}
	if err := e.store.SeedRooms(t.Context(), rooms.StarterRooms()); err != nil {
		t.Fatalf("seed rooms: %v", err)
	}
	e.url = e.instance(t, nil)
	return e
}

// instance starts another API instance on e's database, with its own
// services and broker, as a second server process would have, and
// returns its base URL. configure may change the options.
func (e *testEnv) instance(t *testing.T, configure func(*Options)) string {
	t.Helper()
	br := broker.NewMemory()
	t.Cleanup(func() { br.Close() })
	authSvc, err := auth.NewService(e.store, testSecret, e.clock.Now)
	if err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelWarn}))
	roomsSvc := rooms.New(rooms.Options{Store: e.store, Broker: br, Logger: log, Now: e.clock.Now})
	o := Options{
		Auth:       authSvc,
		Rooms:      roomsSvc,
		Moderation: moderation.New(moderation.Options{Store: e.store, Rooms: roomsSvc, Broker: br, Logger: log, Now: e.clock.Now}),
		Users:      users.New(e.store, e.clock.Now),
		Safety:     safety.New(safety.Options{Store: e.store, Rooms: roomsSvc, Logger: log, Now: e.clock.Now}),
		Logger:     log,
		Now:        e.clock.Now,
		OnLogout:   e.recordLogout,
	}
	if configure != nil {
		configure(&o)
	}
	mux := http.NewServeMux()
	// Every exchange is checked against openapi.json; the report comes
	// after srv.Close (registered below, so its cleanup runs first).
	mux.Handle("/api/", openapicheck.Wrap(t, checkedDoc(t), New(o)))
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv.URL
}

func (e *testEnv) recordLogout(_ context.Context, id auth.Identity) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.logouts = append(e.logouts, id)
}

// signup creates an anonymous user on e's first instance and returns a
// client that sends its token as a Bearer header.
func (e *testEnv) signup(t *testing.T) *client {
	t.Helper()
	return signupAt(t, e.url)
}

func signupAt(t *testing.T, base string) *client {
	t.Helper()
	res := (&client{base: base}).do(t, "POST", "/api/auth/anonymous", nil)
	res.want(t, http.StatusCreated)
	var a struct {
		Token string    `json:"token"`
		User  wire.User `json:"user"`
	}
	res.decode(t, &a)
	return &client{base: base, token: a.Token, userID: a.User.ID}
}

// fakeClock is a settable clock shared by every service of an env.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// client calls one API instance as one person.
type client struct {
	base   string
	token  string
	userID string
	// cookie sends the token as the bd_session cookie (with a same-origin
	// Origin header) instead of a Bearer header.
	cookie bool
}

// asCookie returns a copy of c that authenticates by cookie.
func (c *client) asCookie() *client {
	cc := *c
	cc.cookie = true
	return &cc
}

// at returns a copy of c that talks to another instance.
func (c *client) at(base string) *client {
	cc := *c
	cc.base = base
	return &cc
}

// do sends a request. body is nil (no body), a string (sent as is) or a
// value sent as JSON. header is pairs of name, value.
func (c *client) do(t *testing.T, method, path string, body any, header ...string) response {
	t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	default:
		j, err := json.Marshal(b)
		if err != nil {
			t.Fatal(err)
		}
		rd = bytes.NewReader(j)
	}
	req, err := http.NewRequestWithContext(t.Context(), method, c.base+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	if rd != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if c.token != "" {
		if c.cookie {
			req.AddCookie(&http.Cookie{Name: "bd_session", Value: c.token})
			req.Header.Set("Origin", c.base)
		} else {
			req.Header.Set("Authorization", "Bearer "+c.token)
		}
	}
	for i := 0; i+1 < len(header); i += 2 {
		if header[i+1] == "" {
			req.Header.Del(header[i])
		} else {
			req.Header.Set(header[i], header[i+1])
		}
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatalf("%s %s: read body: %v", method, path, err)
	}
	return response{method: method, path: path, status: res.StatusCode, header: res.Header, body: b, cookies: res.Cookies()}
}

// response is a finished response, read completely.
type response struct {
	method, path string
	status       int
	header       http.Header
	body         []byte
	cookies      []*http.Cookie
}

// want fails the test unless the status is status.
func (r response) want(t *testing.T, status int) response {
	t.Helper()
	if r.status != status {
		t.Fatalf("%s %s: status %d, want %d; body %s", r.method, r.path, r.status, status, r.body)
	}
	return r
}

// decode reads the JSON body into v.
func (r response) decode(t *testing.T, v any) {
	t.Helper()
	if err := json.Unmarshal(r.body, v); err != nil {
		t.Fatalf("%s %s: decode %s: %v", r.method, r.path, r.body, err)
	}
}

// problem checks that r is a problem document with status and code, and returns it.
func (r response) problem(t *testing.T, status int, code string) wire.Problem {
	t.Helper()
	r.want(t, status)
	if ct := r.header.Get("Content-Type"); ct != "application/problem+json" {
		t.Fatalf("%s %s: Content-Type %q, want application/problem+json", r.method, r.path, ct)
	}
	var p wire.Problem
	r.decode(t, &p)
	if p.Code != code || p.Status != status || p.Type != "about:blank" || p.Title != http.StatusText(status) || p.Message == "" {
		t.Fatalf("%s %s: problem %+v, want status %d code %q", r.method, r.path, p, status, code)
	}
	if p.RequestID == "" || p.RequestID != r.header.Get("X-Request-Id") {
		t.Fatalf("%s %s: requestId %q, X-Request-Id %q", r.method, r.path, p.RequestID, r.header.Get("X-Request-Id"))
	}
	return p
}

// invalid checks that r is a 400 invalid naming field.
func (r response) invalid(t *testing.T, field string) wire.Problem {
	t.Helper()
	p := r.problem(t, http.StatusBadRequest, "invalid")
	for _, f := range p.Errors {
		if f.Field == field {
			return p
		}
	}
	t.Fatalf("%s %s: errors %+v do not name %q", r.method, r.path, p.Errors, field)
	return p
}

// cookie returns the Set-Cookie of the session cookie, or nil.
func (r response) cookie() *http.Cookie {
	for _, c := range r.cookies {
		if c.Name == "bd_session" {
			return c
		}
	}
	return nil
}

// scenario is one request and the answer it must get.
type scenario struct {
	name   string
	method string
	path   string
	body   any
	status int
	code   string // problem code, for errors
	field  string // for invalid: a field the problem must name
}

// run sends every scenario as c (nil: without a session).
func runScenarios(t *testing.T, base string, c *client, scenarios []scenario) {
	t.Helper()
	if c == nil {
		c = &client{base: base}
	}
	for _, sc := range scenarios {
		t.Run(sc.name, func(t *testing.T) {
			res := c.do(t, sc.method, sc.path, sc.body)
			switch {
			case sc.field != "":
				res.invalid(t, sc.field)
			case sc.code != "":
				res.problem(t, sc.status, sc.code)
			default:
				res.want(t, sc.status)
			}
		})
	}
}

// jsonRaw is an undecoded part of a response.
type jsonRaw = json.RawMessage

func decodeRaw(t *testing.T, raw jsonRaw, v any) {
	t.Helper()
	if err := json.Unmarshal(raw, v); err != nil {
		t.Fatalf("decode %s: %v", raw, err)
	}
}

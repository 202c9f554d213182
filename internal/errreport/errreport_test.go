package errreport

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/bodydouble/bodydouble/internal/httpx"
)

// sentryServer accepts envelopes as Sentry's ingest does
// (POST /api/<project>/envelope/) and keeps the events and the raw bodies.
type sentryServer struct {
	*httptest.Server
	mu     sync.Mutex
	events []map[string]any
	raw    []string
	got    chan struct{}
}

func newSentry(t *testing.T) *sentryServer {
	s := &sentryServer{got: make(chan struct{}, 100)}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != "POST" || r.URL.Path != "/api/42/envelope/" {
			t.Errorf("sentry got %s %s", r.Method, r.URL.Path)
			http.NotFound(w, r)
			return
		}
		body, _ := io.ReadAll(r.Body)
		sc := bufio.NewScanner(bytes.NewReader(body))
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		sc.Scan() // the envelope's header
		for sc.Scan() {
			var item struct {
				Type string `json:"type"`
			}
			if err := json.Unmarshal(sc.Bytes(), &item); err != nil {
				t.Errorf("item header %q: %v", sc.Text(), err)
				return
			}
			if !sc.Scan() {
				t.Errorf("item without payload")
				return
			}
			if item.Type != "event" {
				continue
			}
			var ev map[string]any
			if err := json.Unmarshal(sc.Bytes(), &ev); err != nil {
				t.Errorf("event %q: %v", sc.Text(), err)
				return
			}
			s.mu.Lock()
			s.events = append(s.events, ev)
			s.raw = append(s.raw, string(body))
			s.mu.Unlock()
			s.got <- struct{}{}
		}
		w.WriteHeader(http.StatusOK)
	}))
	t.Cleanup(s.Close)
	return s
}

func (s *sentryServer) dsn() string {
	return strings.Replace(s.URL, "http://", "http://publickey@", 1) + "/42"
}

// next waits for the next event.
func (s *sentryServer) next(t *testing.T) (map[string]any, string) {
	t.Helper()
	select {
	case <-s.got:
	case <-time.After(30 * time.Second):
		t.Fatal("no event reached the Sentry server")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	ev, raw := s.events[0], s.raw[0]
	s.events, s.raw = s.events[1:], s.raw[1:]
	return ev, raw
}

func tag(ev map[string]any, k string) string {
	tags, _ := ev["tags"].(map[string]any)
	v, _ := tags[k].(string)
	return v
}

// The secrets of a request that must never reach a report.
const (
	token  = "tok-SECRET-0123456789"
	goal   = "Write to my sister Philippa"
	client = "198.51.100.23"
)

func request(t *testing.T, base, method, path string) *http.Response {
	t.Helper()
	req, _ := http.NewRequest(method, base+path+"?q="+token, strings.NewReader(`{"goal":"`+goal+`"}`))
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("X-Forwarded-For", client)
	req.AddCookie(&http.Cookie{Name: httpx.CookieName, Value: token})
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	return res
}

// clean checks the whole envelope for the request's secrets, and the
// event for the peer's address (the envelope's header names the Sentry
// server's, also on loopback).
func clean(t *testing.T, raw string, ev map[string]any) {
	t.Helper()
	for _, s := range []string{token, goal, client, "Philippa", "Cookie", "Authorization"} {
		if strings.Contains(raw, s) {
			t.Errorf("the report holds %q:\n%s", s, raw)
		}
	}
	if b, _ := json.Marshal(ev); strings.Contains(string(b), "127.0.0.1") {
		t.Errorf("the event holds the peer's address: %s", b)
	}
}

func TestReports(t *testing.T) {
	sentry := newSentry(t)
	rep, err := New(Options{DSN: sentry.dsn(), Environment: "test", Release: "bd@1.2.3"})
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /api/boom/{id}", func(http.ResponseWriter, *http.Request) { panic("the handler broke") })
	mux.HandleFunc("GET /api/fail/{id}", func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "down", http.StatusServiceUnavailable)
	})
	lg := rep.Logger(slog.New(slog.NewTextHandler(io.Discard, nil)))
	mux.HandleFunc("GET /api/recovered/{id}", func(w http.ResponseWriter, r *http.Request) {
		// As the API does with a panic it recovers: log it, answer 500.
		lg.Error("api: internal error", "requestId", httpx.RequestID(r.Context()),
			"err", errors.New("api: panic: kaboom\ngoroutine 7 [running]:\nmain.f()"))
		http.Error(w, "internal", http.StatusInternalServerError)
	})
	mux.HandleFunc("GET /api/fine", func(w http.ResponseWriter, r *http.Request) {})
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusServiceUnavailable) })
	patterns := []string{"POST /api/boom/{id}", "GET /api/fail/{id}", "GET /api/recovered/{id}", "GET /api/fine", "GET /readyz"}
	srv := httptest.NewServer(httpx.AccessLog{Off: true}.Handler(rep.Middleware(patterns, []string{"GET /readyz"}, mux)))
	srv.Config.ErrorLog = log.New(io.Discard, "", 0) // the panic's trace
	defer srv.Close()

	// A panic: net/http closes the connection, the report has the stack.
	req, _ := http.NewRequest("POST", srv.URL+"/api/boom/123?q="+token, strings.NewReader(goal))
	req.Header.Set("Authorization", "Bearer "+token)
	if res, err := http.DefaultClient.Do(req); err == nil {
		res.Body.Close()
		t.Fatalf("a panic answered %d", res.StatusCode)
	}
	ev, raw := sentry.next(t)
	if ev["release"] != "bd@1.2.3" || ev["environment"] != "test" || ev["level"] != "fatal" ||
		tag(ev, "route") != "POST /api/boom/{id}" || tag(ev, "requestId") == "" || !strings.Contains(raw, "the handler broke") {
		t.Errorf("panic event: %s", raw)
	}
	clean(t, raw, ev)

	// A 5xx answer, with the request id the client saw.
	res := request(t, srv.URL, "GET", "/api/fail/456")
	ev, raw = sentry.next(t)
	if tag(ev, "requestId") != res.Header.Get("X-Request-Id") || tag(ev, "status") != "503" ||
		tag(ev, "route") != "GET /api/fail/{id}" || ev["message"] != "HTTP 503 GET /api/fail/{id}" || ev["release"] != "bd@1.2.3" {
		t.Errorf("5xx event: %s", raw)
	}
	clean(t, raw, ev)

	// A panic the handler recovered and logged: its 500 names it.
	res = request(t, srv.URL, "GET", "/api/recovered/9")
	ev, raw = sentry.next(t)
	if tag(ev, "requestId") != res.Header.Get("X-Request-Id") || !strings.Contains(raw, "HTTP 500 GET /api/recovered/{id}: api: internal error: api: panic: kaboom") ||
		strings.Contains(raw, "goroutine 7") {
		t.Errorf("recovered panic event: %s", raw)
	}
	clean(t, raw, ev)

	// A fine answer and a quiet route's 503 send nothing; the client
	// error after them comes next.
	request(t, srv.URL, "GET", "/api/fine")
	if res := request(t, srv.URL, "GET", "/readyz"); res.StatusCode != 503 {
		t.Fatalf("readyz %d", res.StatusCode)
	}
	ctx := httpx.WithRequestID(context.Background(), "req-77")
	rep.Client(ctx, ClientError{Message: "TypeError: x is undefined", Stack: "at f (/assets/index-abc.js:1:2)", Route: "/room/:id", Release: "web-9", Kind: "error"})
	ev, raw = sentry.next(t)
	if ev["message"] != "TypeError: x is undefined" || tag(ev, "requestId") != "req-77" || tag(ev, "source") != "web" ||
		tag(ev, "route") != "/room/:id" || ev["release"] != "bd@1.2.3" || !strings.Contains(raw, "index-abc.js") {
		t.Errorf("client event: %s", raw)
	}
	clean(t, raw, ev)

	rep.Error(context.Background(), errors.New("retention: batch failed"), map[string]string{"job": "retention"})
	ev, raw = sentry.next(t)
	if tag(ev, "job") != "retention" || !strings.Contains(raw, "batch failed") {
		t.Errorf("job event: %s", raw)
	}
	if !rep.Flush(10 * time.Second) {
		t.Error("flush timed out")
	}
	select {
	case <-sentry.got:
		t.Error("an event more than was reported (the 200 answer?)")
	default:
	}
}

func TestOff(t *testing.T) {
	rep, err := New(Options{})
	if err != nil || rep != nil {
		t.Fatalf("%v %v", rep, err)
	}
	h := http.NotFoundHandler()
	if got := rep.Middleware(nil, nil, h); got == nil {
		t.Fatal("nil handler")
	}
	rep.Client(context.Background(), ClientError{Message: "x"}) // no panic on nil
	rep.Error(context.Background(), errors.New("x"), nil)
	if _, err := New(Options{DSN: "not a dsn"}); err == nil {
		t.Fatal("a bad DSN was accepted")
	}
}

package app

// Error reports of the whole app: with --sentry-dsn, a 5xx answer (the
// database cut) and a report of the web app reach a Sentry server in the
// test, with the release and the request id the client saw, and without
// the token, cookie or text of the request.

import (
	"bufio"
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/bodydouble/bodydouble/internal/config"
	"github.com/bodydouble/bodydouble/internal/errreport"
	"github.com/bodydouble/bodydouble/internal/store/storetest"
)

// envelopes is a Sentry ingest endpoint that passes on each event.
func envelopes(t *testing.T) (dsn string, events chan map[string]any, raws chan string) {
	events, raws = make(chan map[string]any, 100), make(chan string, 100)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/api/7/envelope/" {
			t.Errorf("sentry got %s", r.URL.Path)
			return
		}
		body, _ := io.ReadAll(r.Body)
		sc := bufio.NewScanner(bytes.NewReader(body))
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		sc.Scan()
		for sc.Scan() {
			var item struct{ Type string }
			_ = json.Unmarshal(sc.Bytes(), &item)
			if !sc.Scan() {
				break
			}
			if item.Type == "event" {
				var ev map[string]any
				if err := json.Unmarshal(sc.Bytes(), &ev); err != nil {
					t.Errorf("event: %v", err)
				}
				events <- ev
				raws <- sc.Text()
			}
		}
	}))
	t.Cleanup(srv.Close)
	return strings.Replace(srv.URL, "http://", "http://k@", 1) + "/7", events, raws
}

func nextEvent(t *testing.T, events chan map[string]any, raws chan string) (map[string]any, string) {
	t.Helper()
	select {
	case ev := <-events:
		return ev, <-raws
	case <-time.After(faultLimit):
		t.Fatal("no event reached Sentry")
	}
	return nil, ""
}

func TestSentryReports(t *testing.T) {
	dbURL := storetest.PostgresURL(t)
	pg, pgURL := proxied(t, dbURL)
	dsn, events, raws := envelopes(t)
	a, _, _ := startApp(t, func(c *config.Config) {
		c.DatabaseURL, c.SentryDSN, c.Environment = pgURL, dsn, "staging"
		c.TURNAddr = config.TURNOff
	})
	s := signUp(t, a)
	tags := func(ev map[string]any) map[string]any { m, _ := ev["tags"].(map[string]any); return m }
	secrets := []string{s.token, "Margarethe", "127.0.0.1"}

	// The web app's report, sent with a session and a cookie.
	body := `{"kind":"error","message":"TypeError: Margarethe is not a function","route":"/room/:id"}`
	req, _ := http.NewRequest("POST", s.base+"/api/client-errors", strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+s.token)
	req.AddCookie(&http.Cookie{Name: "bd_session", Value: s.token})
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusNoContent {
		t.Fatalf("client-errors: %d", res.StatusCode)
	}
	ev, raw := nextEvent(t, events, raws)
	if tags(ev)["requestId"] != res.Header.Get("X-Request-Id") || tags(ev)["source"] != "web" ||
		ev["release"] != errreport.Release() || ev["environment"] != "staging" || !strings.Contains(raw, "is not a function") {
		t.Errorf("client event: %s", raw)
	}
	// The message is the report; the request's token is not in it.
	for _, secret := range secrets[0:1] {
		if strings.Contains(raw, secret) {
			t.Errorf("client event holds %q", secret)
		}
	}

	// A 5xx: the database is gone.
	pg.Cut()
	deadline := time.Now().Add(faultLimit)
	for {
		res = s.call(t, "GET", "/api/auth/session")
		res.Body.Close()
		if res.StatusCode >= 500 || time.Now().After(deadline) {
			break
		}
	}
	if res.StatusCode < 500 {
		t.Fatalf("no 5xx with the database cut: %d", res.StatusCode)
	}
	for {
		ev, raw = nextEvent(t, events, raws)
		if tags(ev)["requestId"] == res.Header.Get("X-Request-Id") {
			break
		}
	}
	if tags(ev)["route"] != "GET /api/auth/session" || ev["release"] != errreport.Release() {
		t.Errorf("5xx event: %s", raw)
	}
	for _, secret := range secrets {
		if strings.Contains(raw, secret) {
			t.Errorf("5xx event holds %q: %s", secret, raw)
		}
	}
	pg.Restore()
}

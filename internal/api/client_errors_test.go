package api

import (
	"context"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/bodydouble/bodydouble/internal/errreport"
	"github.com/bodydouble/bodydouble/internal/store/storetest"
)

// TestClientErrors: a report is checked, scrubbed, handed on and answered
// 204; a bad one changes nothing; the size and the rate are limited.
func TestClientErrors(t *testing.T) {
	t.Parallel()
	e := newEnv(t, storetest.Backends()[0])
	var mu sync.Mutex
	var got []errreport.ClientError
	url := e.instance(t, func(o *Options) {
		o.RateLimit = true
		o.ClientErrors = func(_ context.Context, ce errreport.ClientError) {
			mu.Lock()
			defer mu.Unlock()
			got = append(got, ce)
		}
	})
	c := &client{base: url}
	const token = "eyJhbGciOiJIUzI1NiJ9abcdefghijklmnop"
	c.do(t, "POST", "/api/client-errors", map[string]any{
		"kind":    "api",
		"message": "GET /api/rooms/0b9a7c1e-8f7d-4c1a-9a0e-2d4c6b8a1f3e failed for mary@example.org with " + token,
		"stack":   "load@https://focus.example.org/assets/index-abc.js?token=" + token + ":1:2",
		"route":   "/room/0b9a7c1e-8f7d-4c1a-9a0e-2d4c6b8a1f3e",
		"release": "abc123",
	}).want(t, http.StatusNoContent)
	mu.Lock()
	if len(got) != 1 {
		t.Fatalf("reports handed on: %d", len(got))
	}
	r := got[0]
	mu.Unlock()
	all := r.Message + r.Stack + r.Route + r.Release
	for _, secret := range []string{token, "mary@example.org", "0b9a7c1e", "?token"} {
		if strings.Contains(all, secret) {
			t.Errorf("the report holds %q: %+v", secret, r)
		}
	}
	if r.Kind != "api" || r.Route != "/room/:id" || r.Release != "abc123" || !strings.Contains(r.Message, "GET /api/rooms/:id failed") ||
		!strings.Contains(r.Stack, "https://focus.example.org/assets/index-abc.js") {
		t.Errorf("report %+v", r)
	}

	for _, bad := range []struct {
		body  map[string]any
		field string
	}{
		{map[string]any{"kind": "warning", "message": "x"}, "kind"},
		{map[string]any{"kind": "error", "message": " "}, "message"},
		{map[string]any{"kind": "error", "message": strings.Repeat("x", 1001)}, "message"},
		{map[string]any{"kind": "error", "message": "x", "route": "https://evil.example/"}, "route"},
	} {
		c.do(t, "POST", "/api/client-errors", bad.body).invalid(t, bad.field)
	}
	c.do(t, "POST", "/api/client-errors", `{"kind":"error","message":"x","stack":"`+strings.Repeat("s", 9<<10)+`"}`).
		problem(t, http.StatusRequestEntityTooLarge, "too_large")
	mu.Lock()
	if len(got) != 1 {
		t.Errorf("refused reports were handed on: %d", len(got))
	}
	mu.Unlock()

	// 10 a minute per address: the first report and the refused ones
	// above count, so a few more fill it.
	var last response
	for range 10 {
		last = c.do(t, "POST", "/api/client-errors", map[string]any{"kind": "error", "message": "again"})
		if last.status == http.StatusTooManyRequests {
			break
		}
	}
	last.problem(t, http.StatusTooManyRequests, "rate_limited")
}

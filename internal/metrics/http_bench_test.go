package metrics

import (
	"net/http"
	"net/http/httptest"
	"testing"
	"time"
)

// BenchmarkMiddleware is what Middleware adds to one request: the route
// match, the counter and the histogram (the handler does nothing).
func BenchmarkMiddleware(b *testing.B) {
	patterns := []string{"GET /api/rooms", "POST /api/rooms", "GET /api/rooms/{id}", "POST /api/rooms/{id}/join", "POST /api/sessions"}
	h := New(Sources{}).Middleware(patterns, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	req := httptest.NewRequest("GET", "/api/rooms", nil)
	w := httptest.NewRecorder()
	b.ReportAllocs()
	for b.Loop() {
		h.ServeHTTP(w, req)
	}
}

// BenchmarkObserver is one frame counted and one fan-out observed.
func BenchmarkObserver(b *testing.B) {
	m := New(Sources{})
	b.ReportAllocs()
	for b.Loop() {
		m.FrameIn("update-presence")
		m.FanOut("presence-updated", 8, time.Millisecond)
	}
}

package api

import (
	"net/http"
	"testing"

	"github.com/bodydouble/bodydouble/internal/metrics"
)

// BenchmarkListRoomsMetrics is BenchmarkListRooms with the request
// metrics on and off, alternating in one process (docs/performance.md,
// "Metrics"): the cost of counting and timing each request by route.
func BenchmarkListRoomsMetrics(b *testing.B) {
	eachBenchBackend(b, func(b *testing.B, a *benchAPI) {
		viewer := a.lobby(b)
		plain := a.h
		on := &benchAPI{h: metrics.New(metrics.Sources{}).Middleware(Patterns(), plain)}
		for _, c := range []struct {
			name string
			a    *benchAPI
		}{{"off", a}, {"on", on}, {"off-again", a}, {"on-again", on}} {
			b.Run(c.name, func(b *testing.B) {
				for b.Loop() {
					c.a.do(b, "GET", "/api/rooms", viewer, nil, http.StatusOK, nil)
				}
			})
		}
	})
}

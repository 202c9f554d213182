package api

// The lobby at scale: GET /api/rooms with 10,000 rooms in the database, on
// both databases (PostgreSQL when BODYDOUBLE_TEST_DATABASE_URL is set),
// through the whole handler without the network. Each request is timed on
// its own and the benchmark reports the median and the 99th percentile;
// it measures and never asserts a time. docs/performance.md "The lobby at
// 10,000 rooms" has the numbers:
//
//	go test -run '^$' -bench BenchmarkLobby10k -benchtime 2000x ./internal/api/

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"testing"
	"time"

	"github.com/bodydouble/bodydouble/internal/model"
	"github.com/bodydouble/bodydouble/internal/store"
	"github.com/bodydouble/bodydouble/internal/store/storetest"
)

const (
	lobbyRooms     = 10_000
	lobbyBusyRooms = 300 // rooms with people, 1 to 4 each
)

// seedLobby puts lobbyRooms rooms into a's database, one category after
// another, the newest last, and people into lobbyBusyRooms of them spread
// over the whole list.
func seedLobby(b *testing.B, a *benchAPI, st store.Store) {
	list := make([]model.Room, lobbyRooms)
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := range list {
		list[i] = model.Room{
			Name: fmt.Sprintf("Room %d", i), Category: model.Categories[i%len(model.Categories)],
			MaxCapacity: 8, MicPolicy: "muted", IsActive: true, TimerControl: model.TimerOwner,
			CreatedAt: start.Add(time.Duration(i) * time.Second),
		}
	}
	if err := st.SeedRooms(context.Background(), list); err != nil {
		b.Fatal(err)
	}
	viewer := a.signup(b)
	var page struct {
		Rooms []struct {
			ID string `json:"id"`
		} `json:"rooms"`
		NextCursor *string `json:"nextCursor"`
	}
	var ids []string
	for path := "/api/rooms?limit=100"; ; {
		a.do(b, "GET", path, viewer, nil, http.StatusOK, &page)
		for _, r := range page.Rooms {
			ids = append(ids, r.ID)
		}
		if page.NextCursor == nil {
			break
		}
		path = "/api/rooms?limit=100&cursor=" + *page.NextCursor
	}
	step := len(ids) / lobbyBusyRooms
	for i := range lobbyBusyRooms {
		for range 1 + i%4 {
			a.do(b, "POST", "/api/rooms/"+ids[i*step]+"/join", a.signup(b), nil, http.StatusOK, nil)
		}
	}
}

// cursorAt follows nextCursor from path for pages pages and returns the
// cursor of the page after them.
func cursorAt(b *testing.B, a *benchAPI, token, path string, pages int) string {
	var page struct {
		NextCursor *string `json:"nextCursor"`
	}
	cursor := ""
	for range pages {
		p := path
		if cursor != "" {
			p += "&cursor=" + cursor
		}
		a.do(b, "GET", p, token, nil, http.StatusOK, &page)
		if page.NextCursor == nil {
			b.Fatalf("%s: only %d pages", path, pages)
		}
		cursor = *page.NextCursor
	}
	return cursor
}

// BenchmarkLobby10k is the lobby's GET /api/rooms (100 rooms a page) at
// 10,000 rooms: the first page and page 51 (rooms 5,001 to 5,100), by
// people and in the created order, with the page cache (repeated requests,
// nothing changed: on SQLite the store's list cache answers too) and
// without it (emptied before each request; on SQLite a write before each
// request also empties the store's list cache, so the query runs).
func BenchmarkLobby10k(b *testing.B) {
	for _, be := range storetest.Backends() {
		b.Run(be.Name, func(b *testing.B) {
			st := be.Open(b)
			a := newBenchAPIOn(b, st)
			seedLobby(b, a, st)
			viewer := a.signup(b)
			srv := a.h.(*server)
			for _, order := range []string{"people", "created"} {
				base := "/api/rooms?limit=100&order=" + order
				deep := base + "&cursor=" + cursorAt(b, a, viewer, base, 50)
				for _, q := range []struct{ name, path string }{{"first", base}, {"page51", deep}} {
					for _, cached := range []bool{true, false} {
						name := fmt.Sprintf("%s/%s/pagecache=%v", order, q.name, cached)
						b.Run(name, func(b *testing.B) {
							lobbyLatency(b, a, srv, viewer, q.path, cached)
						})
					}
				}
			}
		})
	}
}

// lobbyLatency times each GET of path and reports p50 and p99 in µs.
// Without the cache, the page cache is emptied and (on SQLite, whose store
// caches lists until any write) a user is created before each request,
// outside the timing.
func lobbyLatency(b *testing.B, a *benchAPI, srv *server, token, path string, cached bool) {
	var times []time.Duration
	for b.Loop() {
		if !cached {
			b.StopTimer()
			srv.pages.mu.Lock()
			srv.pages.pages = nil
			srv.pages.mu.Unlock()
			a.signup(b)
			b.StartTimer()
		}
		req := httptest.NewRequest("GET", path, nil)
		req.RemoteAddr = "127.0.0.1:40000"
		req.Header.Set("Authorization", "Bearer "+token)
		rec := httptest.NewRecorder()
		t0 := time.Now()
		a.h.ServeHTTP(rec, req)
		times = append(times, time.Since(t0))
		if rec.Code != http.StatusOK {
			b.Fatalf("GET %s: %d %s", path, rec.Code, rec.Body.Bytes())
		}
	}
	slices.Sort(times)
	pct := func(p float64) float64 {
		return float64(times[min(len(times)-1, int(p*float64(len(times))))].Microseconds())
	}
	b.ReportMetric(pct(0.50), "p50-µs")
	b.ReportMetric(pct(0.99), "p99-µs")
}

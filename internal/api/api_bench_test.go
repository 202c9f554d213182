package api

// Benchmarks of the REST hot paths through the whole handler (middleware,
// session check, domain service, store) on both databases (PostgreSQL when
// BODYDOUBLE_TEST_DATABASE_URL is set), without the network: each request
// is served into an httptest.ResponseRecorder. They measure; they never
// assert a time. docs/performance.md has the numbers and the wrk runs:
//
//	go test -run '^$' -bench . -benchmem ./internal/api/

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/bodydouble/bodydouble/internal/auth"
	"github.com/bodydouble/bodydouble/internal/broker"
	"github.com/bodydouble/bodydouble/internal/rooms"
	"github.com/bodydouble/bodydouble/internal/store"
	"github.com/bodydouble/bodydouble/internal/store/storetest"
	"github.com/bodydouble/bodydouble/internal/users"
)

// benchAPI is one API handler on a fresh database of one backend.
type benchAPI struct {
	h http.Handler
}

func newBenchAPI(b *testing.B, be storetest.Backend) *benchAPI {
	return newBenchAPIOn(b, be.Open(b))
}

// newBenchAPIOn is newBenchAPI on a store the benchmark may also write to.
func newBenchAPIOn(b *testing.B, st store.Store) *benchAPI {
	if err := st.SeedRooms(context.Background(), rooms.StarterRooms()); err != nil {
		b.Fatal(err)
	}
	br := broker.NewMemory()
	b.Cleanup(func() { br.Close() })
	authSvc, err := auth.NewService(st, testSecret, nil)
	if err != nil {
		b.Fatal(err)
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	return &benchAPI{h: New(Options{
		Auth: authSvc, Rooms: rooms.New(rooms.Options{Store: st, Broker: br, Logger: log}),
		Users: users.New(st, nil), Logger: log,
	})}
}

// do serves one request and fails unless it answers want; out, if not
// nil, receives the JSON body.
func (a *benchAPI) do(b *testing.B, method, path, token string, body any, want int, out any) {
	var rd io.Reader
	if body != nil {
		j, err := json.Marshal(body)
		if err != nil {
			b.Fatal(err)
		}
		rd = bytes.NewReader(j)
	}
	req := httptest.NewRequest(method, path, rd)
	req.RemoteAddr = "127.0.0.1:40000"
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	rec := httptest.NewRecorder()
	a.h.ServeHTTP(rec, req)
	if rec.Code != want {
		b.Fatalf("%s %s: %d, want %d: %s", method, path, rec.Code, want, rec.Body.Bytes())
	}
	if out != nil {
		if err := json.Unmarshal(rec.Body.Bytes(), out); err != nil {
			b.Fatal(err)
		}
	}
}

type benchUser struct {
	Token string `json:"token"`
}

func (a *benchAPI) signup(b *testing.B) string {
	var u benchUser
	a.do(b, "POST", "/api/auth/anonymous", "", nil, http.StatusCreated, &u)
	return u.Token
}

func (a *benchAPI) room(b *testing.B, token string) string {
	var r struct {
		ID string `json:"id"`
	}
	a.do(b, "POST", "/api/rooms", token, map[string]any{"name": "Bench", "category": "study"}, http.StatusCreated, &r)
	return r.ID
}

func eachBenchBackend(b *testing.B, f func(b *testing.B, a *benchAPI)) {
	for _, be := range storetest.Backends() {
		b.Run(be.Name, func(b *testing.B) { f(b, newBenchAPI(b, be)) })
	}
}

// BenchmarkCreateUser is POST /api/auth/anonymous: a new user and a signed token.
func BenchmarkCreateUser(b *testing.B) {
	eachBenchBackend(b, func(b *testing.B, a *benchAPI) {
		for b.Loop() {
			a.signup(b)
		}
	})
}

// seatFiller hands out fresh users and a room with a seat for each: rooms
// of 8 fill up one after another.
type seatFiller struct {
	room string
	n    int
}

func (f *seatFiller) next(b *testing.B, a *benchAPI) (token, room string) {
	token = a.signup(b)
	if f.n%8 == 0 {
		f.room = a.room(b, token)
	}
	f.n++
	return token, f.room
}

// BenchmarkJoinRoom is POST /api/rooms/{id}/join by a fresh user; rooms of
// 8 fill up one after another. Users and rooms are made outside the timer.
func BenchmarkJoinRoom(b *testing.B) {
	eachBenchBackend(b, func(b *testing.B, a *benchAPI) {
		var seats seatFiller
		for b.Loop() {
			b.StopTimer()
			tok, room := seats.next(b, a)
			b.StartTimer()
			a.do(b, "POST", "/api/rooms/"+room+"/join", tok, nil, http.StatusOK, nil)
		}
	})
}

// BenchmarkListRooms is GET /api/rooms, signed in, with 20 rooms of 4
// people each: the lobby every visitor's app shows.
func BenchmarkListRooms(b *testing.B) {
	eachBenchBackend(b, func(b *testing.B, a *benchAPI) {
		viewer := a.lobby(b)
		for b.Loop() {
			a.do(b, "GET", "/api/rooms", viewer, nil, http.StatusOK, nil)
		}
	})
}

// BenchmarkStartSession is POST /api/sessions by someone already seated.
func BenchmarkStartSession(b *testing.B) {
	eachBenchBackend(b, func(b *testing.B, a *benchAPI) {
		var seats seatFiller
		for b.Loop() {
			b.StopTimer()
			tok, room := seats.next(b, a)
			a.do(b, "POST", "/api/rooms/"+room+"/join", tok, nil, http.StatusOK, nil)
			b.StartTimer()
			a.do(b, "POST", "/api/sessions", tok, map[string]any{"roomId": room, "goals": []string{"write the report"}}, http.StatusCreated, nil)
		}
	})
}

// lobby fills a's lobby with 20 rooms (the starter rooms and 15 more) of 4
// people each and returns the token of a viewer who is in none of them.
func (a *benchAPI) lobby(b *testing.B) string {
	b.Helper()
	viewer := a.signup(b)
	for range 15 {
		a.room(b, viewer)
	}
	var page struct {
		Rooms []struct {
			ID string `json:"id"`
		} `json:"rooms"`
	}
	a.do(b, "GET", "/api/rooms", viewer, nil, http.StatusOK, &page)
	for _, r := range page.Rooms {
		for range 4 {
			a.do(b, "POST", "/api/rooms/"+r.ID+"/join", a.signup(b), nil, http.StatusOK, nil)
		}
	}
	return viewer
}

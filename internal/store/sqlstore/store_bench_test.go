package sqlstore_test

// Benchmarks of the store's hot paths on both databases (PostgreSQL when
// BODYDOUBLE_TEST_DATABASE_URL is set). They measure; they never assert a
// time. docs/performance.md has the numbers and how to reproduce them:
//
//	go test -run '^$' -bench . -benchmem ./internal/store/sqlstore/

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/bodydouble/bodydouble/internal/model"
	"github.com/bodydouble/bodydouble/internal/store"
	"github.com/bodydouble/bodydouble/internal/store/storetest"
)

// eachStore runs f once per backend, each on a fresh database.
func eachStore(b *testing.B, f func(b *testing.B, s store.Store)) {
	for _, be := range storetest.Backends() {
		b.Run(be.Name, func(b *testing.B) { f(b, be.Open(b)) })
	}
}

var benchNow = time.Date(2025, 3, 12, 9, 0, 0, 0, time.UTC)

func benchUser(b *testing.B, s store.Store) model.User {
	u := model.User{ID: uuid.NewString(), DisplayName: "Quiet Heron", CreatedAt: benchNow}
	if err := s.CreateUser(context.Background(), u); err != nil {
		b.Fatal(err)
	}
	return u
}

func benchRoom(b *testing.B, s store.Store, capacity int) model.Room {
	r, err := s.CreateRoom(context.Background(), model.Room{Name: "Bench", Category: "deep-work", MaxCapacity: capacity, IsActive: true})
	if err != nil {
		b.Fatal(err)
	}
	return r
}

// lobby gives s 20 rooms with 4 active participants each.
func lobby(b *testing.B, s store.Store) {
	ctx := context.Background()
	for range 20 {
		r := benchRoom(b, s, 8)
		for range 4 {
			u := benchUser(b, s)
			if _, err := s.JoinRoom(ctx, r.ID, u.ID, benchNow, benchNow.Add(time.Hour)); err != nil {
				b.Fatal(err)
			}
		}
	}
}

func BenchmarkCreateUser(b *testing.B) {
	eachStore(b, func(b *testing.B, s store.Store) {
		ctx := context.Background()
		for b.Loop() {
			u := model.User{ID: uuid.NewString(), DisplayName: "Quiet Heron", CreatedAt: benchNow}
			if err := s.CreateUser(ctx, u); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// seatFiller hands out fresh users and a room with a seat for each: rooms
// of 8 fill up one after another.
type seatFiller struct {
	room model.Room
	n    int
}

func (f *seatFiller) next(b *testing.B, s store.Store) (model.User, model.Room) {
	if f.n%8 == 0 {
		f.room = benchRoom(b, s, 8)
	}
	f.n++
	return benchUser(b, s), f.room
}

// BenchmarkJoinRoom is a fresh user taking a seat in a room of 8, the
// rooms filling up one after another (users are created outside the timer).
func BenchmarkJoinRoom(b *testing.B) {
	eachStore(b, func(b *testing.B, s store.Store) {
		ctx := context.Background()
		var seats seatFiller
		for b.Loop() {
			b.StopTimer()
			u, room := seats.next(b, s)
			b.StartTimer()
			if _, err := s.JoinRoom(ctx, room.ID, u.ID, benchNow, benchNow.Add(time.Hour)); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkListRooms is the lobby's query: 20 rooms with live occupancy.
func BenchmarkListRooms(b *testing.B) {
	eachStore(b, func(b *testing.B, s store.Store) {
		lobby(b, s)
		ctx := context.Background()
		for b.Loop() {
			rooms, err := s.ListRooms(ctx, model.ListRoomsOptions{Limit: 21})
			if err != nil || len(rooms) != 20 {
				b.Fatal(len(rooms), err)
			}
		}
	})
}

// BenchmarkTokenRevoked is the revocation check every authenticated request makes.
func BenchmarkTokenRevoked(b *testing.B) {
	eachStore(b, func(b *testing.B, s store.Store) {
		ctx := context.Background()
		for i := range 100 {
			if err := s.RevokeToken(ctx, fmt.Sprint("revoked-", i), benchNow.Add(time.Hour)); err != nil {
				b.Fatal(err)
			}
		}
		id := uuid.NewString()
		for b.Loop() {
			if revoked, err := s.TokenRevoked(ctx, id, ""); err != nil || revoked {
				b.Fatal(revoked, err)
			}
		}
	})
}

// BenchmarkStartSession starts a focus session for a user already seated
// (the user and the join are made outside the timer).
func BenchmarkStartSession(b *testing.B) {
	eachStore(b, func(b *testing.B, s store.Store) {
		ctx := context.Background()
		var seats seatFiller
		for b.Loop() {
			b.StopTimer()
			u, room := seats.next(b, s)
			if _, err := s.JoinRoom(ctx, room.ID, u.ID, benchNow, benchNow.Add(time.Hour)); err != nil {
				b.Fatal(err)
			}
			b.StartTimer()
			_, err := s.StartSession(ctx, model.Session{RoomID: room.ID, UserID: u.ID, StartedAt: benchNow, Goals: []string{"write the report"}})
			if err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkSetStatuses writes one batch of presence changes behind, as
// the rooms service does every 500 ms: 1,250 changes is 2,500 updates/s,
// the rate of 5,000 people each changing status every 2 s. ns/op is per
// batch; divide by 1,250 for one change.
func BenchmarkSetStatuses(b *testing.B) {
	eachStore(b, func(b *testing.B, s store.Store) {
		ctx := context.Background()
		var seats []model.StatusUpdate
		var room model.Room
		for i := range 1250 {
			if i%8 == 0 {
				room = benchRoom(b, s, 8)
			}
			u := benchUser(b, s)
			if _, err := s.JoinRoom(ctx, room.ID, u.ID, benchNow, benchNow.Add(time.Hour)); err != nil {
				b.Fatal(err)
			}
			seats = append(seats, model.StatusUpdate{RoomID: room.ID, UserID: u.ID})
		}
		statuses := []string{"break", "away", "working"}
		n := 0
		for b.Loop() {
			for i := range seats {
				seats[i].Status = statuses[n%3]
			}
			n++
			if err := s.SetStatuses(ctx, seats); err != nil {
				b.Fatal(err)
			}
		}
	})
}

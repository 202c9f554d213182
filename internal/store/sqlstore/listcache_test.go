package sqlstore_test

import (
	"context"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/bodydouble/bodydouble/internal/store"
	"github.com/bodydouble/bodydouble/internal/store/sqlstore"
)

// The room list is cached on SQLite; a join, leave or new room committed by
// another process on the same file (here: another Store) must show in the
// very next list, as must this store's own writes.
func TestListRoomsSeesEveryCommitAtOnce(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	open := func() *sqlstore.Store {
		s, err := sqlstore.OpenSQLite(ctx, dir)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		return s
	}
	a, b := open(), open()
	now := time.Date(2025, 3, 12, 9, 0, 0, 0, time.UTC)
	room, err := a.CreateRoom(ctx, store.Room{Name: "Cached", Category: "study", IsActive: true})
	if err != nil {
		t.Fatal(err)
	}
	capacity := func(s *sqlstore.Store) (rooms, occupancy int) {
		t.Helper()
		list, err := s.ListRooms(ctx, store.ListRoomsOptions{Limit: 10})
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range list {
			if r.ID == room.ID {
				occupancy = r.CurrentCapacity
			}
		}
		return len(list), occupancy
	}
	if n, c := capacity(a); n != 1 || c != 0 {
		t.Fatalf("before joins: %d rooms, occupancy %d", n, c)
	}
	capacity(a) // served from the cache now

	join := func(s *sqlstore.Store) string {
		t.Helper()
		u := store.User{ID: uuid.NewString(), DisplayName: "Quiet Heron", CreatedAt: now}
		if err := s.CreateUser(ctx, u); err != nil {
			t.Fatal(err)
		}
		if _, err := s.JoinRoom(ctx, room.ID, u.ID, now, now.Add(time.Minute)); err != nil {
			t.Fatal(err)
		}
		return u.ID
	}
	join(b) // another process
	if _, c := capacity(a); c != 1 {
		t.Fatalf("after a join through another store: occupancy %d, want 1", c)
	}
	me := join(a) // this process
	if _, c := capacity(a); c != 2 {
		t.Fatalf("after a join through this store: occupancy %d, want 2", c)
	}
	if _, err := b.LeaveRoom(ctx, room.ID, me, now); err != nil {
		t.Fatal(err)
	}
	if _, c := capacity(a); c != 1 {
		t.Fatalf("after a leave through another store: occupancy %d, want 1", c)
	}
	if _, err := b.CreateRoom(ctx, store.Room{Name: "Another", Category: "admin", IsActive: true}); err != nil {
		t.Fatal(err)
	}
	if n, _ := capacity(a); n != 2 {
		t.Fatalf("after a room created through another store: %d rooms, want 2", n)
	}

	// What a caller does to its copy never reaches the cache.
	list, _ := a.ListRooms(ctx, store.ListRoomsOptions{Limit: 10})
	list[0].Name = "changed by a caller"
	again, _ := a.ListRooms(ctx, store.ListRoomsOptions{Limit: 10})
	if again[0].Name == "changed by a caller" {
		t.Fatal("the cache hands out its own slice")
	}
}

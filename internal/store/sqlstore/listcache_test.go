package sqlstore_test

import (
	"context"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/bodydouble/bodydouble/internal/model"
	"github.com/bodydouble/bodydouble/internal/readmemo"
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
	room, err := a.CreateRoom(ctx, model.Room{Name: "Cached", Category: "study", IsActive: true})
	if err != nil {
		t.Fatal(err)
	}
	capacity := func(s *sqlstore.Store) (rooms, occupancy int) {
		t.Helper()
		list, err := s.ListRooms(ctx, model.ListRoomsOptions{Limit: 10})
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
		u := model.User{ID: uuid.NewString(), DisplayName: "Quiet Heron", CreatedAt: now}
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
	if _, err := b.CreateRoom(ctx, model.Room{Name: "Another", Category: "admin", IsActive: true}); err != nil {
		t.Fatal(err)
	}
	if n, _ := capacity(a); n != 2 {
		t.Fatalf("after a room created through another store: %d rooms, want 2", n)
	}

	// A caller appending to its (shared, read-only) page gets a copy.
	list, _ := a.ListRooms(ctx, model.ListRoomsOptions{Limit: 10})
	_ = append(list, model.Room{Name: "appended by a caller"})
	again, _ := a.ListRooms(ctx, model.ListRoomsOptions{Limit: 10})
	if len(again) != 2 || cap(again) != len(again) {
		t.Fatalf("after an append by a caller: %d rooms, capacity %d", len(again), cap(again))
	}
}

// A revocation committed by another process is seen by the next check,
// however often the token was checked before.
func TestTokenRevokedSeesAnotherProcessAtOnce(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	a, err := sqlstore.OpenSQLite(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	b, err := sqlstore.OpenSQLite(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	for range 3 { // the later checks are answered from what a kept
		if revoked, err := a.TokenRevoked(readmemo.With(ctx), "tok", ""); err != nil || revoked {
			t.Fatalf("before logout: %v %v", revoked, err)
		}
	}
	if err := b.RevokeToken(ctx, "tok", time.Now().Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if revoked, err := a.TokenRevoked(readmemo.With(ctx), "tok", ""); err != nil || !revoked {
		t.Fatalf("after a logout through another store: revoked %v, err %v", revoked, err)
	}
	if revoked, err := a.TokenRevoked(ctx, "tok", ""); err != nil || !revoked {
		t.Fatalf("after a logout, without a memo: revoked %v, err %v", revoked, err)
	}
}

// Within one request (one ReadMemo), data_version is looked at once; a
// write the request makes itself must still show in its later reads.
func TestReadMemoNeverHidesTheRequestsOwnWrites(t *testing.T) {
	ctx := context.Background()
	s, err := sqlstore.OpenSQLite(ctx, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	now := time.Date(2025, 3, 12, 9, 0, 0, 0, time.UTC)
	room, err := s.CreateRoom(ctx, model.Room{Name: "Memo", Category: "study", IsActive: true})
	if err != nil {
		t.Fatal(err)
	}
	u := model.User{ID: uuid.NewString(), DisplayName: "Quiet Heron", CreatedAt: now}
	if err := s.CreateUser(ctx, u); err != nil {
		t.Fatal(err)
	}
	req := readmemo.With(ctx)
	list, err := s.ListRooms(req, model.ListRoomsOptions{Limit: 5})
	if err != nil || len(list) != 1 || list[0].CurrentCapacity != 0 {
		t.Fatalf("before: %+v %v", list, err)
	}
	if _, err := s.JoinRoom(req, room.ID, u.ID, now, now.Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	list, err = s.ListRooms(req, model.ListRoomsOptions{Limit: 5})
	if err != nil || list[0].CurrentCapacity != 1 {
		t.Fatalf("the request's own join is missing from its next list: %+v %v", list, err)
	}
	if err := s.RevokeToken(req, "mine", now.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if revoked, err := s.TokenRevoked(req, "mine", ""); err != nil || !revoked {
		t.Fatalf("the request's own logout: revoked %v, err %v", revoked, err)
	}
}

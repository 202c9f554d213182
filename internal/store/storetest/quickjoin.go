package storetest

import (
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/bodydouble/bodydouble/internal/model"
)

// quickJoin runs QuickJoin at now with a fresh fallback room.
func (f *fixture) quickJoin(userID string, preferred []string, now time.Time) model.JoinResult {
	f.t.Helper()
	res, err := f.s.QuickJoin(f.ctx, userID, preferred, fallbackRoom(), now, now.Add(30*time.Second))
	if err != nil {
		f.t.Fatalf("QuickJoin(%s): %v", userID, err)
	}
	return res
}

func fallbackRoom() model.Room {
	return model.Room{Name: "Overflow", Category: "deep-work", MaxCapacity: 8, MicPolicy: "muted", IsActive: true, CreatedAt: at(time.Hour)}
}

// fill joins n new users to the room.
func (f *fixture) fill(roomID string, n int) {
	f.t.Helper()
	for _, u := range f.users(n) {
		f.join(roomID, u.ID, at(0))
	}
}

func testQuickJoin(t *testing.T, f *fixture) {
	// Oldest first: an empty admin room, then study with 1, deep-work with 3,
	// a full creative room, a closed room.
	empty := f.room("empty", "admin", 8)
	study := f.room("study", "study", 8)
	deep := f.room("deep", "deep-work", 8)
	full := f.room("full", "creative", 3)
	closed, err := f.s.CreateRoom(f.ctx, model.Room{Name: "closed", Category: "study", MaxCapacity: 50, IsActive: false, CreatedAt: base})
	ok(t, err, "CreateRoom closed")
	f.fill(study.ID, 1)
	f.fill(deep.ID, 3)
	f.fill(full.ID, 3)

	// The fullest open room wins.
	u1 := f.user("u1")
	res := f.quickJoin(u1.ID, nil, at(time.Minute))
	eq(t, res.Room.ID, deep.ID, "room without preferences")
	eq(t, res.AlreadyIn, false, "AlreadyIn")
	eq(t, res.Room.CurrentCapacity, 4, "CurrentCapacity")

	// A preferred category wins among rooms with people...
	u2 := f.user("u2")
	res = f.quickJoin(u2.ID, []string{"study", "chores"}, at(time.Minute))
	eq(t, res.Room.ID, study.ID, "room for study preference")
	// ...but not over people: an empty preferred room is not chosen.
	u3 := f.user("u3")
	res = f.quickJoin(u3.ID, []string{"admin"}, at(time.Minute))
	eq(t, res.Room.ID, deep.ID, "room for a preference only an empty room has")
	// A full preferred room is skipped.
	u4 := f.user("u4")
	res = f.quickJoin(u4.ID, []string{"creative"}, at(time.Minute))
	eq(t, res.Room.ID, deep.ID, "room for a preference only a full room has")

	// The current room is a candidate: the best stays put.
	res = f.quickJoin(u1.ID, nil, at(2*time.Minute))
	eq(t, res.Room.ID, deep.ID, "quick join from the best room")
	eq(t, res.AlreadyIn, true, "AlreadyIn when staying")
	eq(t, res.Left, (*model.LeaveResult)(nil), "Left when staying")

	// Someone alone in a room, with a session, moves to company.
	loner := f.user("loner")
	f.join(empty.ID, loner.ID, at(0))
	x := f.start(empty.ID, loner.ID, at(0))
	res = f.quickJoin(loner.ID, []string{"admin"}, at(10*time.Minute))
	eq(t, res.Room.ID, deep.ID, "room for a loner")
	if res.Left == nil || res.Left.Room.ID != empty.ID || res.Left.EndedSession == nil || res.Left.EndedSession.ID != x.ID {
		t.Errorf("loner's Left = %+v, want room empty with its session ended", res.Left)
	}

	eq(t, f.getRoom(closed.ID).CurrentCapacity, 0, "closed room CurrentCapacity")
	_, err = f.s.QuickJoin(f.ctx, uuid.NewString(), nil, fallbackRoom(), at(0), at(time.Minute))
	isErr(t, err, model.ErrNotFound, "QuickJoin unknown user")
}

func testQuickJoinFallback(t *testing.T, f *fixture) {
	// No rooms at all: the fallback is created, as given, and joined.
	u := f.user("first")
	fb := fallbackRoom()
	fb.ID = uuid.NewString()
	res, err := f.s.QuickJoin(f.ctx, u.ID, nil, fb, at(0), at(30*time.Second))
	ok(t, err, "QuickJoin into nothing")
	want := fb
	want.CurrentCapacity = 1
	eq(t, res.Room, want, "fallback room")
	eq(t, f.getRoom(fb.ID), want, "stored fallback room")

	// People beat age: an older empty room is passed over.
	old := f.room("old", "study", 2)
	res = f.quickJoin(f.user("second").ID, nil, at(time.Minute))
	eq(t, res.Room.ID, fb.ID, "room with people over an older empty one")
	eq(t, res.Room.CurrentCapacity, 2, "CurrentCapacity")

	// Every room full: a new room is made, and only then.
	f.fill(fb.ID, 8-2)
	f.fill(old.ID, 2)
	before, err := f.s.ListRooms(f.ctx, model.ListRoomsOptions{Limit: 100})
	ok(t, err, "ListRooms")
	res = f.quickJoin(f.user("overflow").ID, nil, at(2*time.Minute))
	if res.Room.ID == fb.ID || res.Room.ID == old.ID {
		t.Fatalf("QuickJoin with every room full joined %s", res.Room.Name)
	}
	eq(t, res.Room.Name, "Overflow", "new room's name")
	eq(t, res.Room.CurrentCapacity, 1, "new room's CurrentCapacity")
	eq(t, res.Room.IsActive, true, "new room's IsActive")
	after, err := f.s.ListRooms(f.ctx, model.ListRoomsOptions{Limit: 100})
	ok(t, err, "ListRooms")
	eq(t, len(after), len(before)+1, "rooms after overflow")
	overflow := res.Room
	res = f.quickJoin(f.user("next").ID, nil, at(2*time.Minute))
	eq(t, res.Room.ID, overflow.ID, "next quick join")
	eq(t, res.Room.CurrentCapacity, 2, "new room's CurrentCapacity after the next")
}

func testQuickJoinConcurrent(t *testing.T, f *fixture) {
	// Two empty rooms of 8 and 20 people at once. Quick joins cluster: each
	// sees where the previous ones went, so the older room fills to 8, then
	// the other, then a single new room takes the last 4.
	r1 := f.room("first", "study", 8)
	r2 := f.room("second", "study", 8)
	us := f.users(20)
	got := make([]string, len(us))
	parallel(len(us), func(i int) {
		res, err := f.s.QuickJoin(f.ctx, us[i].ID, nil, fallbackRoom(), at(time.Minute), at(2*time.Minute))
		if err != nil {
			t.Errorf("QuickJoin: %v", err)
			return
		}
		got[i] = res.Room.ID
	})
	count := map[string]int{}
	for _, id := range got {
		count[id]++
	}
	rooms, err := f.s.ListRooms(f.ctx, model.ListRoomsOptions{Limit: 100})
	ok(t, err, "ListRooms")
	if len(rooms) != 3 {
		t.Fatalf("%d rooms after 20 quick joins, want 3", len(rooms))
	}
	for _, r := range rooms {
		if r.CurrentCapacity > r.MaxCapacity {
			t.Errorf("room %s overfilled: %d of %d", r.Name, r.CurrentCapacity, r.MaxCapacity)
		}
		if r.CurrentCapacity != count[r.ID] {
			t.Errorf("room %s: CurrentCapacity %d, %d quick joins", r.Name, r.CurrentCapacity, count[r.ID])
		}
	}
	eq(t, count[r1.ID], 8, "people in the first room")
	eq(t, count[r2.ID], 8, "people in the second room")
	eq(t, count[rooms[2].ID], 4, "people in the new room")

	// Two more at once end up together in the new room.
	a, b := f.user("a"), f.user("b")
	var ra, rb model.JoinResult
	parallel(2, func(i int) {
		var err error
		if i == 0 {
			ra, err = f.s.QuickJoin(f.ctx, a.ID, nil, fallbackRoom(), at(time.Hour), at(2*time.Hour))
		} else {
			rb, err = f.s.QuickJoin(f.ctx, b.ID, nil, fallbackRoom(), at(time.Hour), at(2*time.Hour))
		}
		if err != nil {
			t.Errorf("QuickJoin: %v", err)
		}
	})
	eq(t, ra.Room.ID, rooms[2].ID, "room of a")
	eq(t, rb.Room.ID, rooms[2].ID, "room of b")
}

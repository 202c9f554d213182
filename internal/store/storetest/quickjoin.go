package storetest

import (
	"fmt"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/bodydouble/bodydouble/internal/model"
)

// justLeft is how long a leave counts as "just left" in these tests.
const justLeft = time.Hour

// quickJoin runs QuickJoin at now with a fresh fallback room.
func (f *fixture) quickJoin(userID string, preferred []string, now time.Time) model.JoinResult {
	f.t.Helper()
	res, err := f.s.QuickJoin(f.ctx, userID, preferred, fallbackRoom(), now, now.Add(30*time.Second), now.Add(-justLeft))
	if err != nil {
		f.t.Fatalf("QuickJoin(%s): %v", userID, err)
	}
	return res
}

// fallbackRoom is a room as quick-join creates one: with its category's
// cycle, which the store keeps as given.
func fallbackRoom() model.Room {
	return model.Room{Name: "Overflow", Category: "deep-work", MaxCapacity: 8, MicPolicy: "muted", IsActive: true, CreatedAt: at(time.Hour),
		TimerControl: model.TimerOwner, Cycle: &model.Cycle{Work: 50, Break: 10}}
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

	t.Run("JustLeft", func(t *testing.T) { testQuickJoinJustLeft(t, newFixture(t, f.s)) })
	t.Run("Unlisted", func(t *testing.T) { testQuickJoinUnlisted(t, newFixture(t, f.s)) })

	eq(t, f.getRoom(closed.ID).CurrentCapacity, 0, "closed room CurrentCapacity")
	_, err = f.s.QuickJoin(f.ctx, uuid.NewString(), nil, fallbackRoom(), at(0), at(time.Minute), at(0).Add(-justLeft))
	isErr(t, err, model.ErrNotFound, "QuickJoin unknown user")
}

func testQuickJoinFallback(t *testing.T, f *fixture) {
	// No rooms at all: the fallback is created, as given, and joined.
	u := f.user("first")
	fb := fallbackRoom()
	fb.ID = uuid.NewString()
	res, err := f.s.QuickJoin(f.ctx, u.ID, nil, fb, at(0), at(30*time.Second), at(0).Add(-justLeft))
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
		res, err := f.s.QuickJoin(f.ctx, us[i].ID, nil, fallbackRoom(), at(time.Minute), at(2*time.Minute), at(time.Minute).Add(-justLeft))
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
			ra, err = f.s.QuickJoin(f.ctx, a.ID, nil, fallbackRoom(), at(time.Hour), at(2*time.Hour), at(time.Hour).Add(-justLeft))
		} else {
			rb, err = f.s.QuickJoin(f.ctx, b.ID, nil, fallbackRoom(), at(time.Hour), at(2*time.Hour), at(time.Hour).Add(-justLeft))
		}
		if err != nil {
			t.Errorf("QuickJoin: %v", err)
		}
	})
	eq(t, ra.Room.ID, rooms[2].ID, "room of a")
	eq(t, rb.Room.ID, rooms[2].ID, "room of b")
}

// testQuickJoinJustLeft: the room a user just left is where quick-join
// sends them only when no other room has a seat. Each case builds its own
// rooms in the shared store; its users are banned from the rooms of the
// earlier cases (and from any room made before), so they see only their own.
func testQuickJoinJustLeft(t *testing.T, f *fixture) {
	type spec struct {
		category string
		capacity int
		others   int // people in it besides the quick joiner
	}
	const none = -1
	a := spec{"study", 8, 3} // the fullest room, room 0 of every case
	tests := []struct {
		name      string
		rooms     []spec
		preferred []string
		left      []int         // rooms the user sat in and left, in this order
		in        int           // the room the user is in at the quick join, or none
		after     time.Duration // from the last leave to the quick join
		want      int           // index into rooms
		removed   int           // a room in left the user was removed from (banned) when leaving, or 0 for none
	}{
		{"leaving the fullest room sends one to the next", []spec{a, {"study", 8, 1}}, nil, []int{0}, none, time.Minute, 1, 0},
		{"an empty room comes before going back", []spec{a, {"study", 8, 0}}, nil, []int{0}, none, time.Minute, 1, 0},
		{"back when it is the only room with a seat", []spec{a, {"study", 2, 2}}, nil, []int{0}, none, time.Minute, 0, 0},
		{"the room just left comes after preferences", []spec{a, {"admin", 8, 1}}, []string{"study"}, []int{0}, none, time.Minute, 1, 0},
		{"only the latest leave counts", []spec{a, {"study", 8, 1}, {"study", 8, 0}}, nil, []int{0, 1}, none, time.Minute, 0, 0},
		{"a leave at the edge of the window still counts", []spec{a, {"study", 8, 1}}, nil, []int{0}, none, justLeft, 1, 0},
		{"an older leave does not count", []spec{a, {"study", 8, 1}}, nil, []int{0}, none, justLeft + time.Millisecond, 0, 0},
		{"one stays in the current room rather than go back", []spec{a, {"study", 8, 1}}, nil, []int{0}, 1, time.Minute, 1, 0},
		{"a full current room is still a seat", []spec{a, {"study", 2, 1}}, nil, []int{0}, 1, time.Minute, 1, 0},
		{"alone in the current room, one moves to company, not back", []spec{a, {"study", 8, 1}, {"study", 8, 0}}, nil, []int{0}, 2, time.Minute, 1, 0},
		{name: "being removed from a room is the latest leave", rooms: []spec{a, {"study", 8, 1}, {"study", 8, 0}},
			left: []int{0, 2}, in: none, after: time.Minute, want: 0, removed: 2},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t, f.s)
			// isolate keeps a user out of the rooms made before the case:
			// by the caller, or by the cases before (with their new rooms).
			earlier, err := f.s.ListRooms(f.ctx, model.ListRoomsOptions{Limit: 1000})
			ok(t, err, "ListRooms")
			isolate := func(userID string) {
				for _, r := range earlier {
					ok(t, f.s.Ban(f.ctx, r.ID, userID, at(1000*time.Hour)), "Ban")
				}
			}
			me := f.user("me")
			isolate(me.ID)
			var ids []string
			for i, r := range tc.rooms {
				room := f.room(fmt.Sprint("room ", i), r.category, r.capacity)
				ids = append(ids, room.ID)
				f.fill(room.ID, r.others)
			}
			now := at(time.Minute)
			for _, i := range tc.left {
				f.join(ids[i], me.ID, now)
				now = now.Add(time.Minute)
				_, err := f.s.LeaveRoom(f.ctx, ids[i], me.ID, now)
				ok(t, err, "LeaveRoom")
				if tc.removed != 0 && i == tc.removed {
					ok(t, f.s.Ban(f.ctx, ids[i], me.ID, at(1000*time.Hour)), "Ban")
				}
			}
			if tc.in != none {
				f.join(ids[tc.in], me.ID, now)
			}
			now = now.Add(tc.after)

			res := f.quickJoin(me.ID, tc.preferred, now)
			if res.Room.ID != ids[tc.want] {
				t.Fatalf("quick join picked %s, want room %d of %v", res.Room.Name, tc.want, ids)
			}
			eq(t, res.AlreadyIn, tc.want == tc.in, "AlreadyIn")

			// Someone who did not leave the fullest room is still sent there.
			other := f.user("other")
			isolate(other.ID)
			eq(t, f.quickJoin(other.ID, nil, now).Room.ID, ids[0], "room of someone who left nothing")
		})
	}
}

// testQuickJoinUnlisted: quick-join never picks an unlisted room, not even
// the only one with people, nor the one the user sits in. Each case has an
// unlisted room with three people besides its own listed rooms; its users
// are banned from every listed room made before, so they see only their own.
func testQuickJoinUnlisted(t *testing.T, f *fixture) {
	const fallback = -1
	tests := []struct {
		name   string
		listed []int // capacity of each listed room, filled with others up to it when full is set
		full   bool
		inside bool // the user sits in the unlisted room at the quick join
		want   int  // index into listed, or fallback for a new room
	}{
		{"an empty listed room over a busy unlisted one", []int{8}, false, false, 0},
		{"a new room when only an unlisted room has a seat", []int{2}, true, false, fallback},
		{"someone in an unlisted room moves to a listed one", []int{8}, false, true, 0},
		{"someone alone with company only unlisted gets a new room", nil, false, true, fallback},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t, f.s)
			earlier, err := f.s.ListRooms(f.ctx, model.ListRoomsOptions{Limit: 1000})
			ok(t, err, "ListRooms")
			me := f.user("me")
			for _, r := range earlier {
				ok(t, f.s.Ban(f.ctx, r.ID, me.ID, at(1000*time.Hour)), "Ban")
			}
			hidden, err := f.s.CreateRoom(f.ctx, model.Room{Name: "unlisted", Category: "study", MaxCapacity: 8,
				IsActive: true, CreatedAt: at(0), Unlisted: true})
			ok(t, err, "CreateRoom unlisted")
			f.fill(hidden.ID, 3)
			var ids []string
			for i, c := range tc.listed {
				r := f.room(fmt.Sprint("listed ", i), "study", c)
				if tc.full {
					f.fill(r.ID, c)
				}
				ids = append(ids, r.ID)
			}
			if tc.inside {
				f.join(hidden.ID, me.ID, at(0))
			}

			res := f.quickJoin(me.ID, []string{"study"}, at(time.Minute))
			if res.Room.ID == hidden.ID {
				t.Fatal("quick join picked the unlisted room")
			}
			if tc.want == fallback {
				eq(t, res.Room.Name, "Overflow", "new room's name")
				eq(t, res.Room.Unlisted, false, "new room's Unlisted")
			} else {
				eq(t, res.Room.ID, ids[tc.want], "room picked")
			}
			if tc.inside && (res.Left == nil || res.Left.Room.ID != hidden.ID) {
				t.Errorf("Left = %+v, want the unlisted room", res.Left)
			}
		})
	}
}

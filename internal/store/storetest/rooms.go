package storetest

import (
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/bodydouble/bodydouble/internal/model"
	"github.com/bodydouble/bodydouble/internal/store"
)

func testRooms(t *testing.T, f *fixture) {
	owner := f.user("owner")
	desc := "Heads down, cameras optional."
	in := model.Room{
		Name:        "Deep work",
		Description: &desc,
		Category:    "deep-work",
		MaxCapacity: 12,
		MicPolicy:   "open",
		IsActive:    true,
		CreatedBy:   &owner.ID,
		CreatedAt:   base,
	}
	r, err := f.s.CreateRoom(f.ctx, in)
	ok(t, err, "CreateRoom")
	isUUID(t, r.ID, "CreateRoom")
	want := in
	want.ID = r.ID
	want.TimerControl = model.TimerOwner
	eq(t, r, want, "created room")
	sameTime(t, r.CreatedAt, base, "CreatedAt")

	got := f.getRoom(r.ID)
	eq(t, got, want, "stored room")

	// Defaults: capacity 8, muted mic, no description or creator.
	d, err := f.s.CreateRoom(f.ctx, model.Room{Name: "Study hall", Category: "study", IsActive: true, CreatedAt: base})
	ok(t, err, "CreateRoom with defaults")
	eq(t, d.MaxCapacity, 8, "default MaxCapacity")
	eq(t, d.MicPolicy, "muted", "default MicPolicy")
	eq(t, d.Description, (*string)(nil), "Description")
	eq(t, d.CreatedBy, (*string)(nil), "CreatedBy")
	eq(t, d.TimerControl, model.TimerOwner, "default TimerControl")
	eq(t, d.Cycle, (*model.Cycle)(nil), "default Cycle")
	eq(t, f.getRoom(d.ID), d, "stored room with defaults")

	// A caller-chosen id is kept; taking it again fails.
	id := uuid.NewString()
	c, err := f.s.CreateRoom(f.ctx, model.Room{ID: id, Name: "Chores", Category: "chores", IsActive: true, CreatedAt: base})
	ok(t, err, "CreateRoom with id")
	eq(t, c.ID, id, "kept ID")
	if _, err := f.s.CreateRoom(f.ctx, model.Room{ID: id, Name: "Again", Category: "chores", IsActive: true}); err == nil {
		t.Error("CreateRoom with a taken id succeeded")
	}

	// An unlisted room is stored as such, found by id and joined by id as
	// any other room.
	hidden, err := f.s.CreateRoom(f.ctx, model.Room{Name: "Just us", Category: "study", IsActive: true, CreatedAt: base, Unlisted: true})
	ok(t, err, "CreateRoom unlisted")
	eq(t, hidden.Unlisted, true, "created room's Unlisted")
	eq(t, f.getRoom(hidden.ID), hidden, "stored unlisted room")
	eq(t, f.join(hidden.ID, f.user("friend").ID, at(0)).Room.ID, hidden.ID, "JoinRoom of an unlisted room")
	eq(t, f.getRoom(hidden.ID).CurrentCapacity, 1, "unlisted room's CurrentCapacity")

	testRoomRhythm(t, f)

	_, err = f.s.GetRoom(f.ctx, uuid.NewString())
	isErr(t, err, model.ErrNotFound, "GetRoom unknown")
	_, err = f.s.GetRoom(f.ctx, "not-a-uuid")
	isErr(t, err, model.ErrNotFound, "GetRoom malformed id")

	// CurrentCapacity counts active participants wherever a room is read.
	us := f.users(3)
	for i, u := range us {
		f.join(r.ID, u.ID, at(time.Duration(i)*time.Second))
	}
	_, err = f.s.LeaveRoom(f.ctx, r.ID, us[0].ID, at(time.Minute))
	ok(t, err, "LeaveRoom")
	eq(t, f.getRoom(r.ID).CurrentCapacity, 2, "GetRoom CurrentCapacity")
	rooms, err := f.s.ListRooms(f.ctx, model.ListRoomsOptions{Category: "deep-work", Limit: 10})
	ok(t, err, "ListRooms")
	if len(rooms) != 1 || rooms[0].CurrentCapacity != 2 {
		t.Errorf("ListRooms = %+v, want one room with CurrentCapacity 2", rooms)
	}
}

// testRoomRhythm: a room's timer control and cycle are stored as given and
// read back wherever a room is read (GetRoom, ListRooms, JoinRoom).
func testRoomRhythm(t *testing.T, f *fixture) {
	t.Helper()
	tests := []struct {
		name    string
		control string
		cycle   *model.Cycle
	}{
		{"anyone, no cycle", model.TimerAnyone, nil},
		{"owner, no cycle", model.TimerOwner, nil},
		{"a cycle of 50 and 10", model.TimerOwner, &model.Cycle{Work: 50, Break: 10}},
		{"the longest cycle", model.TimerAnyone, &model.Cycle{Work: 240, Break: 60}},
	}
	for i, tc := range tests {
		in := model.Room{Name: tc.name, Category: "creative", IsActive: true, CreatedAt: at(time.Duration(i) * time.Second),
			TimerControl: tc.control, Cycle: tc.cycle}
		r, err := f.s.CreateRoom(f.ctx, in)
		ok(t, err, "CreateRoom "+tc.name)
		eq(t, r.TimerControl, tc.control, tc.name+": created TimerControl")
		eq(t, r.Cycle, tc.cycle, tc.name+": created Cycle")
		if tc.cycle != nil && r.Cycle == tc.cycle {
			t.Errorf("%s: CreateRoom returned the caller's Cycle, not a copy", tc.name)
		}
		eq(t, f.getRoom(r.ID), r, tc.name+": stored room")
		eq(t, f.join(r.ID, f.user("rhythm").ID, at(0)).Room.Cycle, tc.cycle, tc.name+": JoinRoom's room Cycle")
		listed, err := f.s.ListRooms(f.ctx, model.ListRoomsOptions{Category: "creative"})
		ok(t, err, "ListRooms")
		i := slices.IndexFunc(listed, func(l model.Room) bool { return l.ID == r.ID })
		if i < 0 {
			t.Fatalf("%s: not listed", tc.name)
		}
		eq(t, listed[i].TimerControl, tc.control, tc.name+": listed TimerControl")
		eq(t, listed[i].Cycle, tc.cycle, tc.name+": listed Cycle")
	}
}

func testSeedRooms(t *testing.T, f *fixture) {
	// Seeded rooms keep their timer control and cycle.
	seeds := []model.Room{
		{ID: uuid.NewString(), Name: "Morning focus", Category: "deep-work", MaxCapacity: 8, MicPolicy: "muted", IsActive: true, CreatedAt: base,
			TimerControl: model.TimerOwner, Cycle: &model.Cycle{Work: 50, Break: 10}},
		{ID: uuid.NewString(), Name: "Study together", Category: "study", MaxCapacity: 8, MicPolicy: "muted", IsActive: true, CreatedAt: base,
			TimerControl: model.TimerAnyone},
	}
	ok(t, f.s.SeedRooms(f.ctx, seeds), "SeedRooms")
	for _, r := range seeds {
		eq(t, f.getRoom(r.ID), r, "seeded room")
	}

	// Seeding again (another instance starting) leaves existing rooms alone
	// and adds new ones.
	changed := seeds[0]
	changed.Name = "Renamed"
	extra := model.Room{ID: uuid.NewString(), Name: "Creative corner", Category: "creative", MaxCapacity: 6, MicPolicy: "open", IsActive: true, CreatedAt: base,
		TimerControl: model.TimerOwner, Cycle: &model.Cycle{Work: 25, Break: 5}}
	ok(t, f.s.SeedRooms(f.ctx, []model.Room{changed, extra}), "SeedRooms again")
	eq(t, f.getRoom(seeds[0].ID), seeds[0], "existing seeded room")
	eq(t, f.getRoom(extra.ID), extra, "newly seeded room")

	// Concurrent seeding of the same rooms: no error, one copy.
	parallel(5, func(int) {
		if err := f.s.SeedRooms(f.ctx, seeds); err != nil {
			t.Errorf("concurrent SeedRooms: %v", err)
		}
	})
	rooms, err := f.s.ListRooms(f.ctx, model.ListRoomsOptions{Limit: 100})
	ok(t, err, "ListRooms")
	eq(t, len(rooms), 3, "rooms after seeding")

	// Seeds without a creation time list in the order given.
	ordered := []model.Room{
		{ID: "seed-c", Name: "c", Category: "chores", MaxCapacity: 8, IsActive: true},
		{ID: "seed-a", Name: "a", Category: "chores", MaxCapacity: 8, IsActive: true},
		{ID: "seed-b", Name: "b", Category: "chores", MaxCapacity: 8, IsActive: true},
	}
	ok(t, f.s.SeedRooms(f.ctx, ordered), "SeedRooms without times")
	rooms, err = f.s.ListRooms(f.ctx, model.ListRoomsOptions{Category: "chores", Limit: 100})
	ok(t, err, "ListRooms chores")
	var names []string
	for _, r := range rooms {
		names = append(names, r.Name)
	}
	eq(t, names, []string{"c", "a", "b"}, "seeded rooms in order")
}

func testListRooms(t *testing.T, f *fixture) {
	// Nine rooms over three categories; some share a creation time, so the
	// order falls back to the id.
	var all []model.Room
	cats := []string{"study", "creative", "study"}
	for i := range 9 {
		r, err := f.s.CreateRoom(f.ctx, model.Room{
			Name: "room", Category: cats[i%3], MaxCapacity: 8, IsActive: true,
			CreatedAt: at(time.Duration(i/2) * time.Second),
		})
		ok(t, err, "CreateRoom")
		all = append(all, r)
	}
	sortRooms(all)
	// Unlisted rooms among them, of a listed category and of their own,
	// with people in them: ListRooms never returns them.
	for i, cat := range []string{"study", "creative", "chores"} {
		r, err := f.s.CreateRoom(f.ctx, model.Room{
			Name: "unlisted", Category: cat, MaxCapacity: 8, IsActive: true,
			CreatedAt: at(time.Duration(i) * time.Second), Unlisted: true,
		})
		ok(t, err, "CreateRoom unlisted")
		f.fill(r.ID, 1)
	}

	page := func(opts model.ListRoomsOptions) []string {
		t.Helper()
		var ids []string
		for range 20 {
			rooms, err := f.s.ListRooms(f.ctx, opts)
			ok(t, err, "ListRooms")
			if len(rooms) > opts.Limit {
				t.Fatalf("ListRooms returned %d rooms, limit %d", len(rooms), opts.Limit)
			}
			for _, r := range rooms {
				ids = append(ids, r.ID)
			}
			if len(rooms) < opts.Limit {
				return ids
			}
			opts.After = rooms[len(rooms)-1].ID
		}
		t.Fatal("ListRooms paging does not end")
		return nil
	}

	var wantAll, wantStudy []string
	for _, r := range all {
		wantAll = append(wantAll, r.ID)
		if r.Category == "study" {
			wantStudy = append(wantStudy, r.ID)
		}
	}
	eq(t, page(model.ListRoomsOptions{Limit: 4}), wantAll, "all rooms, pages of 4")
	eq(t, page(model.ListRoomsOptions{Limit: 1}), wantAll, "all rooms, pages of 1")
	eq(t, page(model.ListRoomsOptions{Limit: 100}), wantAll, "all rooms, one page")
	eq(t, page(model.ListRoomsOptions{Category: "study", Limit: 2}), wantStudy, "study rooms, pages of 2")

	rooms, err := f.s.ListRooms(f.ctx, model.ListRoomsOptions{Category: "chores", Limit: 10})
	ok(t, err, "ListRooms empty category")
	eq(t, len(rooms), 0, "rooms in an empty category")

	// The page after the last room is empty.
	rooms, err = f.s.ListRooms(f.ctx, model.ListRoomsOptions{After: wantAll[len(wantAll)-1], Limit: 10})
	ok(t, err, "ListRooms after last")
	eq(t, len(rooms), 0, "rooms after the last")

	testListRoomsByPeople(t, f, all)
}

// testListRoomsByPeople: with OrderPeople the rooms of testListRooms (all,
// in created order) list by how many people are in them, most first, then
// in created order; HideFull leaves out full rooms; paging by (people, id)
// never repeats or skips a room whose count did not change between pages.
func testListRoomsByPeople(t *testing.T, f *fixture, all []model.Room) {
	people := map[string]int{}
	for i, n := range map[int]int{1: 2, 4: 8, 5: 2, 7: 1, 8: 2} { // all[4] is full
		f.fill(all[i].ID, n)
		people[all[i].ID] = n
	}
	want := func(cat string, hideFull bool) []string {
		byPeople := slices.Clone(all)
		slices.SortStableFunc(byPeople, func(a, b model.Room) int { return people[b.ID] - people[a.ID] })
		var ids []string
		for _, r := range byPeople {
			if (cat == "" || r.Category == cat) && !(hideFull && people[r.ID] >= r.MaxCapacity) {
				ids = append(ids, r.ID)
			}
		}
		return ids
	}
	page := func(opts model.ListRoomsOptions) []string {
		t.Helper()
		opts.Order = model.OrderPeople
		var ids []string
		for range 20 {
			rooms, err := f.s.ListRooms(f.ctx, opts)
			ok(t, err, "ListRooms by people")
			for _, r := range rooms {
				eq(t, r.CurrentCapacity, people[r.ID], "CurrentCapacity of "+r.ID)
				ids = append(ids, r.ID)
			}
			if len(rooms) < opts.Limit {
				return ids
			}
			last := rooms[len(rooms)-1]
			opts.After, opts.AfterPeople = last.ID, last.CurrentCapacity
		}
		t.Fatal("ListRooms paging by people does not end")
		return nil
	}
	for _, limit := range []int{1, 2, 3, 100} {
		eq(t, page(model.ListRoomsOptions{Limit: limit}), want("", false), "by people, pages of "+strconv.Itoa(limit))
		eq(t, page(model.ListRoomsOptions{Limit: limit, HideFull: true}), want("", true), "by people without full rooms, pages of "+strconv.Itoa(limit))
	}
	eq(t, page(model.ListRoomsOptions{Category: "study", Limit: 2}), want("study", false), "study rooms by people")
	eq(t, page(model.ListRoomsOptions{Category: "study", Limit: 2, HideFull: true}), want("study", true), "study rooms by people, not full")
	// The created order leaves out full rooms too, and keeps its order.
	var notFull []string
	for _, r := range all {
		if people[r.ID] < r.MaxCapacity {
			notFull = append(notFull, r.ID)
		}
	}
	rooms, err := f.s.ListRooms(f.ctx, model.ListRoomsOptions{Limit: 100, HideFull: true})
	ok(t, err, "ListRooms created order without full rooms")
	eq(t, roomIDs(rooms), notFull, "created order without full rooms")

	// A count changing between pages moves only that room: the first page
	// ends inside the occupied rooms, then the room after the cursor fills
	// up past it and an empty room gets a person. Every other room is
	// listed once, in order.
	order := want("", false)
	first, err := f.s.ListRooms(f.ctx, model.ListRoomsOptions{Order: model.OrderPeople, Limit: 2})
	ok(t, err, "ListRooms first page by people")
	eq(t, roomIDs(first), order[:2], "first page by people")
	moved, joined := order[2], order[len(order)-1]
	f.fill(moved, 5)
	f.fill(joined, 1)
	last := first[1]
	rest, err := f.s.ListRooms(f.ctx, model.ListRoomsOptions{Order: model.OrderPeople, After: last.ID, AfterPeople: last.CurrentCapacity, Limit: 100})
	ok(t, err, "ListRooms next page by people")
	var unchanged []string
	for _, id := range order[2:] {
		if id != moved && id != joined {
			unchanged = append(unchanged, id)
		}
	}
	eq(t, slices.DeleteFunc(roomIDs(rest), func(id string) bool { return id == moved || id == joined }), unchanged,
		"rooms that did not change, after the cursor")

	// A cursor on a room that no longer exists is not found.
	_, err = f.s.ListRooms(f.ctx, model.ListRoomsOptions{Order: model.OrderPeople, After: uuid.NewString(), AfterPeople: 1, Limit: 5})
	isErr(t, err, model.ErrNotFound, "ListRooms by people after an unknown room")
}

// roomIDs are the rooms' ids, in order.
func roomIDs(rooms []model.Room) []string {
	out := make([]string, 0, len(rooms))
	for _, r := range rooms {
		out = append(out, r.ID)
	}
	return out
}

// sortRooms orders rooms as ListRooms does: by (CreatedAt, ID), ids bytewise.
func sortRooms(rooms []model.Room) {
	slices.SortFunc(rooms, func(a, b model.Room) int {
		if c := a.CreatedAt.Compare(b.CreatedAt); c != 0 {
			return c
		}
		return strings.Compare(a.ID, b.ID)
	})
}

// testCountRoomsCreatedBy: one user's open rooms and rooms created since a
// time are counted apart, closed rooms still count as recent, and other
// users' and creatorless rooms are not counted.
func testCountRoomsCreatedBy(t *testing.T, f *fixture) {
	me, other := f.user("maker"), f.user("other")
	c, err := f.s.CountRoomsCreatedBy(f.ctx, me.ID, at(0))
	ok(t, err, "CountRoomsCreatedBy with no rooms")
	eq(t, c, store.RoomCounts{}, "counts with no rooms")

	create := func(by *string, when time.Time) model.Room {
		t.Helper()
		r, err := f.s.CreateRoom(f.ctx, model.Room{Name: "Mine", Category: "study", IsActive: true, CreatedBy: by, CreatedAt: when})
		ok(t, err, "CreateRoom")
		return r
	}
	create(&me.ID, at(0))           // open, not recent (since is exclusive)
	create(&me.ID, at(time.Second)) // open, recent
	closed := create(&me.ID, at(time.Minute))
	ok(t, f.s.CloseRoom(f.ctx, closed.ID, model.AuditEntry{At: at(2 * time.Minute), ActorID: "m", Action: "room.close", TargetType: "room", TargetID: closed.ID}), "CloseRoom")
	create(&other.ID, at(time.Minute))
	create(nil, at(time.Minute))

	c, err = f.s.CountRoomsCreatedBy(f.ctx, me.ID, at(0))
	ok(t, err, "CountRoomsCreatedBy")
	eq(t, c.Open, 2, "open count")
	eq(t, c.Recent, 2, "recent count")
	sameTime(t, c.OldestRecent, at(time.Second), "OldestRecent")
	c, err = f.s.CountRoomsCreatedBy(f.ctx, me.ID, at(time.Hour))
	ok(t, err, "CountRoomsCreatedBy later")
	eq(t, c, store.RoomCounts{Open: 2}, "counts since a later time")
}

package storetest

import (
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/bodydouble/bodydouble/internal/model"
)

// day is how long the rooms rule lets a person's room stand empty; the
// store takes the moment as emptySince = now - day.
const day = 24 * time.Hour

// userRoom creates an open room made by creator at createdAt.
func (f *fixture) userRoom(name, creator string, createdAt time.Time) model.Room {
	f.t.Helper()
	r, err := f.s.CreateRoom(f.ctx, model.Room{Name: name, Category: "deep-work", IsActive: true,
		CreatedBy: &creator, CreatedAt: createdAt})
	if err != nil {
		f.t.Fatalf("CreateRoom(%s): %v", name, err)
	}
	return r
}

// closeEmpty runs CloseEmptyRooms at now with a day's emptiness and
// returns the ids it closed, sorted.
func (f *fixture) closeEmpty(now time.Time) []string {
	f.t.Helper()
	ids, err := f.s.CloseEmptyRooms(f.ctx, now.Add(-day), now)
	if err != nil {
		f.t.Fatalf("CloseEmptyRooms(%v): %v", now, err)
	}
	slices.Sort(ids)
	return ids
}

func testCloseEmptyRooms(t *testing.T, f *fixture) {
	owner := f.user("Owner")
	never := f.userRoom("Never joined", owner.ID, base)
	starter, err := f.s.CreateRoom(f.ctx, model.Room{Name: "Starter", Category: "deep-work", IsActive: true, CreatedAt: base})
	ok(t, err, "CreateRoom starter")
	occupied := f.userRoom("Occupied", owner.ID, base)
	recent := f.userRoom("Left an hour ago", owner.ID, base)
	early := f.userRoom("Left early", owner.ID, base)
	young := f.userRoom("Made later", owner.ID, at(time.Hour))
	us := f.users(3)
	f.join(occupied.ID, us[0].ID, at(time.Minute))
	f.join(recent.ID, us[1].ID, at(time.Minute))
	_, err = f.s.LeaveRoom(f.ctx, recent.ID, us[1].ID, at(day-time.Hour))
	ok(t, err, "LeaveRoom recent")
	f.join(early.ID, us[2].ID, at(time.Minute))
	_, err = f.s.LeaveRoom(f.ctx, early.ID, us[2].ID, at(2*time.Minute))
	ok(t, err, "LeaveRoom early")

	// Empty for 23h59m: every room stays.
	eq(t, f.closeEmpty(at(day-time.Minute)), []string{}, "closed after 23h59m")
	// Empty for exactly a day: the room nobody ever joined closes; the one
	// left 2 min after it was made has been empty 23h58m.
	eq(t, f.closeEmpty(at(day)), []string{never.ID}, "closed after 24h")
	eq(t, f.getRoom(never.ID).IsActive, false, "IsActive of the closed room")
	// Running again changes nothing.
	eq(t, f.closeEmpty(at(day)), []string{}, "closed again at 24h")
	// A day after the last person left: that room closes too.
	eq(t, f.closeEmpty(at(day+2*time.Minute)), []string{early.ID}, "closed a day after the last leave")
	// The room made an hour later closes a day after it was made.
	eq(t, f.closeEmpty(at(day+time.Hour)), []string{young.ID}, "closed a day after the later room was made")
	// The one left at 23h closes a day after that leave, not a
	// millisecond earlier.
	eq(t, f.closeEmpty(at(2*day-time.Hour-time.Millisecond)), []string{}, "closed just before a day after the 23h leave")
	eq(t, f.closeEmpty(at(2*day-time.Hour)), []string{recent.ID}, "closed a day after the 23h leave")
	// The starter room and the occupied one never close.
	eq(t, f.closeEmpty(at(100*day)), []string{}, "closed at 100 days")
	eq(t, f.getRoom(starter.ID).IsActive, true, "starter room IsActive")
	eq(t, f.getRoom(occupied.ID).IsActive, true, "occupied room IsActive")
	eq(t, f.participantIDs(occupied.ID), []string{us[0].ID}, "occupied room's people")

	// A closed room is closed as a moderator's close leaves it: nobody
	// joins, and it no longer counts as its creator's open room.
	_, err = f.s.JoinRoom(f.ctx, never.ID, us[1].ID, at(101*day), at(101*day+time.Minute))
	isErr(t, err, model.ErrRoomInactive, "JoinRoom of an auto-closed room")
	c, err := f.s.CountRoomsCreatedBy(f.ctx, owner.ID, at(100*day))
	ok(t, err, "CountRoomsCreatedBy")
	eq(t, c.Open, 1, "open rooms of the owner (the occupied one)")
	rooms, err := f.s.ListRooms(f.ctx, model.ListRoomsOptions{})
	ok(t, err, "ListRooms")
	for _, r := range rooms {
		if want := r.ID == starter.ID || r.ID == occupied.ID; r.IsActive != want {
			t.Errorf("ListRooms: room %q IsActive = %v, want %v", r.Name, r.IsActive, want)
		}
	}
}

// testCloseEmptyRoomsConcurrent runs CloseEmptyRooms from several
// goroutines at once (as several instances do): every empty room is
// closed, and returned by exactly one of them.
func testCloseEmptyRoomsConcurrent(t *testing.T, f *fixture) {
	owner := f.user("Owner")
	var want []string
	for i := range 20 {
		want = append(want, f.userRoom("Empty", owner.ID, at(time.Duration(i)*time.Millisecond)).ID)
	}
	slices.Sort(want)
	const runners = 4
	var wg sync.WaitGroup
	results := make([][]string, runners)
	errs := make([]error, runners)
	start := make(chan struct{})
	for i := range runners {
		wg.Go(func() {
			<-start
			results[i], errs[i] = f.s.CloseEmptyRooms(f.ctx, at(day), at(2*day))
		})
	}
	close(start)
	wg.Wait()
	var got []string
	for i := range runners {
		ok(t, errs[i], "CloseEmptyRooms")
		got = append(got, results[i]...)
	}
	slices.Sort(got)
	eq(t, got, want, "rooms closed by all runners together")
}

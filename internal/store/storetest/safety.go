package storetest

import (
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/bodydouble/bodydouble/internal/model"
)

func testBlocks(t *testing.T, f *fixture) {
	a, b, c := f.user("ann"), f.user("ben"), f.user("cy")
	ok(t, f.s.Block(f.ctx, a.ID, b.ID, at(0)), "Block")
	ok(t, f.s.Block(f.ctx, a.ID, b.ID, at(time.Hour)), "Block again")
	ok(t, f.s.Block(f.ctx, a.ID, c.ID, at(time.Minute)), "Block cy")
	isErr(t, f.s.Block(f.ctx, a.ID, uuid.NewString(), at(0)), model.ErrNotFound, "Block of nobody")

	got, err := f.s.Blocks(f.ctx, a.ID)
	ok(t, err, "Blocks")
	eq(t, got, []model.Block{
		{BlockerID: a.ID, BlockedID: c.ID, DisplayName: "cy", CreatedAt: at(time.Minute)},
		{BlockerID: a.ID, BlockedID: b.ID, DisplayName: "ben", CreatedAt: at(0)}, // the second block changed nothing
	}, "ann's blocks, newest first")
	none, err := f.s.Blocks(f.ctx, b.ID)
	ok(t, err, "Blocks of ben")
	eq(t, none, []model.Block{}, "ben blocks nobody")

	for _, pair := range [][2]string{{a.ID, b.ID}, {b.ID, a.ID}} {
		either, err := f.s.BlockedEither(f.ctx, pair[0], pair[1])
		ok(t, err, "BlockedEither")
		eq(t, either, true, "a block counts in both directions")
	}
	either, err := f.s.BlockedEither(f.ctx, b.ID, c.ID)
	ok(t, err, "BlockedEither")
	eq(t, either, false, "ben and cy")
	blockers, err := f.s.Blockers(f.ctx, b.ID)
	ok(t, err, "Blockers")
	eq(t, blockers, []string{a.ID}, "who blocks ben")

	ok(t, f.s.Unblock(f.ctx, a.ID, b.ID), "Unblock")
	ok(t, f.s.Unblock(f.ctx, a.ID, b.ID), "Unblock again")
	either, err = f.s.BlockedEither(f.ctx, a.ID, b.ID)
	ok(t, err, "BlockedEither")
	eq(t, either, false, "unblocked")
}

func testQuickJoinBlocks(t *testing.T, f *fixture) {
	// The busiest room holds someone ann blocked and the next holds
	// someone who blocked her: she goes to the third, with less company.
	busy, next, quiet := f.room("busy", "study", 8), f.room("next", "study", 8), f.room("quiet", "study", 8)
	ann, ben, cy := f.user("ann"), f.user("ben"), f.user("cy")
	f.fill(busy.ID, 3)
	f.join(busy.ID, ben.ID, at(0))
	f.fill(next.ID, 2)
	f.join(next.ID, cy.ID, at(0))
	f.fill(quiet.ID, 1)
	ok(t, f.s.Block(f.ctx, ann.ID, ben.ID, at(0)), "ann blocks ben")
	ok(t, f.s.Block(f.ctx, cy.ID, ann.ID, at(0)), "cy blocks ann")
	eq(t, f.quickJoin(ann.ID, nil, at(time.Minute)).Room.ID, quiet.ID, "ann's quick join")

	// Someone seated with a person they then block moves out on quick-join.
	dan := f.user("dan")
	ok(t, f.s.Block(f.ctx, dan.ID, ann.ID, at(0)), "dan blocks ann")
	f.join(quiet.ID, dan.ID, at(0))
	res := f.quickJoin(dan.ID, nil, at(2*time.Minute))
	if res.Room.ID == quiet.ID {
		t.Errorf("dan stays in the room of ann, whom he blocked")
	}

	// Every room holds a blocked person: a new room.
	eve := f.user("eve")
	for _, u := range []string{ann.ID, ben.ID, cy.ID, dan.ID} {
		ok(t, f.s.Block(f.ctx, eve.ID, u, at(0)), "eve blocks")
	}
	got := f.quickJoin(eve.ID, nil, at(3*time.Minute)).Room.ID
	for _, r := range []string{busy.ID, next.ID, quiet.ID, res.Room.ID} {
		if got == r {
			t.Errorf("eve seated in %s with someone she blocked", r)
		}
	}
}

func testQuickJoinBlocksConcurrent(t *testing.T, f *fixture) {
	// 200 people quick-join at once; each blocks two others (the next one
	// and the one seven on). No blocked pair ends up in one room.
	const n = 200
	f.room("big", "study", 50)
	us := f.users(n)
	for i := range us {
		ok(t, f.s.Block(f.ctx, us[i].ID, us[(i+1)%n].ID, at(0)), "Block")
		ok(t, f.s.Block(f.ctx, us[i].ID, us[(i+7)%n].ID, at(0)), "Block")
	}
	rooms := make([]string, n)
	parallel(n, func(i int) {
		res, err := f.s.QuickJoin(f.ctx, us[i].ID, nil, fallbackRoom(), at(time.Minute), at(2*time.Minute), at(time.Minute).Add(-justLeft))
		if err != nil {
			t.Errorf("QuickJoin: %v", err)
			return
		}
		rooms[i] = res.Room.ID
	})
	for i := range us {
		cur, err := f.s.CurrentRoom(f.ctx, us[i].ID)
		ok(t, err, "CurrentRoom")
		eq(t, cur, rooms[i], "where quick-join seated them")
		for _, j := range []int{(i + 1) % n, (i + 7) % n} {
			if rooms[i] == rooms[j] {
				t.Errorf("users %d and %d, a blocked pair, both seated in %s", i, j, rooms[i])
			}
		}
	}
}

func testSharedRoomSince(t *testing.T, f *fixture) {
	r, other := f.room("r", "study", 8), f.room("other", "study", 8)
	a, b, c, d := f.user("a"), f.user("b"), f.user("c"), f.user("d")
	shared := func(x, y string, since time.Time) bool {
		t.Helper()
		v, err := f.s.SharedRoomSince(f.ctx, x, y, since)
		ok(t, err, "SharedRoomSince")
		return v
	}
	f.join(r.ID, a.ID, at(0))
	f.join(r.ID, b.ID, at(time.Minute))
	eq(t, shared(a.ID, b.ID, at(time.Hour)), true, "seated together now")
	eq(t, shared(b.ID, a.ID, at(time.Hour)), true, "in either order")
	_, err := f.s.LeaveRoom(f.ctx, r.ID, b.ID, at(2*time.Hour))
	ok(t, err, "LeaveRoom")
	eq(t, shared(a.ID, b.ID, at(time.Hour)), true, "b left after since")
	eq(t, shared(a.ID, b.ID, at(3*time.Hour)), false, "b left before since")
	// c comes after b left: both were there since at(0), which is enough
	// (a rejoin overwrites a row, so overlaps cannot be told apart).
	f.join(r.ID, c.ID, at(4*time.Hour))
	eq(t, shared(b.ID, c.ID, at(0)), true, "one room, one after the other")
	eq(t, shared(b.ID, c.ID, at(3*time.Hour)), false, "b left before since")
	eq(t, shared(a.ID, c.ID, at(0)), true, "a is still there")
	f.join(other.ID, d.ID, at(0))
	eq(t, shared(a.ID, d.ID, at(0)), false, "other rooms")
}

func testReports(t *testing.T, f *fixture) {
	r := f.room("r", "study", 8)
	a, b, c := f.user("a"), f.user("b"), f.user("c")
	room := r.ID
	rep := model.Report{ReporterID: a.ID, ReportedUserID: b.ID, RoomID: &room, Reason: "spam", Note: "links", CreatedAt: at(0)}
	got, created, err := f.s.CreateReport(f.ctx, rep, at(-24*time.Hour))
	ok(t, err, "CreateReport")
	eq(t, created, true, "created")
	isUUID(t, got.ID, "CreateReport")
	rep.ID, rep.Status = got.ID, model.ReportOpen
	eq(t, got, rep, "the report")
	blocked, err := f.s.BlockedEither(f.ctx, a.ID, b.ID)
	ok(t, err, "BlockedEither")
	eq(t, blocked, true, "reporting blocks")

	again, created, err := f.s.CreateReport(f.ctx, model.Report{ReporterID: a.ID, ReportedUserID: b.ID, Reason: "hate", CreatedAt: at(time.Hour)}, at(time.Hour-24*time.Hour))
	ok(t, err, "CreateReport again")
	eq(t, created, false, "a second report within the window")
	eq(t, again, rep, "the open report")
	later, created, err := f.s.CreateReport(f.ctx, model.Report{ReporterID: a.ID, ReportedUserID: b.ID, Reason: "hate", CreatedAt: at(25 * time.Hour)}, at(time.Hour))
	ok(t, err, "CreateReport later")
	eq(t, created, true, "a report after the window")
	_, _, err = f.s.CreateReport(f.ctx, model.Report{ReporterID: a.ID, ReportedUserID: uuid.NewString(), Reason: "spam", CreatedAt: at(0)}, at(0))
	isErr(t, err, model.ErrNotFound, "a report about nobody")
	other, _, err := f.s.CreateReport(f.ctx, model.Report{ReporterID: c.ID, ReportedUserID: b.ID, Reason: "other", CreatedAt: at(time.Minute)}, at(0))
	ok(t, err, "CreateReport by c")

	n, err := f.s.CountReportsSince(f.ctx, a.ID, at(0))
	ok(t, err, "CountReportsSince")
	eq(t, n, 2, "a's reports")

	// Newest first, paged by the last id.
	all, err := f.s.ListReports(f.ctx, "", "", 10)
	ok(t, err, "ListReports")
	eq(t, reportIDs(all), []string{later.ID, other.ID, rep.ID}, "all reports")
	page, err := f.s.ListReports(f.ctx, "", later.ID, 1)
	ok(t, err, "ListReports page 2")
	eq(t, reportIDs(page), []string{other.ID}, "second page")

	one, err := f.s.GetReport(f.ctx, rep.ID)
	ok(t, err, "GetReport")
	eq(t, one, rep, "GetReport")
	_, err = f.s.GetReport(f.ctx, uuid.NewString())
	isErr(t, err, model.ErrNotFound, "GetReport of nothing")
	n, err = f.s.CountOpenReports(f.ctx, b.ID)
	ok(t, err, "CountOpenReports")
	eq(t, n, 3, "open reports about b")

	res, err := f.s.ResolveReport(f.ctx, other.ID, a.ID, "dismiss", at(2*time.Hour))
	ok(t, err, "ResolveReport")
	n, err = f.s.CountOpenReports(f.ctx, b.ID)
	ok(t, err, "CountOpenReports after resolving")
	eq(t, n, 2, "open reports about b after resolving one")
	eq(t, res.Status, model.ReportResolved, "status")
	eq(t, res.Resolution, "dismiss", "resolution")
	_, err = f.s.ResolveReport(f.ctx, other.ID, a.ID, "dismiss", at(2*time.Hour))
	isErr(t, err, model.ErrConflict, "resolving twice")
	_, err = f.s.ResolveReport(f.ctx, uuid.NewString(), a.ID, "dismiss", at(2*time.Hour))
	isErr(t, err, model.ErrNotFound, "resolving nothing")
	open, err := f.s.ListReports(f.ctx, model.ReportOpen, "", 10)
	ok(t, err, "ListReports open")
	eq(t, reportIDs(open), []string{later.ID, rep.ID}, "open reports")
}

func reportIDs(rs []model.Report) []string {
	out := []string{}
	for _, r := range rs {
		out = append(out, r.ID)
	}
	return out
}

func testNameHistory(t *testing.T, f *fixture) {
	u, other := f.user("first"), f.user("other")
	names := func(what string, want []string) {
		t.Helper()
		got, err := f.s.RecentNames(f.ctx, u.ID)
		ok(t, err, "RecentNames")
		eq(t, got, want, what)
	}
	names("no history", []string{})
	rename := func(name string) {
		t.Helper()
		got, err := f.s.UpdateUser(f.ctx, u.ID, model.UserUpdate{DisplayName: &name}, at(time.Minute))
		ok(t, err, "UpdateUser")
		eq(t, got.DisplayName, name, "the new name")
	}
	rename("second")
	names("one change", []string{"first"})
	rename("second") // the same name is no change
	avatar := "data:image/png;base64,AAAA"
	_, err := f.s.UpdateUser(f.ctx, u.ID, model.UserUpdate{AvatarURL: &avatar}, at(time.Minute))
	ok(t, err, "UpdateUser avatar")
	names("after no name change", []string{"first"})
	for _, n := range []string{"3", "4", "5", "6", "7"} {
		rename(n)
	}
	names("the latest five", []string{"6", "5", "4", "3", "second"})
	otherNames, err := f.s.RecentNames(f.ctx, other.ID)
	ok(t, err, "RecentNames of other")
	eq(t, otherNames, []string{}, "another person's history")
	nobody := "x"
	_, err = f.s.UpdateUser(f.ctx, uuid.NewString(), model.UserUpdate{DisplayName: &nobody}, at(0))
	isErr(t, err, model.ErrNotFound, "renaming nobody")
}

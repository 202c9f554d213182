package storetest

import (
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/bodydouble/bodydouble/internal/model"
)

func testJoin(t *testing.T, f *fixture) {
	r := f.room("join", "study", 8)
	u := f.user("joiner")

	res := f.join(r.ID, u.ID, at(0))
	eq(t, res.AlreadyIn, false, "AlreadyIn on first join")
	eq(t, res.Left, (*model.LeaveResult)(nil), "Left on first join")
	eq(t, res.Room.ID, r.ID, "joined room")
	eq(t, res.Room.CurrentCapacity, 1, "CurrentCapacity after join")
	cur, err := f.s.CurrentRoom(f.ctx, u.ID)
	ok(t, err, "CurrentRoom")
	eq(t, cur, r.ID, "CurrentRoom")

	// Joining again changes nothing (joined_at stays) and reports AlreadyIn.
	res = f.join(r.ID, u.ID, at(time.Minute))
	eq(t, res.AlreadyIn, true, "AlreadyIn on second join")
	eq(t, res.Left, (*model.LeaveResult)(nil), "Left on second join")
	eq(t, res.Room.CurrentCapacity, 1, "CurrentCapacity after second join")
	ps, err := f.s.Participants(f.ctx, r.ID)
	ok(t, err, "Participants")
	if len(ps) != 1 {
		t.Fatalf("Participants = %+v, want one", ps)
	}
	sameTime(t, ps[0].JoinedAt, at(0), "JoinedAt after second join")

	_, err = f.s.CurrentRoom(f.ctx, f.user("idle").ID)
	isErr(t, err, model.ErrNotFound, "CurrentRoom of a user in no room")
}

func testJoinErrors(t *testing.T, f *fixture) {
	u := f.user("u")
	now := at(0)
	hold := now.Add(30 * time.Second)

	_, err := f.s.JoinRoom(f.ctx, uuid.NewString(), u.ID, now, hold)
	isErr(t, err, model.ErrNotFound, "JoinRoom unknown room")
	_, err = f.s.JoinRoom(f.ctx, "not-a-uuid", u.ID, now, hold)
	isErr(t, err, model.ErrNotFound, "JoinRoom malformed room id")
	r := f.room("r", "study", 2)
	_, err = f.s.JoinRoom(f.ctx, r.ID, uuid.NewString(), now, hold)
	isErr(t, err, model.ErrNotFound, "JoinRoom unknown user")

	closed, err := f.s.CreateRoom(f.ctx, model.Room{Name: "closed", Category: "admin", IsActive: false, CreatedAt: base})
	ok(t, err, "CreateRoom inactive")
	_, err = f.s.JoinRoom(f.ctx, closed.ID, u.ID, now, hold)
	isErr(t, err, model.ErrRoomInactive, "JoinRoom inactive room")

	// A full room refuses, and the refused user stays where they were.
	home := f.room("home", "chores", 8)
	f.join(home.ID, u.ID, now)
	a, b := f.user("a"), f.user("b")
	f.join(r.ID, a.ID, now)
	f.join(r.ID, b.ID, now)
	_, err = f.s.JoinRoom(f.ctx, r.ID, u.ID, now, hold)
	isErr(t, err, model.ErrRoomFull, "JoinRoom full room")
	cur, err := f.s.CurrentRoom(f.ctx, u.ID)
	ok(t, err, "CurrentRoom")
	eq(t, cur, home.ID, "room of a user refused elsewhere")
	eq(t, f.getRoom(home.ID).CurrentCapacity, 1, "home CurrentCapacity")
	eq(t, f.getRoom(r.ID).CurrentCapacity, 2, "full room CurrentCapacity")

	// Someone already in a full room may "join" it again.
	res := f.join(r.ID, a.ID, now)
	eq(t, res.AlreadyIn, true, "AlreadyIn in a full room")
}

func testLeave(t *testing.T, f *fixture) {
	r := f.room("leave", "study", 8)
	u, other := f.user("leaver"), f.user("stayer")
	f.join(r.ID, u.ID, at(0))
	f.join(r.ID, other.ID, at(0))

	res, err := f.s.LeaveRoom(f.ctx, r.ID, u.ID, at(time.Minute))
	ok(t, err, "LeaveRoom")
	eq(t, res.WasIn, true, "WasIn")
	eq(t, res.Room.ID, r.ID, "left room")
	eq(t, res.Room.CurrentCapacity, 1, "CurrentCapacity after leave")
	eq(t, res.EndedSession, (*model.Session)(nil), "EndedSession without a session")
	_, err = f.s.CurrentRoom(f.ctx, u.ID)
	isErr(t, err, model.ErrNotFound, "CurrentRoom after leave")
	eq(t, f.participantIDs(r.ID), []string{other.ID}, "participants after leave")

	// Leaving again changes nothing.
	res, err = f.s.LeaveRoom(f.ctx, r.ID, u.ID, at(2*time.Minute))
	ok(t, err, "LeaveRoom again")
	eq(t, res.WasIn, false, "WasIn on second leave")
	eq(t, res.Room.CurrentCapacity, 1, "CurrentCapacity after second leave")

	// Leaving a room one was never in changes nothing either.
	elsewhere := f.room("elsewhere", "admin", 8)
	res, err = f.s.LeaveRoom(f.ctx, elsewhere.ID, other.ID, at(time.Minute))
	ok(t, err, "LeaveRoom not in")
	eq(t, res.WasIn, false, "WasIn for a room one is not in")
	cur, err := f.s.CurrentRoom(f.ctx, other.ID)
	ok(t, err, "CurrentRoom")
	eq(t, cur, r.ID, "room of a user who left another room")

	_, err = f.s.LeaveRoom(f.ctx, uuid.NewString(), u.ID, at(time.Minute))
	isErr(t, err, model.ErrNotFound, "LeaveRoom unknown room")

	// Leaving ends the open session there, without completing it.
	f.join(r.ID, u.ID, at(3*time.Minute))
	x := f.start(r.ID, u.ID, at(4*time.Minute), "write intro")
	res, err = f.s.LeaveRoom(f.ctx, r.ID, u.ID, at(4*time.Minute+150*time.Second))
	ok(t, err, "LeaveRoom with session")
	if res.EndedSession == nil {
		t.Fatal("LeaveRoom with an open session: EndedSession is nil")
	}
	checkEnded(t, *res.EndedSession, x, at(4*time.Minute+150*time.Second), 2)
	got, err := f.s.GetSession(f.ctx, x.ID)
	ok(t, err, "GetSession")
	eq(t, got, *res.EndedSession, "stored ended session")
}

// checkEnded checks that got is x ended at end without completing.
func checkEnded(t *testing.T, got, x model.Session, end time.Time, minutes int) {
	t.Helper()
	eq(t, got.ID, x.ID, "ended session ID")
	if got.EndedAt == nil {
		t.Fatal("ended session: EndedAt is nil")
	}
	sameTime(t, *got.EndedAt, end, "EndedAt")
	eq(t, got.DurationMinutes, &minutes, "DurationMinutes")
	eq(t, got.IsCompleted, false, "IsCompleted")
	eq(t, got.Goals, x.Goals, "Goals")
}

func testRejoin(t *testing.T, f *fixture) {
	r := f.room("rejoin", "study", 8)
	u := f.user("u")
	f.join(r.ID, u.ID, at(0))
	ok(t, f.s.SetStatuses(f.ctx, []model.StatusUpdate{{RoomID: r.ID, UserID: u.ID, Status: "away"}}), "SetStatuses")
	_, err := f.s.LeaveRoom(f.ctx, r.ID, u.ID, at(time.Minute))
	ok(t, err, "LeaveRoom")

	res := f.join(r.ID, u.ID, at(2*time.Minute))
	eq(t, res.AlreadyIn, false, "AlreadyIn on rejoin")
	eq(t, res.Room.CurrentCapacity, 1, "CurrentCapacity on rejoin")
	ps, err := f.s.Participants(f.ctx, r.ID)
	ok(t, err, "Participants")
	if len(ps) != 1 {
		t.Fatalf("Participants = %+v, want one", ps)
	}
	eq(t, ps[0].Status, "working", "status after rejoin")
	sameTime(t, ps[0].JoinedAt, at(2*time.Minute), "JoinedAt after rejoin")
}

func testMoveEndsSession(t *testing.T, f *fixture) {
	a, b := f.room("a", "study", 8), f.room("b", "creative", 8)
	u, other := f.user("mover"), f.user("other")
	f.join(a.ID, other.ID, at(0))
	f.join(a.ID, u.ID, at(0))
	x := f.start(a.ID, u.ID, at(time.Minute), "outline", "draft")

	moved := at(time.Minute + 17*time.Minute + 59*time.Second)
	res := f.join(b.ID, u.ID, moved)
	eq(t, res.AlreadyIn, false, "AlreadyIn")
	eq(t, res.Room.ID, b.ID, "joined room")
	eq(t, res.Room.CurrentCapacity, 1, "new room CurrentCapacity")
	if res.Left == nil {
		t.Fatal("moving rooms: Left is nil")
	}
	eq(t, res.Left.WasIn, true, "Left.WasIn")
	eq(t, res.Left.Room.ID, a.ID, "Left.Room")
	eq(t, res.Left.Room.CurrentCapacity, 1, "old room CurrentCapacity")
	if res.Left.EndedSession == nil {
		t.Fatal("moving rooms: Left.EndedSession is nil")
	}
	checkEnded(t, *res.Left.EndedSession, x, moved, 17)

	cur, err := f.s.CurrentRoom(f.ctx, u.ID)
	ok(t, err, "CurrentRoom")
	eq(t, cur, b.ID, "CurrentRoom after move")
	eq(t, f.participantIDs(a.ID), []string{other.ID}, "old room participants")
	eq(t, f.participantIDs(b.ID), []string{u.ID}, "new room participants")
	got, err := f.s.GetSession(f.ctx, x.ID)
	ok(t, err, "GetSession")
	eq(t, got, *res.Left.EndedSession, "stored ended session")

	// Moving without a session ends nothing.
	res = f.join(a.ID, u.ID, moved.Add(time.Minute))
	if res.Left == nil || res.Left.Room.ID != b.ID || res.Left.EndedSession != nil {
		t.Errorf("moving back: Left = %+v, want room b and no session", res.Left)
	}
}

func testJoinCapacityConcurrent(t *testing.T, f *fixture) {
	const capacity, people = 8, 50
	r := f.room("popular", "deep-work", capacity)
	us := f.users(people)
	joined, full := race(t, people, model.ErrRoomFull, "JoinRoom", func(i int) error {
		_, err := f.s.JoinRoom(f.ctx, r.ID, us[i].ID, at(0), at(30*time.Second))
		return err
	})
	eq(t, joined, int32(capacity), "successful joins")
	eq(t, full, int32(people-capacity), "ErrRoomFull joins")
	eq(t, len(f.participantIDs(r.ID)), capacity, "participants")
	eq(t, f.getRoom(r.ID).CurrentCapacity, capacity, "CurrentCapacity")
}

func testParticipants(t *testing.T, f *fixture) {
	a, b := f.room("a", "study", 8), f.room("b", "study", 8)
	avatar := "https://example.com/x.png"
	us := f.users(3)
	_, err := f.s.UpdateUser(f.ctx, us[1].ID, model.UserUpdate{AvatarURL: &avatar}, base)
	ok(t, err, "UpdateUser")
	// Joined in the order 2, 0, 1.
	f.join(a.ID, us[2].ID, at(1*time.Second))
	f.join(a.ID, us[0].ID, at(2*time.Second))
	f.join(a.ID, us[1].ID, at(3*time.Second))
	lone := f.user("lone")
	f.join(b.ID, lone.ID, at(4*time.Second))

	ps, err := f.s.Participants(f.ctx, a.ID)
	ok(t, err, "Participants")
	want := []model.Participant{
		{RoomID: a.ID, UserID: us[2].ID, DisplayName: us[2].DisplayName, Status: "working", JoinedAt: at(time.Second)},
		{RoomID: a.ID, UserID: us[0].ID, DisplayName: us[0].DisplayName, Status: "working", JoinedAt: at(2 * time.Second)},
		{RoomID: a.ID, UserID: us[1].ID, DisplayName: us[1].DisplayName, AvatarVersion: ptr(model.AvatarVersion(avatar)), Status: "working", JoinedAt: at(3 * time.Second)},
	}
	eq(t, ps, want, "Participants, oldest join first")

	all, err := f.s.AllParticipants(f.ctx)
	ok(t, err, "AllParticipants")
	eq(t, len(all), 4, "AllParticipants count")
	seen := map[string]string{}
	for _, p := range all {
		seen[p.UserID] = p.RoomID
	}
	eq(t, seen, map[string]string{us[0].ID: a.ID, us[1].ID: a.ID, us[2].ID: a.ID, lone.ID: b.ID}, "AllParticipants rooms")

	empty := f.room("empty", "admin", 8)
	ps, err = f.s.Participants(f.ctx, empty.ID)
	ok(t, err, "Participants of an empty room")
	eq(t, len(ps), 0, "participants of an empty room")
	_, err = f.s.Participants(f.ctx, uuid.NewString())
	isErr(t, err, model.ErrNotFound, "Participants unknown room")
}

func testSetStatus(t *testing.T, f *fixture) {
	r := f.room("status", "study", 8)
	u, v := f.user("u"), f.user("v")
	f.join(r.ID, u.ID, at(0))
	f.join(r.ID, v.ID, at(0))
	status := func(id string) string {
		t.Helper()
		ps, err := f.s.Participants(f.ctx, r.ID)
		ok(t, err, "Participants")
		for _, p := range ps {
			if p.UserID == id {
				return p.Status
			}
		}
		t.Fatalf("%s not in the room", id)
		return ""
	}
	for _, st := range []string{"break", "away", "working"} {
		ok(t, f.s.SetStatuses(f.ctx, []model.StatusUpdate{{RoomID: r.ID, UserID: u.ID, Status: st}, {RoomID: r.ID, UserID: v.ID, Status: "away"}}), "SetStatuses "+st)
		eq(t, status(u.ID), st, "status")
		eq(t, status(v.ID), "away", "second update of the batch")
	}
	// Updates for people not in that room change nothing and fail nothing.
	other := f.room("other", "study", 8)
	stranger := f.user("stranger")
	ok(t, f.s.SetStatuses(f.ctx, []model.StatusUpdate{{RoomID: other.ID, UserID: u.ID, Status: "break"}, {RoomID: r.ID, UserID: stranger.ID, Status: "break"}}), "SetStatuses for outsiders")
	eq(t, status(u.ID), "working", "status after an update for another room")
	_, err := f.s.LeaveRoom(f.ctx, r.ID, u.ID, at(time.Minute))
	ok(t, err, "LeaveRoom")
	ok(t, f.s.SetStatuses(f.ctx, []model.StatusUpdate{{RoomID: r.ID, UserID: u.ID, Status: "away"}}), "SetStatuses after leaving")
	res, err := f.s.JoinRoom(f.ctx, r.ID, u.ID, at(2*time.Minute), at(3*time.Minute))
	ok(t, err, "JoinRoom again")
	eq(t, res.AlreadyIn, false, "rejoined")
	eq(t, status(u.ID), "working", "a rejoin starts working, untouched by the update made while away")
	ok(t, f.s.SetStatuses(f.ctx, nil), "empty batch")

	// A batch bigger than any one statement still applies every update.
	big := make([]model.StatusUpdate, 0, 1201)
	for range 1200 {
		big = append(big, model.StatusUpdate{RoomID: r.ID, UserID: uuid.NewString(), Status: "away"})
	}
	big = append(big, model.StatusUpdate{RoomID: r.ID, UserID: v.ID, Status: "break"})
	ok(t, f.s.SetStatuses(f.ctx, big), "SetStatuses of 1201")
	eq(t, status(v.ID), "break", "the last update of a big batch")
}

func testPresence(t *testing.T, f *fixture) {
	r := f.room("presence", "study", 8)
	u1, u2 := f.user("u1"), f.user("u2")
	f.join(r.ID, u1.ID, at(0)) // held until 30 s
	f.join(r.ID, u2.ID, at(time.Millisecond))

	expired := f.expiredIDs
	eq(t, expired(at(30*time.Second)), []string{}, "expired at the hold's end")
	if got := expired(at(31 * time.Second)); len(got) != 2 {
		t.Errorf("expired after the hold = %v, want both users", got)
	}

	ok(t, f.s.TouchParticipants(f.ctx, []string{u1.ID}, at(60*time.Second)), "TouchParticipants")
	eq(t, expired(at(31*time.Second)), []string{u2.ID}, "expired after touching u1")
	// Touching never shortens a hold.
	ok(t, f.s.TouchParticipants(f.ctx, []string{u1.ID, u2.ID}, at(20*time.Second)), "TouchParticipants earlier")
	eq(t, expired(at(31*time.Second)), []string{u2.ID}, "expired after an earlier touch")
	// Joining a room one is in extends the hold.
	res := f.join(r.ID, u2.ID, at(20*time.Second)) // until 50 s
	eq(t, res.AlreadyIn, true, "AlreadyIn")
	eq(t, expired(at(45*time.Second)), []string{}, "expired after rejoining")
	// Nothing to touch is fine, and so is a user in no room.
	ok(t, f.s.TouchParticipants(f.ctx, nil, at(time.Hour)), "TouchParticipants nobody")
	ok(t, f.s.TouchParticipants(f.ctx, []string{f.user("away").ID}, at(time.Hour)), "TouchParticipants user in no room")

	// ExpireParticipant leaves only a participation whose hold ran out.
	res2, err := f.s.ExpireParticipant(f.ctx, r.ID, u1.ID, at(45*time.Second))
	ok(t, err, "ExpireParticipant early")
	eq(t, res2.WasIn, false, "WasIn for a held seat")
	eq(t, f.participantIDs(r.ID), []string{u1.ID, u2.ID}, "participants after an early expiry")

	x := f.start(r.ID, u1.ID, at(50*time.Second))
	res2, err = f.s.ExpireParticipant(f.ctx, r.ID, u1.ID, at(61*time.Second))
	ok(t, err, "ExpireParticipant")
	eq(t, res2.WasIn, true, "WasIn for an expired seat")
	eq(t, res2.Room.CurrentCapacity, 1, "CurrentCapacity after expiry")
	if res2.EndedSession == nil {
		t.Fatal("ExpireParticipant: EndedSession is nil")
	}
	checkEnded(t, *res2.EndedSession, x, at(61*time.Second), 0)
	eq(t, f.participantIDs(r.ID), []string{u2.ID}, "participants after expiry")
	eq(t, expired(at(time.Hour)), []string{u2.ID}, "expired after u1 left")

	// Expiring someone not in the room changes nothing.
	res2, err = f.s.ExpireParticipant(f.ctx, r.ID, u1.ID, at(time.Hour))
	ok(t, err, "ExpireParticipant again")
	eq(t, res2.WasIn, false, "WasIn after leaving")
	_, err = f.s.ExpireParticipant(f.ctx, uuid.NewString(), u1.ID, at(time.Hour))
	isErr(t, err, model.ErrNotFound, "ExpireParticipant unknown room")
}

func testExpireConcurrent(t *testing.T, f *fixture) {
	r := f.room("sweep", "study", 8)
	u := f.user("gone")
	f.join(r.ID, u.ID, at(0))
	f.start(r.ID, u.ID, at(0))
	var wasIn, ended atomic.Int32
	parallel(10, func(int) {
		res, err := f.s.ExpireParticipant(f.ctx, r.ID, u.ID, at(time.Minute))
		if err != nil {
			t.Errorf("ExpireParticipant: %v", err)
			return
		}
		if res.WasIn {
			wasIn.Add(1)
		}
		if res.EndedSession != nil {
			ended.Add(1)
		}
	})
	eq(t, wasIn.Load(), int32(1), "callers that saw WasIn")
	eq(t, ended.Load(), int32(1), "callers that ended the session")
	eq(t, len(f.participantIDs(r.ID)), 0, "participants after expiry")
}

package storetest

import (
	"errors"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/bodydouble/bodydouble/internal/model"
)

func testSessions(t *testing.T, f *fixture) {
	r := f.room("sessions", "deep-work", 8)
	u := f.user("focus")
	f.join(r.ID, u.ID, at(0))

	// A planned block of 50 minutes: the plan is stored and read back by
	// every read (Get, the updates, completion, OpenSessions, History).
	in := model.Session{RoomID: r.ID, UserID: u.ID, StartedAt: at(time.Minute), Goals: []string{"inbox zero", "plan week"}, ShareGoals: true,
		PlannedMinutes: ptr(50)}
	x, err := f.s.StartSession(f.ctx, in)
	ok(t, err, "StartSession")
	isUUID(t, x.ID, "StartSession")
	want := in
	want.ID = x.ID
	want.Achievements = []string{}
	eq(t, x, want, "started session")
	got, err := f.s.GetSession(f.ctx, x.ID)
	ok(t, err, "GetSession")
	eq(t, got, want, "stored session")
	open, err := f.s.OpenSessions(f.ctx, r.ID)
	ok(t, err, "OpenSessions")
	eq(t, open, []model.Session{want}, "open sessions with a planned block")

	// A second open session is refused, naming the first.
	_, err = f.s.StartSession(f.ctx, model.Session{RoomID: r.ID, UserID: u.ID, StartedAt: at(2 * time.Minute)})
	var active *model.SessionActiveError
	if !errors.As(err, &active) {
		t.Fatalf("second StartSession: got %v, want *SessionActiveError", err)
	}
	eq(t, active.SessionID, x.ID, "SessionActiveError.SessionID")
	isErr(t, err, model.ErrSessionActive, "second StartSession")

	// Partial updates keep what they do not name.
	got, err = f.s.UpdateSession(f.ctx, x.ID, u.ID, model.SessionUpdate{Progress: ptr(40)})
	ok(t, err, "UpdateSession progress")
	want.Progress = 40
	eq(t, got, want, "session after progress update")
	got, err = f.s.UpdateSession(f.ctx, x.ID, u.ID, model.SessionUpdate{Goals: []string{"inbox zero"}, ShareGoals: ptr(false)})
	ok(t, err, "UpdateSession goals")
	want.Goals, want.ShareGoals = []string{"inbox zero"}, false
	eq(t, got, want, "session after goals update")
	got, err = f.s.GetSession(f.ctx, x.ID)
	ok(t, err, "GetSession")
	eq(t, got, want, "stored updated session")

	// Completing sets the end, whole minutes rounded down, and keeps goals.
	end := at(time.Minute + 25*time.Minute + 59*time.Second + 999*time.Millisecond)
	got, err = f.s.CompleteSession(f.ctx, x.ID, u.ID, []string{"inbox zero"}, ptr(4), end)
	ok(t, err, "CompleteSession")
	want.EndedAt, want.DurationMinutes, want.IsCompleted = &end, ptr(25), true
	want.Achievements, want.Rating = []string{"inbox zero"}, ptr(4)
	eq(t, got, want, "completed session")
	sameTime(t, *got.EndedAt, end, "EndedAt")
	got, err = f.s.GetSession(f.ctx, x.ID)
	ok(t, err, "GetSession")
	eq(t, got, want, "stored completed session")

	_, err = f.s.CompleteSession(f.ctx, x.ID, u.ID, nil, nil, end.Add(time.Minute))
	isErr(t, err, model.ErrConflict, "CompleteSession twice")
	_, err = f.s.UpdateSession(f.ctx, x.ID, u.ID, model.SessionUpdate{Progress: ptr(50)})
	isErr(t, err, model.ErrConflict, "UpdateSession after completion")

	hist, err := f.s.History(f.ctx, u.ID, model.HistoryOptions{Limit: 1})
	ok(t, err, "History")
	eq(t, hist, []model.Session{want}, "history of a planned block")

	// Still in the room, a new session may start; no rating stays nil, and
	// neither does an open-ended block's plan; goals may be empty.
	y := f.start(r.ID, u.ID, end.Add(time.Minute))
	eq(t, y.PlannedMinutes, (*int)(nil), "PlannedMinutes of an open-ended block")
	got, err = f.s.GetSession(f.ctx, y.ID)
	ok(t, err, "GetSession open-ended")
	eq(t, got.PlannedMinutes, (*int)(nil), "stored PlannedMinutes of an open-ended block")
	got, err = f.s.CompleteSession(f.ctx, y.ID, u.ID, nil, nil, end.Add(3*time.Minute))
	ok(t, err, "CompleteSession without rating")
	eq(t, got.Rating, (*int)(nil), "Rating")
	eq(t, got.Achievements, []string{}, "Achievements")
	eq(t, got.Goals, []string{}, "Goals")
	eq(t, *got.DurationMinutes, 2, "DurationMinutes")
}

func testSessionErrors(t *testing.T, f *fixture) {
	r := f.room("errors", "study", 8)
	u, other := f.user("owner"), f.user("other")

	_, err := f.s.StartSession(f.ctx, model.Session{RoomID: r.ID, UserID: u.ID, StartedAt: at(0)})
	isErr(t, err, model.ErrNotInRoom, "StartSession outside the room")
	f.join(r.ID, u.ID, at(0))
	elsewhere := f.room("elsewhere", "study", 8)
	_, err = f.s.StartSession(f.ctx, model.Session{RoomID: elsewhere.ID, UserID: u.ID, StartedAt: at(0)})
	isErr(t, err, model.ErrNotInRoom, "StartSession in another room")
	_, err = f.s.StartSession(f.ctx, model.Session{RoomID: uuid.NewString(), UserID: u.ID, StartedAt: at(0)})
	isErr(t, err, model.ErrNotFound, "StartSession unknown room")

	x := f.start(r.ID, u.ID, at(time.Minute), "goal")
	_, err = f.s.GetSession(f.ctx, uuid.NewString())
	isErr(t, err, model.ErrNotFound, "GetSession unknown")
	_, err = f.s.GetSession(f.ctx, "not-a-uuid")
	isErr(t, err, model.ErrNotFound, "GetSession malformed id")

	// Someone else's session is not found, for every change.
	_, err = f.s.UpdateSession(f.ctx, x.ID, other.ID, model.SessionUpdate{Progress: ptr(10)})
	isErr(t, err, model.ErrNotFound, "UpdateSession someone else's")
	_, err = f.s.CompleteSession(f.ctx, x.ID, other.ID, nil, nil, at(time.Hour))
	isErr(t, err, model.ErrNotFound, "CompleteSession someone else's")
	_, err = f.s.UpdateSession(f.ctx, uuid.NewString(), u.ID, model.SessionUpdate{Progress: ptr(10)})
	isErr(t, err, model.ErrNotFound, "UpdateSession unknown")
	_, err = f.s.CompleteSession(f.ctx, "not-a-uuid", u.ID, nil, nil, at(time.Hour))
	isErr(t, err, model.ErrNotFound, "CompleteSession malformed id")
	got, err := f.s.GetSession(f.ctx, x.ID)
	ok(t, err, "GetSession")
	eq(t, got, x, "session after refused changes")

	// An ended (not completed) session cannot be completed or updated.
	_, err = f.s.LeaveRoom(f.ctx, r.ID, u.ID, at(2*time.Minute))
	ok(t, err, "LeaveRoom")
	_, err = f.s.CompleteSession(f.ctx, x.ID, u.ID, nil, nil, at(3*time.Minute))
	isErr(t, err, model.ErrConflict, "CompleteSession after leaving")
	_, err = f.s.UpdateSession(f.ctx, x.ID, u.ID, model.SessionUpdate{Progress: ptr(10)})
	isErr(t, err, model.ErrConflict, "UpdateSession after leaving")
}

func testOpenSessions(t *testing.T, f *fixture) {
	r, other := f.room("open", "study", 8), f.room("other", "study", 8)
	a, b, c := f.user("a"), f.user("b"), f.user("c")
	f.join(r.ID, a.ID, at(0))
	f.join(r.ID, b.ID, at(0))
	f.join(other.ID, c.ID, at(0))
	xa := f.start(r.ID, a.ID, at(time.Minute), "a's goal")
	xb := f.start(r.ID, b.ID, at(2*time.Minute))
	f.start(other.ID, c.ID, at(time.Minute))

	ids := func() []string {
		t.Helper()
		xs, err := f.s.OpenSessions(f.ctx, r.ID)
		ok(t, err, "OpenSessions")
		ids := []string{}
		for _, x := range xs {
			ids = append(ids, x.ID)
		}
		return ids
	}
	eq(t, ids(), []string{xa.ID, xb.ID}, "open sessions")
	_, err := f.s.CompleteSession(f.ctx, xa.ID, a.ID, nil, nil, at(time.Hour))
	ok(t, err, "CompleteSession")
	eq(t, ids(), []string{xb.ID}, "open sessions after a completion")
	_, err = f.s.LeaveRoom(f.ctx, r.ID, b.ID, at(time.Hour))
	ok(t, err, "LeaveRoom")
	eq(t, ids(), []string{}, "open sessions after the last leave")
}

func testHistory(t *testing.T, f *fixture) {
	r := f.room("history", "study", 8)
	u, other := f.user("u"), f.user("other")
	f.join(r.ID, u.ID, at(0))
	f.join(r.ID, other.ID, at(0))
	f.start(r.ID, other.ID, at(0))

	// Five sessions an hour apart, each 30 minutes long.
	var xs []model.Session
	for i := range 5 {
		x := f.start(r.ID, u.ID, at(time.Duration(i)*time.Hour), "goal")
		x, err := f.s.CompleteSession(f.ctx, x.ID, u.ID, []string{"done"}, nil, x.StartedAt.Add(30*time.Minute))
		ok(t, err, "CompleteSession")
		xs = append(xs, x)
	}

	all, err := f.s.History(f.ctx, u.ID, model.HistoryOptions{Limit: 10})
	ok(t, err, "History")
	eq(t, all, []model.Session{xs[4], xs[3], xs[2], xs[1], xs[0]}, "History, newest first")

	var paged []string
	opts := model.HistoryOptions{Limit: 2}
	for range 10 {
		page, err := f.s.History(f.ctx, u.ID, opts)
		ok(t, err, "History page")
		if len(page) > 2 {
			t.Fatalf("History page of %d, limit 2", len(page))
		}
		for _, x := range page {
			paged = append(paged, x.ID)
		}
		if len(page) < 2 {
			break
		}
		opts.Before = page[len(page)-1].ID
	}
	eq(t, paged, []string{xs[4].ID, xs[3].ID, xs[2].ID, xs[1].ID, xs[0].ID}, "History in pages of 2")

	since, err := f.s.SessionsSince(f.ctx, u.ID, at(2*time.Hour))
	ok(t, err, "SessionsSince")
	eq(t, since, []model.Session{xs[2], xs[3], xs[4]}, "SessionsSince, oldest first, inclusive")
	since, err = f.s.SessionsSince(f.ctx, u.ID, at(5*time.Hour))
	ok(t, err, "SessionsSince future")
	eq(t, since, []model.Session{}, "SessionsSince after the last")

	// Someone else's history is theirs alone.
	h, err := f.s.History(f.ctx, other.ID, model.HistoryOptions{Limit: 10})
	ok(t, err, "History other")
	eq(t, len(h), 1, "other user's history")
	h, err = f.s.History(f.ctx, f.user("new").ID, model.HistoryOptions{Limit: 10})
	ok(t, err, "History new user")
	eq(t, h, []model.Session{}, "new user's history")

	// A cursor must be one of the user's own sessions.
	_, err = f.s.History(f.ctx, u.ID, model.HistoryOptions{Limit: 2, Before: uuid.NewString()})
	isErr(t, err, model.ErrNotFound, "History before an unknown session")
	_, err = f.s.History(f.ctx, other.ID, model.HistoryOptions{Limit: 2, Before: xs[0].ID})
	isErr(t, err, model.ErrNotFound, "History before someone else's session")
}

package storetest

import (
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/bodydouble/bodydouble/internal/model"
)

func testTimers(t *testing.T, f *fixture) {
	r := f.room("timer", "study", 8)
	u := f.user("u")

	_, err := f.s.GetTimer(f.ctx, uuid.NewString())
	isErr(t, err, model.ErrNotFound, "GetTimer unknown room")
	tm, err := f.s.GetTimer(f.ctx, r.ID)
	ok(t, err, "GetTimer")
	eq(t, tm, model.Timer{RoomID: r.ID, State: "idle"}, "timer of a new room")

	ends := at(25 * time.Minute)
	running := model.Timer{RoomID: r.ID, State: "running", Type: "work", Duration: 1500, Remaining: 1500, EndsAt: &ends, By: &u.ID, Version: 1}
	ok(t, f.s.SaveTimer(f.ctx, running, 0), "SaveTimer first")
	tm, err = f.s.GetTimer(f.ctx, r.ID)
	ok(t, err, "GetTimer")
	eq(t, tm, running, "stored running timer")

	// A save from a stale version loses, whether first or later.
	isErr(t, f.s.SaveTimer(f.ctx, running, 0), model.ErrConflict, "SaveTimer from version 0 again")
	paused := model.Timer{RoomID: r.ID, State: "paused", Type: "work", Duration: 1500, Remaining: 900, By: &u.ID, Version: 2}
	ok(t, f.s.SaveTimer(f.ctx, paused, 1), "SaveTimer pause")
	isErr(t, f.s.SaveTimer(f.ctx, paused, 1), model.ErrConflict, "SaveTimer from a stale version")
	tm, err = f.s.GetTimer(f.ctx, r.ID)
	ok(t, err, "GetTimer")
	eq(t, tm, paused, "stored paused timer")

	idle := model.Timer{RoomID: r.ID, State: "idle", By: &u.ID, Version: 3}
	ok(t, f.s.SaveTimer(f.ctx, idle, 2), "SaveTimer reset")
	tm, err = f.s.GetTimer(f.ctx, r.ID)
	ok(t, err, "GetTimer")
	eq(t, tm, idle, "stored idle timer")

	gone := model.Timer{RoomID: uuid.NewString(), State: "idle", Version: 1}
	isErr(t, f.s.SaveTimer(f.ctx, gone, 0), model.ErrNotFound, "SaveTimer unknown room")

	// RunningTimers lists running timers only.
	other := f.room("other", "study", 8)
	ends2 := at(5 * time.Minute)
	running2 := model.Timer{RoomID: other.ID, State: "running", Type: "break", Duration: 300, Remaining: 300, EndsAt: &ends2, Version: 1}
	ok(t, f.s.SaveTimer(f.ctx, running2, 0), "SaveTimer other")
	third := f.room("third", "study", 8)
	running3 := running
	running3.RoomID = third.ID
	ok(t, f.s.SaveTimer(f.ctx, running3, 0), "SaveTimer third")
	ts, err := f.s.RunningTimers(f.ctx)
	ok(t, err, "RunningTimers")
	eq(t, len(ts), 2, "running timers")
	for _, got := range ts {
		switch got.RoomID {
		case other.ID:
			eq(t, got, running2, "running timer of other")
		case third.ID:
			eq(t, got, running3, "running timer of third")
		default:
			t.Errorf("RunningTimers lists room %s", got.RoomID)
		}
	}
}

func testTimerConcurrent(t *testing.T, f *fixture) {
	r := f.room("race", "study", 8)
	// Two first saves race, then two later saves from the same version.
	for prev := range int64(3) {
		won, lost := race(t, 2, model.ErrConflict, "SaveTimer", func(i int) error {
			tm := model.Timer{RoomID: r.ID, State: "paused", Type: "work", Duration: 60 * (i + 1), Remaining: 60, Version: prev + 1}
			return f.s.SaveTimer(f.ctx, tm, prev)
		})
		eq(t, won, int32(1), "winning saves")
		eq(t, lost, int32(1), "losing saves")
		tm, err := f.s.GetTimer(f.ctx, r.ID)
		ok(t, err, "GetTimer")
		eq(t, tm.Version, prev+1, "version after the race")
	}
}

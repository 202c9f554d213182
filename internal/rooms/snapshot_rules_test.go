package rooms_test

import (
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/bodydouble/bodydouble/internal/apperr"
	"github.com/bodydouble/bodydouble/internal/wire"
)

// A snapshot is the room, its participants and its timer as of now: a
// running timer's remaining seconds count down with the clock, rounded up.
func TestSnapshotRules(t *testing.T) {
	t.Parallel()
	eachBackend(t, func(t *testing.T, e *env) {
		me, other := e.user(), e.user()
		r := e.room(me, 4, "open")
		for _, id := range []string{uuid.NewString(), "r"} {
			_, err := e.s.Snapshot(e.ctx, id)
			wantCode(t, "snapshot of "+id, err, apperr.NotFound)
			_, err = e.s.Participants(e.ctx, id)
			wantCode(t, "participants of "+id, err, apperr.NotFound)
		}

		snap, err := e.s.Snapshot(e.ctx, r.ID)
		if err != nil || snap.Room.ID != r.ID || snap.Room.MicPolicy != "open" || snap.Room.MaxCapacity != 4 ||
			len(snap.Participants) != 0 || snap.Timer.State != "idle" || snap.Timer.Version != 0 || snap.Timer.EndsAt != nil {
			t.Fatalf("empty room: %+v, %v", snap, err)
		}

		e.join(r.ID, me)
		e.clock.Advance(time.Second)
		e.join(r.ID, other)
		if _, err := e.s.StartTimer(e.ctx, me, wire.StartTimerInput{RoomID: r.ID, Duration: 90, Type: "work"}, none); err != nil {
			t.Fatal(err)
		}
		steps := []struct {
			wait      time.Duration
			remaining int
		}{
			{0, 90},
			{500 * time.Millisecond, 90}, // 89.5 s left
			{29*time.Second + 500*time.Millisecond, 60},
			{59*time.Second + 999*time.Millisecond, 1},
			{time.Millisecond, 0}, // due: nothing left, though not yet completed
			{time.Hour, 0},        // never below zero
		}
		for _, st := range steps {
			e.clock.Advance(st.wait)
			snap, err := e.s.Snapshot(e.ctx, r.ID)
			if err != nil {
				t.Fatal(err)
			}
			if snap.Timer.State != "running" || snap.Timer.Remaining != st.remaining || snap.Timer.Type == nil || *snap.Timer.Type != "work" {
				t.Fatalf("after %v more: %+v, want %d s left", st.wait, snap.Timer, st.remaining)
			}
		}
		snap, _ = e.s.Snapshot(e.ctx, r.ID)
		if snap.Room.CurrentCapacity != 2 || len(snap.Participants) != 2 {
			t.Fatalf("%d counted, %d listed; want 2", snap.Room.CurrentCapacity, len(snap.Participants))
		}
		// Participants are listed in the order they joined.
		if snap.Participants[0].ID != me || snap.Participants[1].ID != other ||
			!time.Time(snap.Participants[0].JoinedAt).Before(time.Time(snap.Participants[1].JoinedAt)) {
			t.Fatalf("participants %+v", snap.Participants)
		}
	})
}

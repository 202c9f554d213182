package rooms_test

import (
	"testing"

	"github.com/bodydouble/bodydouble/internal/protocol"
	"github.com/bodydouble/bodydouble/internal/rooms"
	"github.com/bodydouble/bodydouble/internal/wire"
)

// A planned block is 5 to 240 minutes, or open-ended (null or absent);
// anything else is invalid on plannedMinutes and starts nothing. The plan
// is stored, and the room sees it on the person's focus: in the snapshot
// and in focus-session-started, for the owner and for everyone else.
func TestPlannedMinutesRules(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		planned *int
		ok      bool
	}{
		{"open-ended", nil, true},
		{"the shortest", ptr(rooms.MinPlanned), true},
		{"a pomodoro", ptr(25), true},
		{"the longest", ptr(rooms.MaxPlanned), true},
		{"too short", ptr(rooms.MinPlanned - 1), false},
		{"zero", ptr(0), false},
		{"negative", ptr(-30), false},
		{"too long", ptr(rooms.MaxPlanned + 1), false},
	}
	eachBackend(t, func(t *testing.T, e *env) {
		me := e.user()
		r := e.room(me, 8, "muted")
		e.join(r.ID, me)
		w := e.watch(r.ID)
		for _, tc := range tests {
			s, err := e.s.StartSession(e.ctx, me, wire.StartSessionInput{RoomID: r.ID, PlannedMinutes: tc.planned}, none)
			if !tc.ok {
				wantFields(t, tc.name, err, "plannedMinutes")
				e.quiet(w, r.ID) // nothing started, nothing told
				continue
			}
			if err != nil || !samePlan(s.PlannedMinutes, tc.planned) || len(s.Goals) != 0 {
				t.Fatalf("%s: %+v, %v", tc.name, s, err)
			}
			ev := w.next(protocol.EvSessionStarted)
			public := decode[wire.SessionEvent](t, ev.Data).Session
			own := decode[wire.SessionEvent](t, ev.OwnerData).Session
			if !samePlan(public.PlannedMinutes, tc.planned) || !samePlan(own.PlannedMinutes, tc.planned) {
				t.Errorf("%s: focus-session-started says %v (public) and %v (owner)", tc.name, public.PlannedMinutes, own.PlannedMinutes)
			}
			snap, err := e.s.Snapshot(e.ctx, r.ID)
			if err != nil || len(snap.Participants) != 1 || snap.Participants[0].Focus == nil {
				t.Fatalf("%s: snapshot %+v, %v", tc.name, snap.Participants, err)
			}
			if f := snap.Participants[0].Focus; f.SessionID != s.ID || !samePlan(f.PlannedMinutes, tc.planned) {
				t.Errorf("%s: focus %+v, want the plan %v", tc.name, f, tc.planned)
			}
			got, err := e.s.GetSession(e.ctx, me, s.ID)
			if err != nil || !samePlan(got.PlannedMinutes, tc.planned) {
				t.Errorf("%s: stored %v, %v", tc.name, got.PlannedMinutes, err)
			}
			if _, err := e.s.CompleteSession(e.ctx, me, s.ID, wire.CompleteSessionInput{}, none); err != nil {
				t.Fatal(err)
			}
			w.next(protocol.EvSessionCompleted)
		}
	})
}

func samePlan(a, b *int) bool {
	return a == nil && b == nil || a != nil && b != nil && *a == *b
}

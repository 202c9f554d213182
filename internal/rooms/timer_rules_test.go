package rooms_test

import (
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/bodydouble/bodydouble/internal/apperr"
	"github.com/bodydouble/bodydouble/internal/rooms"
	"github.com/bodydouble/bodydouble/internal/store/storetest"
	"github.com/bodydouble/bodydouble/internal/wire"
)

// A timer runs from 1 second to 4 hours and is of type work or break;
// every problem is listed.
func TestStartTimerRules(t *testing.T) {
	t.Parallel()
	tests := []struct {
		duration int
		typ      string
		fields   []string // nil when accepted
	}{
		{rooms.MinTimer, "work", nil},
		{25 * 60, "break", nil},
		{rooms.MaxTimer, "work", nil},
		{0, "work", []string{"duration"}},
		{-60, "work", []string{"duration"}},
		{rooms.MaxTimer + 1, "break", []string{"duration"}},
		{60, "", []string{"type"}},
		{60, "Work", []string{"type"}},
		{60, "nap", []string{"type"}},
		{0, "nap", []string{"duration", "type"}},
	}
	eachBackend(t, func(t *testing.T, e *env) {
		me := e.user()
		r := e.room(me, 8, "muted")
		e.join(r.ID, me)
		version := int64(0)
		for _, tc := range tests {
			got, err := e.s.StartTimer(e.ctx, me, wire.StartTimerInput{RoomID: r.ID, Duration: tc.duration, Type: tc.typ}, none)
			if tc.fields != nil {
				wantFields(t, "timer", err, tc.fields...)
				continue
			}
			version++
			ends := e.clock.Now().Add(time.Duration(tc.duration) * time.Second)
			if err != nil || got.State != "running" || got.Type != tc.typ || got.Duration != tc.duration || got.Remaining != tc.duration ||
				got.EndsAt == nil || !got.EndsAt.Equal(ends) || got.By == nil || *got.By != me || got.Version != version {
				t.Fatalf("start %d %s: %+v, %v", tc.duration, tc.typ, got, err)
			}
		}
	})
}

// Only a participant of the room changes its timer.
func TestTimerNeedsTheRoom(t *testing.T) {
	t.Parallel()
	eachBackend(t, func(t *testing.T, e *env) {
		me, other := e.user(), e.user()
		mine, theirs := e.room(me, 8, "muted"), e.room(other, 8, "muted")
		e.join(theirs.ID, other)
		tests := []struct {
			name, room, code string
		}{
			{"in no room", theirs.ID, apperr.NotInRoom},
			{"an id that is no id", "r", apperr.NotFound},
		}
		for _, tc := range tests {
			_, err := e.s.StartTimer(e.ctx, me, wire.StartTimerInput{RoomID: tc.room, Duration: 60, Type: "work"}, none)
			wantCode(t, "start "+tc.name, err, tc.code)
			_, err = e.s.ControlTimer(e.ctx, me, tc.room, rooms.Reset, none)
			wantCode(t, "reset "+tc.name, err, tc.code)
		}
		e.join(mine.ID, me)
		_, err := e.s.StartTimer(e.ctx, me, wire.StartTimerInput{RoomID: theirs.ID, Duration: 60, Type: "work"}, none)
		wantCode(t, "start in another room", err, apperr.NotInRoom)
		snap, err := e.s.Snapshot(e.ctx, theirs.ID)
		if err != nil || snap.Timer.State != "idle" || snap.Timer.Version != 0 {
			t.Fatalf("their timer after refusals: %+v, %v", snap.Timer, err)
		}
	})
}

// Pause works on a running timer, resume on a paused one, reset on any;
// each change adds one to the version, a refused one changes nothing.
func TestTimerTransitions(t *testing.T) {
	t.Parallel()
	tests := []struct {
		from   string // the state the timer is put in first
		action rooms.TimerAction
		to     string // "" when refused
	}{
		{"idle", rooms.Pause, ""},
		{"idle", rooms.Resume, ""},
		{"idle", rooms.Reset, "idle"},
		{"running", rooms.Pause, "paused"},
		{"running", rooms.Resume, ""},
		{"running", rooms.Reset, "idle"},
		{"paused", rooms.Pause, ""},
		{"paused", rooms.Resume, "running"},
		{"paused", rooms.Reset, "idle"},
		{"running", "stop", ""},
		{"paused", "", ""},
	}
	eachBackend(t, func(t *testing.T, e *env) {
		me := e.user()
		r := e.room(me, 8, "muted")
		e.join(r.ID, me)
		for _, tc := range tests {
			if _, err := e.s.ControlTimer(e.ctx, me, r.ID, rooms.Reset, none); err != nil {
				t.Fatal(err)
			}
			if tc.from != "idle" {
				if _, err := e.s.StartTimer(e.ctx, me, wire.StartTimerInput{RoomID: r.ID, Duration: 600, Type: "work"}, none); err != nil {
					t.Fatal(err)
				}
			}
			if tc.from == "paused" {
				if _, err := e.s.ControlTimer(e.ctx, me, r.ID, rooms.Pause, none); err != nil {
					t.Fatal(err)
				}
			}
			before := timerOf(t, e, r.ID)
			got, err := e.s.ControlTimer(e.ctx, me, r.ID, tc.action, none)
			what := tc.from + " " + string(tc.action)
			if tc.to == "" {
				wantCode(t, what, err, apperr.Invalid)
				if after := timerOf(t, e, r.ID); after.Version != before.Version || after.State != before.State {
					t.Fatalf("%s: refused but the timer went from %+v to %+v", what, before, after)
				}
				continue
			}
			if err != nil || got.State != tc.to || got.Version != before.Version+1 {
				t.Fatalf("%s: %+v, %v", what, got, err)
			}
			if after := timerOf(t, e, r.ID); after.State != tc.to || after.Version != got.Version {
				t.Fatalf("%s: stored %+v", what, after)
			}
		}
	})
}

// timerOf is a room's timer as its snapshot shows it.
func timerOf(t *testing.T, e *env, roomID string) wire.Timer {
	t.Helper()
	snap, err := e.s.Snapshot(e.ctx, roomID)
	if err != nil {
		t.Fatal(err)
	}
	return snap.Timer
}

// Pausing keeps the whole seconds left, rounded up; resuming runs them
// from the moment of resuming; everyone in the room is told each change.
func TestTimerPauseKeepsWhatIsLeft(t *testing.T) {
	t.Parallel()
	eachBackend(t, func(t *testing.T, e *env) {
		me := e.user()
		r := e.room(me, 8, "muted")
		e.join(r.ID, me)
		w := e.watch(r.ID)
		if _, err := e.s.StartTimer(e.ctx, me, wire.StartTimerInput{RoomID: r.ID, Duration: 60, Type: "work"}, none); err != nil {
			t.Fatal(err)
		}
		started := decode[wire.TimerEvent](t, w.next("timer-started").Data)
		if started.RoomID != r.ID || started.State != "running" || started.EndsAt == nil ||
			*started.EndsAt != e.clock.Now().Add(time.Minute).UnixMilli() || started.Type == nil || *started.Type != "work" {
			t.Fatalf("timer-started %+v", started)
		}
		steps := []struct {
			wait      time.Duration
			action    rooms.TimerAction
			remaining int
		}{
			{10*time.Second + 500*time.Millisecond, rooms.Pause, 50}, // 49.5 s left
			{time.Hour, rooms.Resume, 50},                            // paused time does not count
			{200 * time.Millisecond, rooms.Pause, 50},                // 49.8 s left
			{0, rooms.Resume, 50},
			{49*time.Second + 999*time.Millisecond, rooms.Pause, 1}, // a millisecond left
		}
		for i, st := range steps {
			e.clock.Advance(st.wait)
			got, err := e.s.ControlTimer(e.ctx, me, r.ID, st.action, none)
			if err != nil || got.Remaining != st.remaining {
				t.Fatalf("step %d (%s): %+v, %v", i, st.action, got, err)
			}
			ev := decode[wire.TimerEvent](t, w.next("timer-updated").Data)
			if ev.Remaining != st.remaining || ev.Version != got.Version {
				t.Fatalf("step %d: timer-updated %+v", i, ev)
			}
			if st.action == rooms.Resume {
				if want := e.clock.Now().Add(time.Duration(st.remaining) * time.Second); got.EndsAt == nil || !got.EndsAt.Equal(want) {
					t.Fatalf("step %d: resumed to end at %v, want %v", i, got.EndsAt, want)
				}
			} else if got.EndsAt != nil || ev.EndsAt != nil {
				t.Fatalf("step %d: a paused timer with an end", i)
			}
		}
		// Starting again replaces the paused timer.
		got, err := e.s.StartTimer(e.ctx, me, wire.StartTimerInput{RoomID: r.ID, Duration: 300, Type: "break"}, none)
		if err != nil || got.State != "running" || got.Remaining != 300 || got.Type != "break" {
			t.Fatalf("start over a paused timer: %+v, %v", got, err)
		}
	})
}

// A running timer completes when its time is up: once, as the next
// version, idle, with its type told to the room. A paused one never does.
// This test runs on the wall clock (the completion is scheduled in real
// time), with timers of one second.
func TestTimerCompletes(t *testing.T) {
	t.Parallel()
	e := newEnv(t, storetest.OpenSQLite(t))
	e.clock = nil
	e.s = rooms.New(rooms.Options{Store: e.st, Broker: e.br, Logger: quietLog()})
	me := e.user()
	r := e.room(me, 8, "muted")
	e.join(r.ID, me)
	w := e.watch(r.ID)

	paused, err := e.s.StartTimer(e.ctx, me, wire.StartTimerInput{RoomID: r.ID, Duration: 1, Type: "work"}, none)
	if err != nil {
		t.Fatal(err)
	}
	w.next("timer-started")
	if _, err := e.s.ControlTimer(e.ctx, me, r.ID, rooms.Pause, none); err != nil {
		t.Fatal(err)
	}
	w.next("timer-updated")
	running, err := e.s.StartTimer(e.ctx, me, wire.StartTimerInput{RoomID: r.ID, Duration: 1, Type: "break"}, none)
	if err != nil || running.Version != paused.Version+2 {
		t.Fatalf("second start: %+v, %v", running, err)
	}
	w.next("timer-started")
	// The paused work timer would have been due first: the next broadcast
	// is the break's completion.
	done := decode[wire.TimerCompleted](t, w.next("timer-completed").Data)
	if done.RoomID != r.ID || done.Type != "break" || done.Version != running.Version+1 {
		t.Fatalf("timer-completed %+v, want break as version %d", done, running.Version+1)
	}
	if tm := timerOf(t, e, r.ID); tm.State != "idle" || tm.Version != done.Version || tm.EndsAt != nil || tm.Type != nil {
		t.Fatalf("timer after completion: %+v", tm)
	}
	// Completion is no change of anyone's: a pause now is refused.
	_, err = e.s.ControlTimer(e.ctx, me, r.ID, rooms.Pause, none)
	wantCode(t, "pause a completed timer", err, apperr.Invalid)
}

// quietLog discards what the Service logs.
func quietLog() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

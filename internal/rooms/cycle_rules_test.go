package rooms_test

import (
	"context"
	"testing"
	"time"

	"github.com/bodydouble/bodydouble/internal/apperr"
	"github.com/bodydouble/bodydouble/internal/model"
	"github.com/bodydouble/bodydouble/internal/protocol"
	"github.com/bodydouble/bodydouble/internal/rooms"
	"github.com/bodydouble/bodydouble/internal/wire"
)

// startMinute is start in minutes since the epoch: the tests'
// expectations count phases by hand.
var startMinute = start.Unix() / 60

// cycleWait bounds a wait for the cycle loop; it only bounds a failing test.
const cycleWait = 10 * time.Second

// A cycle's phase is computed from the clock alone: work phases start at
// every whole multiple of work+break minutes since the epoch, breaks work
// minutes later, the version is the phase's number, and a phase's last
// millisecond still counts a second left.
func TestCycleTimerPhases(t *testing.T) {
	t.Parallel()
	pomodoro := model.Cycle{Work: 25, Break: 5} // 30 minutes: 09:00 starts a work phase
	n := startMinute / 30
	odd := model.Cycle{Work: 45, Break: 10} // 55 minutes: phases wander against the hour
	m := startMinute / 55
	oddStart := time.Unix(m*55*60, 0).UTC()
	tests := []struct {
		name      string
		cycle     model.Cycle
		at        time.Time
		typ       string
		version   int64
		duration  int
		remaining int
		endsAt    time.Time
	}{
		{"exactly on a work boundary", pomodoro, start, "work", 2 * n, 1500, 1500, start.Add(25 * time.Minute)},
		{"a millisecond into work", pomodoro, start.Add(time.Millisecond), "work", 2 * n, 1500, 1500, start.Add(25 * time.Minute)},
		{"half way", pomodoro, start.Add(12*time.Minute + 30*time.Second), "work", 2 * n, 1500, 750, start.Add(25 * time.Minute)},
		{"the last millisecond of work", pomodoro, start.Add(25*time.Minute - time.Millisecond), "work", 2 * n, 1500, 1, start.Add(25 * time.Minute)},
		{"exactly on the break", pomodoro, start.Add(25 * time.Minute), "break", 2*n + 1, 300, 300, start.Add(30 * time.Minute)},
		{"in the break", pomodoro, start.Add(27 * time.Minute), "break", 2*n + 1, 300, 180, start.Add(30 * time.Minute)},
		{"the last millisecond of the break", pomodoro, start.Add(30*time.Minute - time.Millisecond), "break", 2*n + 1, 300, 1, start.Add(30 * time.Minute)},
		{"the next work phase", pomodoro, start.Add(30 * time.Minute), "work", 2*n + 2, 1500, 1500, start.Add(55 * time.Minute)},
		{"a day later, the version grew by 96", pomodoro, start.Add(24 * time.Hour), "work", 2*n + 96, 1500, 1500, start.Add(24*time.Hour + 25*time.Minute)},
		{"a cycle not dividing the hour, at its start", odd, oddStart, "work", 2 * m, 2700, 2700, oddStart.Add(45 * time.Minute)},
		{"its break", odd, oddStart.Add(50 * time.Minute), "break", 2*m + 1, 600, 300, oddStart.Add(55 * time.Minute)},
		{"deep work's break", *rooms.CategoryCycle("deep-work"), start.Add(55 * time.Minute), "break", 2*(startMinute/60) + 1, 600, 300, start.Add(time.Hour)},
	}
	for _, tc := range tests {
		got := rooms.CycleTimer("r1", tc.cycle, tc.at)
		if got.RoomID != "r1" || got.State != "running" || got.Type != tc.typ || got.Version != tc.version ||
			got.Duration != tc.duration || got.Remaining != tc.remaining || got.EndsAt == nil || !got.EndsAt.Equal(tc.endsAt) || got.By != nil {
			t.Errorf("%s: %+v (ends %v), want %s v%d of %d s, %d left, ending %v",
				tc.name, got, got.EndsAt, tc.typ, tc.version, tc.duration, tc.remaining, tc.endsAt)
		}
	}
}

// Starter rooms and the rooms quick-join opens have their category's
// cycle and nobody's timer control; rooms people create have none.
func TestCategoryCycles(t *testing.T) {
	t.Parallel()
	for _, r := range rooms.StarterRooms() {
		want := model.Cycle{Work: 25, Break: 5}
		if r.Category == "deep-work" {
			want = model.Cycle{Work: 50, Break: 10}
		}
		if r.Cycle == nil || *r.Cycle != want || r.CreatedBy != nil || r.TimerControl != model.TimerOwner {
			t.Errorf("starter room %s: cycle %v, control %q", r.Category, r.Cycle, r.TimerControl)
		}
	}
	eachBackend(t, func(t *testing.T, e *env) {
		// No room at all: quick-join opens one of the person's first
		// preferred category (deep work without preferences).
		res, err := e.s.QuickJoin(e.ctx, e.user(), none)
		if err != nil || res.Room.CreatedBy != nil || res.Room.Cycle == nil || *res.Room.Cycle != (model.Cycle{Work: 50, Break: 10}) {
			t.Fatalf("quick-join's new room: %+v, %v", res.Room, err)
		}
		snap, err := e.s.Snapshot(e.ctx, res.Room.ID)
		if err != nil || snap.Room.Cycle == nil || *snap.Room.Cycle != (wire.Cycle{Work: 50, Break: 10}) || snap.Timer.State != "running" {
			t.Fatalf("its snapshot: %+v, %v", snap, err)
		}
	})
}

// POST /api/rooms's visibility, timerControl and cycle: defaults public,
// owner and none; every bad field is named.
func TestCreateRoomRhythmRules(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		visibility *string
		control    *string
		cycle      *wire.Cycle
		fields     []string // nil when accepted
		unlisted   bool
		wantCtl    string
	}{
		{"defaults", nil, nil, nil, nil, false, model.TimerOwner},
		{"unlisted, anyone", ptr("unlisted"), ptr("anyone"), nil, nil, true, model.TimerAnyone},
		{"public, owner", ptr("public"), ptr("owner"), nil, nil, false, model.TimerOwner},
		{"the shortest cycle", nil, nil, &wire.Cycle{Work: 5, Break: 1}, nil, false, model.TimerOwner},
		{"the longest cycle", nil, ptr("anyone"), &wire.Cycle{Work: 240, Break: 60}, nil, false, model.TimerAnyone},
		{"work too short", nil, nil, &wire.Cycle{Work: 4, Break: 5}, []string{"cycle.work"}, false, ""},
		{"break too long", nil, nil, &wire.Cycle{Work: 25, Break: 61}, []string{"cycle.break"}, false, ""},
		{"both too long", nil, nil, &wire.Cycle{Work: 241, Break: 61}, []string{"cycle.work", "cycle.break"}, false, ""},
		{"an empty cycle", nil, nil, &wire.Cycle{}, []string{"cycle.work", "cycle.break"}, false, ""},
		{"no break", nil, nil, &wire.Cycle{Work: 25}, []string{"cycle.break"}, false, ""},
		{"unknown visibility", ptr("private"), nil, nil, []string{"visibility"}, false, ""},
		{"unknown control", nil, ptr("Owner"), nil, []string{"timerControl"}, false, ""},
		{"everything wrong", ptr(""), ptr("nobody"), &wire.Cycle{Work: -1, Break: 0}, []string{"visibility", "timerControl", "cycle.work", "cycle.break"}, false, ""},
	}
	eachBackend(t, func(t *testing.T, e *env) {
		me := e.user()
		for _, tc := range tests {
			in := wire.CreateRoomInput{Name: tc.name, Category: "study", Visibility: tc.visibility, TimerControl: tc.control, Cycle: tc.cycle}
			r, err := e.s.CreateRoom(e.ctx, me, in)
			if tc.fields != nil {
				wantFields(t, tc.name, err, tc.fields...)
				continue
			}
			if err != nil || r.Unlisted != tc.unlisted || r.TimerControl != tc.wantCtl {
				t.Fatalf("%s: %+v, %v", tc.name, r, err)
			}
			if (tc.cycle == nil) != (r.Cycle == nil) || tc.cycle != nil && (r.Cycle.Work != tc.cycle.Work || r.Cycle.Break != tc.cycle.Break) {
				t.Fatalf("%s: cycle %+v, want %+v", tc.name, r.Cycle, tc.cycle)
			}
			if got, err := e.s.GetRoom(e.ctx, r.ID); err != nil || got.TimerControl != r.TimerControl || got.Unlisted != r.Unlisted {
				t.Fatalf("%s: stored %+v, %v", tc.name, got, err)
			}
		}
		// Refused rooms were not created: the lobby has only the accepted
		// listed ones.
		list, _, err := e.s.ListRooms(e.ctx, "", "", 100)
		if err != nil || len(list) != 4 {
			t.Fatalf("lobby after the refusals: %d rooms, %v", len(list), err)
		}
	})
}

// rhythmRoom creates a study room of creator's with the given timer
// control and cycle.
func (e *env) rhythmRoom(creator, control string, cycle *wire.Cycle) model.Room {
	e.t.Helper()
	r, err := e.s.CreateRoom(e.ctx, creator, wire.CreateRoomInput{Name: "Room", Category: "study", TimerControl: &control, Cycle: cycle})
	if err != nil {
		e.t.Fatal(err)
	}
	return r
}

// Who may start, pause, resume and reset a timer: nobody in a room with a
// cycle, only the creator in an owner room, every participant in an anyone
// room. A refusal is forbidden and changes nothing.
func TestTimerControlRules(t *testing.T) {
	t.Parallel()
	eachBackend(t, func(t *testing.T, e *env) {
		owner, guest := e.user(), e.user()
		tests := []struct {
			name          string
			room          model.Room
			owner, guest  bool // may control
			forbiddenText string
		}{
			{"cycle", e.rhythmRoom(owner, model.TimerAnyone, &wire.Cycle{Work: 25, Break: 5}), false, false, "This room keeps its own rhythm."},
			{"owner", e.rhythmRoom(owner, model.TimerOwner, nil), true, false, "Only the room's creator controls this timer."},
			{"anyone", e.rhythmRoom(owner, model.TimerAnyone, nil), true, true, ""},
		}
		for _, tc := range tests {
			e.join(tc.room.ID, owner, guest)
			for _, who := range []struct {
				name, id string
				may      bool
			}{{"owner", owner, tc.owner}, {"guest", guest, tc.guest}} {
				what := tc.name + " room, " + who.name
				before := timerOf(t, e, tc.room.ID)
				steps := []func() error{
					func() error {
						_, err := e.s.StartTimer(e.ctx, who.id, wire.StartTimerInput{RoomID: tc.room.ID, Duration: 600, Type: "work"}, none)
						return err
					},
					func() error { _, err := e.s.ControlTimer(e.ctx, who.id, tc.room.ID, rooms.Pause, none); return err },
					func() error { _, err := e.s.ControlTimer(e.ctx, who.id, tc.room.ID, rooms.Resume, none); return err },
					func() error { _, err := e.s.ControlTimer(e.ctx, who.id, tc.room.ID, rooms.Reset, none); return err },
				}
				for i, step := range steps {
					err := step()
					if who.may {
						if err != nil {
							t.Fatalf("%s, step %d: %v", what, i, err)
						}
						continue
					}
					wantCode(t, what, err, apperr.Forbidden)
					if msg := err.(*apperr.Error).Message; msg != tc.forbiddenText {
						t.Fatalf("%s: message %q, want %q", what, msg, tc.forbiddenText)
					}
				}
				after := timerOf(t, e, tc.room.ID)
				if !who.may && (after.Version != before.Version || after.State != before.State) {
					t.Fatalf("%s: refused, but the timer went from %+v to %+v", what, before, after)
				}
			}
		}
	})
}

// A cycle room's snapshot shows the phase of the service's clock, whatever
// the store holds; a timer left running there from before ends silently.
func TestCycleSnapshot(t *testing.T) {
	t.Parallel()
	eachBackend(t, func(t *testing.T, e *env) {
		me := e.user()
		r := e.rhythmRoom(me, model.TimerOwner, &wire.Cycle{Work: 25, Break: 5})
		e.join(r.ID, me)
		n := startMinute / 30
		for _, st := range []struct {
			at        time.Duration
			typ       string
			version   int64
			remaining int
		}{
			{0, "work", 2 * n, 1500},
			{25*time.Minute - time.Millisecond, "work", 2 * n, 1},
			{25 * time.Minute, "break", 2*n + 1, 300},
			{90 * time.Minute, "work", 2*n + 6, 1500},
		} {
			e.clock.Set(start.Add(st.at))
			got := timerOf(t, e, r.ID)
			if got.State != "running" || got.Type == nil || *got.Type != st.typ || got.Version != st.version ||
				got.Remaining != st.remaining || got.By != nil || got.EndsAt == nil {
				t.Fatalf("at +%v: %+v", st.at, got)
			}
		}
	})
}

// local is a rooms.Local that records what is delivered to it.
type local struct {
	rooms []string
	ch    chan protocol.Event
}

func (l *local) Rooms() []string                     { return l.rooms }
func (l *local) Deliver(_ string, ev protocol.Event) { l.ch <- ev }

// At each phase boundary the service tells its own sockets, through
// Local, timer-completed of the phase that ended then timer-started of the
// new one: once per boundary, only in rooms with a cycle, and nothing
// through the broker (every instance tells its own).
func TestCyclePhaseChangesGoToLocalSockets(t *testing.T) {
	t.Parallel()
	eachBackend(t, func(t *testing.T, e *env) {
		me := e.user()
		cycle := e.rhythmRoom(me, model.TimerOwner, &wire.Cycle{Work: 25, Break: 5})
		plain := e.rhythmRoom(me, model.TimerAnyone, nil)
		ticks := make(chan time.Time)
		e.s = rooms.New(rooms.Options{Store: e.st, Broker: e.br, Now: e.clock.Now, Logger: quietLog(), CycleTicks: ticks})
		l := &local{rooms: []string{plain.ID, cycle.ID, "no-such-room"}, ch: make(chan protocol.Event, 16)}
		e.s.SetLocal(l)
		w := e.watch(cycle.ID)
		e.clock.Set(start.Add(25*time.Minute - time.Millisecond))
		ctx, cancel := context.WithCancel(e.ctx)
		done := make(chan struct{})
		go func() { defer close(done); _ = e.s.Run(ctx) }()
		t.Cleanup(func() { cancel(); <-done })
		tick := func() {
			select {
			case ticks <- start:
			case <-time.After(cycleWait):
				t.Fatal("the cycle loop took no tick")
			}
		}
		n := startMinute / 30
		expect := func(typ string, version int64, remaining int) {
			t.Helper()
			completed := nextLocal(t, l)
			c := decode[wire.TimerCompleted](t, completed.Data)
			if completed.Name != protocol.EvTimerCompleted || completed.Room != cycle.ID || c.RoomID != cycle.ID ||
				c.Type == typ || c.Version != version {
				t.Fatalf("first %s %s, want timer-completed of the phase before %s, as version %d", completed.Name, completed.Data, typ, version)
			}
			started := nextLocal(t, l)
			s := decode[wire.TimerEvent](t, started.Data)
			if started.Name != protocol.EvTimerStarted || s.RoomID != cycle.ID || s.State != "running" || s.Type == nil || *s.Type != typ ||
				s.Version != version || s.Remaining != remaining || s.By != nil {
				t.Fatalf("then %s %s, want timer-started of %s v%d", started.Name, started.Data, typ, version)
			}
		}
		tick() // the loop has read the clock: the last millisecond of work
		e.clock.Advance(time.Millisecond)
		tick()
		tick() // no second announcement of the same boundary
		expect("break", 2*n+1, 300)
		e.clock.Advance(2 * time.Minute) // inside the break: nothing
		tick()
		e.clock.Advance(3 * time.Minute) // the next work phase
		tick()
		expect("work", 2*n+2, 1500)
		e.clock.Advance(2 * time.Hour) // a stalled instance: one boundary, into the current phase
		tick()
		expect("work", 2*n+10, 1500)
		tick()
		tick() // taken only once the one before was handled
		select {
		case ev := <-l.ch:
			t.Fatalf("delivered %s %s after the last boundary", ev.Name, ev.Data)
		default:
		}
		e.quiet(w, cycle.ID) // nothing went through the broker
	})
}

// nextLocal is the next event delivered to l.
func nextLocal(t *testing.T, l *local) protocol.Event {
	t.Helper()
	select {
	case ev := <-l.ch:
		return ev
	case <-time.After(cycleWait):
		t.Fatal("no event delivered")
		return protocol.Event{}
	}
}

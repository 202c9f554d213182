package rooms_test

import (
	"context"
	"io"
	"log/slog"
	"slices"
	"testing"
	"time"

	"github.com/bodydouble/bodydouble/internal/apperr"
	"github.com/bodydouble/bodydouble/internal/rooms"
)

// A room a person made closes by itself once nobody has been in it for
// CloseEmptyAfter (a day): counted from when it was made, or from when
// the last person left. Starter rooms and rooms with someone in them
// never close. A closed room is as a moderator's close leaves it: the
// lobby lists it inactive and nobody may join.
func TestCloseEmptyRoomsRules(t *testing.T) {
	t.Parallel()
	eachBackend(t, func(t *testing.T, e *env) {
		if err := e.st.SeedRooms(e.ctx, rooms.StarterRooms()); err != nil {
			t.Fatal(err)
		}
		creator, visitor, stayer := e.user(), e.user(), e.user()
		never := e.room(creator, 4, "muted")
		left := e.room(creator, 4, "muted")
		occupied := e.room(creator, 4, "muted")
		e.join(left.ID, visitor)
		e.join(occupied.ID, stayer)
		e.clock.Advance(time.Hour)
		if _, _, err := e.s.Leave(e.ctx, visitor, left.ID, none); err != nil {
			t.Fatal(err)
		}

		closeAt := func(at time.Duration, want ...string) {
			t.Helper()
			e.clock.Set(start.Add(at))
			got, err := e.s.CloseEmptyRooms(e.ctx)
			if err != nil {
				t.Fatal(err)
			}
			slices.Sort(got)
			slices.Sort(want)
			if !slices.Equal(got, want) {
				t.Fatalf("at +%v: closed %v, want %v", at, got, want)
			}
		}
		closeAt(rooms.CloseEmptyAfter - time.Minute) // empty 23h59m
		closeAt(rooms.CloseEmptyAfter, never.ID)     // empty a day
		closeAt(rooms.CloseEmptyAfter)               // nothing more
		closeAt(rooms.CloseEmptyAfter + time.Hour - time.Millisecond)
		closeAt(rooms.CloseEmptyAfter+time.Hour, left.ID) // a day after the last leave
		closeAt(100 * rooms.CloseEmptyAfter)              // starters and the occupied room: never

		// The lobby (through the Service, as GET /api/rooms reads it) lists
		// the two closed rooms inactive and every other room active.
		lobby, _, err := e.s.ListRooms(e.ctx, "", "", 100)
		if err != nil {
			t.Fatal(err)
		}
		seen := 0
		for _, r := range lobby {
			closed := r.ID == never.ID || r.ID == left.ID
			if closed {
				seen++
			}
			if r.IsActive == closed {
				t.Errorf("lobby: room %q IsActive = %v", r.Name, r.IsActive)
			}
			if r.CreatedBy == nil && !r.IsActive {
				t.Errorf("starter room %q closed", r.Name)
			}
		}
		if seen != 2 || len(lobby) != len(rooms.StarterRooms())+3 {
			t.Errorf("lobby lists %d rooms with %d closed ones, want %d with 2", len(lobby), seen, len(rooms.StarterRooms())+3)
		}
		if _, err := e.s.Join(e.ctx, visitor, never.ID, none); code(err) != apperr.NotFound {
			t.Errorf("joining a closed room: %v, want %s", err, apperr.NotFound)
		}
		ps, err := e.s.Participants(e.ctx, occupied.ID)
		if err != nil || len(ps) != 1 || ps[0].ID != stayer {
			t.Errorf("occupied room's people: %v %v", ps, err)
		}
	})
}

// CloseEmptyAfter is an option: a Service given an hour closes a room
// empty for an hour, not a minute earlier.
func TestCloseEmptyRoomsAfterOption(t *testing.T) {
	t.Parallel()
	eachBackend(t, func(t *testing.T, e *env) {
		s := rooms.New(rooms.Options{Store: e.st, Broker: e.br, Now: e.clock.Now, CloseEmptyAfter: time.Hour,
			Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
		r := e.room(e.user(), 4, "muted")
		e.clock.Advance(time.Hour - time.Minute)
		if got, err := s.CloseEmptyRooms(e.ctx); err != nil || len(got) != 0 {
			t.Fatalf("after 59 min: closed %v, %v", got, err)
		}
		e.clock.Advance(time.Minute)
		if got, err := s.CloseEmptyRooms(e.ctx); err != nil || !slices.Equal(got, []string{r.ID}) {
			t.Fatalf("after an hour: closed %v, %v; want %s", got, err, r.ID)
		}
		got, err := e.st.GetRoom(e.ctx, r.ID)
		if err != nil || got.IsActive {
			t.Fatalf("room after closing: active %v, %v", got.IsActive, err)
		}
	})
}

// Run closes empty rooms by itself, at each of its wake-ups (here ticked
// by the test): not before the room has stood empty for a day, and then
// without anyone calling CloseEmptyRooms.
func TestRunClosesEmptyRooms(t *testing.T) {
	t.Parallel()
	eachBackend(t, func(t *testing.T, e *env) {
		r := e.room(e.user(), 4, "muted")
		ticks := make(chan time.Time)
		s := rooms.New(rooms.Options{Store: e.st, Broker: e.br, Now: e.clock.Now, Logger: quietLog(), CloseEmptyTicks: ticks})
		ctx, cancel := context.WithCancel(e.ctx)
		done := make(chan struct{})
		go func() { defer close(done); _ = s.Run(ctx) }()
		t.Cleanup(func() { cancel(); <-done })
		// Run handles one wake-up at a time: a tick taken means the one
		// before it was handled.
		tick := func() {
			t.Helper()
			select {
			case ticks <- e.clock.Now():
			case <-time.After(cycleWait):
				t.Fatal("Run took no tick")
			}
		}
		active := func() bool {
			t.Helper()
			got, err := e.st.GetRoom(e.ctx, r.ID)
			if err != nil {
				t.Fatal(err)
			}
			return got.IsActive
		}
		e.clock.Advance(rooms.CloseEmptyAfter - time.Millisecond)
		tick()
		tick()
		if !active() {
			t.Fatal("Run closed the room before it stood empty for a day")
		}
		e.clock.Advance(time.Millisecond)
		tick()
		tick()
		if active() {
			t.Fatal("Run left open a room empty for a day")
		}
	})
}

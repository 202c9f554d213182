package rooms_test

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/bodydouble/bodydouble/internal/apperr"
	"github.com/bodydouble/bodydouble/internal/rooms"
	"github.com/bodydouble/bodydouble/internal/wire"
)

// repeat returns n goals "ga", "gb", ….
func repeat(n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = "g" + string(rune('a'+i))
	}
	return out
}

// Goals and achievements: at most ten, each at most 200 characters of
// plain text once trimmed; blank ones are dropped. Each bad entry is named
// by its index.
func TestSessionGoalRules(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("ö", rooms.MaxGoalLen)
	tests := []struct {
		name   string
		goals  []string
		want   []string // stored goals; nil when refused
		fields []string
	}{
		{"none", nil, []string{}, nil},
		{"empty list", []string{}, []string{}, nil},
		{"trimmed", []string{"  read  ", "\u3000write"}, []string{"read", "write"}, nil},
		{"blank ones dropped", []string{"", "read", "   "}, []string{"read"}, nil},
		{"ten", repeat(rooms.MaxGoals), repeat(10), nil},
		{"eleven", repeat(rooms.MaxGoals + 1), nil, []string{"goals"}},
		{"200 characters", []string{long}, []string{long}, nil},
		{"201 characters, named by index", []string{"ok", long + "x"}, nil, []string{"goals.1"}},
		{"a control character", []string{"ok", "ok", "bad\x07"}, nil, []string{"goals.2"}},
		{"eleven with a bad one: both said", append(repeat(10), "a\x00"), nil, []string{"goals", "goals.10"}},
	}
	eachBackend(t, func(t *testing.T, e *env) {
		me := e.user()
		r := e.room(me, 8, "muted")
		e.join(r.ID, me)
		for _, tc := range tests {
			s, err := e.s.StartSession(e.ctx, me, wire.StartSessionInput{RoomID: r.ID, Goals: tc.goals}, none)
			if tc.want == nil {
				wantFields(t, "start with "+tc.name, err, tc.fields...)
			} else {
				if err != nil || !slices.Equal(s.Goals, tc.want) || s.ShareGoals || s.Progress != 0 || !s.StartedAt.Equal(e.clock.Now()) {
					t.Fatalf("start with %s: %+v, %v", tc.name, s, err)
				}
				// Updating the goals follows the same rules.
				if tc.goals != nil {
					u, err := e.s.UpdateSession(e.ctx, me, s.ID, wire.UpdateSessionInput{Goals: tc.goals}, none)
					if err != nil || !slices.Equal(u.Goals, tc.want) {
						t.Fatalf("update to %s: %+v, %v", tc.name, u.Goals, err)
					}
				}
				if _, err := e.s.CompleteSession(e.ctx, me, s.ID, wire.CompleteSessionInput{}, none); err != nil {
					t.Fatal(err)
				}
			}
			// Achievements follow them too, at completion.
			s = e.session(me, r.ID, false)
			done, err := e.s.CompleteSession(e.ctx, me, s.ID, wire.CompleteSessionInput{Achievements: tc.goals}, none)
			if tc.want == nil {
				var ach []string
				for _, f := range tc.fields {
					ach = append(ach, strings.Replace(f, "goals", "achievements", 1))
				}
				wantFields(t, "complete with "+tc.name, err, ach...)
				if _, err := e.s.CompleteSession(e.ctx, me, s.ID, wire.CompleteSessionInput{}, none); err != nil {
					t.Fatalf("a refused completion ended the session: %v", err)
				}
				continue
			}
			if err != nil || !slices.Equal(done.Achievements, tc.want) {
				t.Fatalf("complete with %s: %+v, %v", tc.name, done.Achievements, err)
			}
		}
	})
}

// Starting a session needs a room one is in and no other open session.
func TestStartSessionRefusals(t *testing.T) {
	t.Parallel()
	eachBackend(t, func(t *testing.T, e *env) {
		me, other := e.user(), e.user()
		mine, theirs := e.room(me, 8, "muted"), e.room(other, 8, "muted")
		e.join(mine.ID, me)
		e.join(theirs.ID, other)
		tests := []struct {
			name   string
			in     wire.StartSessionInput
			code   string
			fields []string
		}{
			{"no room", wire.StartSessionInput{}, apperr.Invalid, []string{"roomId"}},
			{"no room and too many goals", wire.StartSessionInput{Goals: repeat(11)}, apperr.Invalid, []string{"goals", "roomId"}},
			{"an id that is no id", wire.StartSessionInput{RoomID: "here"}, apperr.NotFound, nil},
			{"a room that never was", wire.StartSessionInput{RoomID: uuid.NewString()}, apperr.NotFound, nil},
			{"someone else's room", wire.StartSessionInput{RoomID: theirs.ID}, apperr.NotInRoom, nil},
		}
		for _, tc := range tests {
			_, err := e.s.StartSession(e.ctx, me, tc.in, none)
			wantCode(t, tc.name, err, tc.code)
			if tc.fields != nil {
				wantFields(t, tc.name, err, tc.fields...)
			}
		}
		open := e.session(me, mine.ID, false)
		_, err := e.s.StartSession(e.ctx, me, wire.StartSessionInput{RoomID: mine.ID}, none)
		var ae *apperr.Error
		if !errors.As(err, &ae) || ae.Code != apperr.SessionActive || ae.SessionID != open.ID {
			t.Fatalf("a second session: %v, want session_active naming %s", err, open.ID)
		}
	})
}

// Progress runs from 0 to 100; only the owner's open session changes, and
// an ended one is said to have ended.
func TestUpdateSessionRules(t *testing.T) {
	t.Parallel()
	eachBackend(t, func(t *testing.T, e *env) {
		me, other := e.user(), e.user()
		r := e.room(me, 8, "muted")
		e.join(r.ID, me, other)
		s := e.session(me, r.ID, false, "read")
		progress := []struct {
			value int
			ok    bool
		}{{0, true}, {1, true}, {50, true}, {100, true}, {-1, false}, {101, false}, {1000, false}}
		for _, tc := range progress {
			u, err := e.s.UpdateSession(e.ctx, me, s.ID, wire.UpdateSessionInput{Progress: &tc.value}, none)
			if !tc.ok {
				wantFields(t, "progress", err, "progress")
				continue
			}
			if err != nil || u.Progress != tc.value || !slices.Equal(u.Goals, []string{"read"}) {
				t.Fatalf("progress %d: %+v, %v", tc.value, u, err)
			}
		}
		// Fields left out keep their values.
		u, err := e.s.UpdateSession(e.ctx, me, s.ID, wire.UpdateSessionInput{ShareGoals: ptr(true)}, none)
		if err != nil || !u.ShareGoals || u.Progress != 100 || !slices.Equal(u.Goals, []string{"read"}) {
			t.Fatalf("share only: %+v, %v", u, err)
		}
		u, err = e.s.UpdateSession(e.ctx, me, s.ID, wire.UpdateSessionInput{Goals: []string{}}, none)
		if err != nil || len(u.Goals) != 0 || !u.ShareGoals {
			t.Fatalf("goals emptied: %+v, %v", u, err)
		}
		// A bad field refuses the whole update.
		_, err = e.s.UpdateSession(e.ctx, me, s.ID, wire.UpdateSessionInput{Goals: []string{"new"}, Progress: ptr(-5)}, none)
		wantFields(t, "good goals with bad progress", err, "progress")
		if got, _ := e.s.GetSession(e.ctx, me, s.ID); len(got.Goals) != 0 || got.Progress != 100 {
			t.Fatalf("a refused update changed the session: %+v", got)
		}

		refusals := []struct {
			name, user, id, code string
		}{
			{"someone else's", other, s.ID, apperr.NotFound},
			{"one that never was", me, uuid.NewString(), apperr.NotFound},
			{"an id that is no id", me, "s1", apperr.NotFound},
		}
		for _, tc := range refusals {
			_, err := e.s.UpdateSession(e.ctx, tc.user, tc.id, wire.UpdateSessionInput{Progress: ptr(5)}, none)
			wantCode(t, "update "+tc.name, err, tc.code)
			_, err = e.s.CompleteSession(e.ctx, tc.user, tc.id, wire.CompleteSessionInput{}, none)
			wantCode(t, "complete "+tc.name, err, tc.code)
			_, err = e.s.GetSession(e.ctx, tc.user, tc.id)
			wantCode(t, "get "+tc.name, err, tc.code)
		}
		if _, err := e.s.CompleteSession(e.ctx, me, s.ID, wire.CompleteSessionInput{}, none); err != nil {
			t.Fatal(err)
		}
		_, err = e.s.UpdateSession(e.ctx, me, s.ID, wire.UpdateSessionInput{Progress: ptr(5)}, none)
		wantCode(t, "update an ended session", err, apperr.Invalid)
		_, err = e.s.CompleteSession(e.ctx, me, s.ID, wire.CompleteSessionInput{}, none)
		wantCode(t, "complete an ended session", err, apperr.Invalid)
	})
}

// A rating is 1 to 5 or none; completing records the end, the whole
// minutes and the rating, and frees one to start again.
func TestCompleteSessionRules(t *testing.T) {
	t.Parallel()
	tests := []struct {
		rating *int
		ok     bool
	}{{nil, true}, {ptr(1), true}, {ptr(3), true}, {ptr(5), true}, {ptr(0), false}, {ptr(6), false}, {ptr(-1), false}}
	eachBackend(t, func(t *testing.T, e *env) {
		me := e.user()
		r := e.room(me, 8, "muted")
		e.join(r.ID, me)
		for i, tc := range tests {
			s := e.session(me, r.ID, false)
			e.clock.Advance(time.Duration(i)*time.Minute + 59*time.Second)
			done, err := e.s.CompleteSession(e.ctx, me, s.ID, wire.CompleteSessionInput{Rating: tc.rating, Achievements: []string{"x"}}, none)
			if !tc.ok {
				wantFields(t, "rating", err, "rating")
				if _, err := e.s.CompleteSession(e.ctx, me, s.ID, wire.CompleteSessionInput{}, none); err != nil {
					t.Fatal(err)
				}
				continue
			}
			if err != nil || !done.IsCompleted || done.EndedAt == nil || !done.EndedAt.Equal(e.clock.Now()) ||
				done.DurationMinutes == nil || *done.DurationMinutes != i ||
				(tc.rating == nil) != (done.Rating == nil) || (tc.rating != nil && *done.Rating != *tc.rating) {
				t.Fatalf("case %d: %+v, %v", i, done, err)
			}
			if got, err := e.s.GetSession(e.ctx, me, s.ID); err != nil || !got.IsCompleted || !slices.Equal(got.Achievements, []string{"x"}) {
				t.Fatalf("stored: %+v, %v", got, err)
			}
		}
	})
}

// Others in the room see a session's goals and achievements only when it
// shares them; the owner's own copy always has them.
func TestSessionBroadcastsShareGoals(t *testing.T) {
	t.Parallel()
	for name, share := range map[string]bool{"private": false, "shared": true} {
		t.Run(name, func(t *testing.T) {
			eachBackend(t, func(t *testing.T, e *env) {
				me := e.user()
				r := e.room(me, 8, "muted")
				e.join(r.ID, me)
				w := e.watch(r.ID)
				s := e.session(me, r.ID, share, "secret plan")
				steps := []struct {
					event string
					do    func() error
					goals []string
					ach   []string
				}{
					{"focus-session-started", func() error { return nil }, []string{"secret plan"}, []string{}},
					{"focus-session-updated", func() error {
						_, err := e.s.UpdateSession(e.ctx, me, s.ID, wire.UpdateSessionInput{Goals: []string{"plan b"}, Progress: ptr(40)}, none)
						return err
					}, []string{"plan b"}, []string{}},
					{"focus-session-completed", func() error {
						_, err := e.s.CompleteSession(e.ctx, me, s.ID, wire.CompleteSessionInput{Achievements: []string{"did it"}}, none)
						return err
					}, []string{"plan b"}, []string{"did it"}},
				}
				for _, st := range steps {
					if err := st.do(); err != nil {
						t.Fatal(err)
					}
					ev := w.next(st.event)
					public := decode[wire.SessionEvent](t, ev.Data)
					own := decode[wire.SessionEvent](t, ev.OwnerData)
					if ev.Owner != me || public.RoomID != r.ID || public.Session.ID != s.ID || own.Session.ID != s.ID {
						t.Fatalf("%s: owner %s, %s", st.event, ev.Owner, ev.Data)
					}
					if !slices.Equal(own.Session.Goals, st.goals) || !slices.Equal(own.Session.Achievements, st.ach) {
						t.Fatalf("%s: the owner's copy %s", st.event, ev.OwnerData)
					}
					if share != (public.Session.Goals != nil) || share != (public.Session.Achievements != nil) ||
						(share && !slices.Equal(public.Session.Goals, st.goals)) {
						t.Fatalf("%s (share %v): everyone's copy %s", st.event, share, ev.Data)
					}
				}
			})
		})
	}
}

// The room's participant list shows each open session's progress, and its
// goals only when shared.
func TestParticipantFocus(t *testing.T) {
	t.Parallel()
	eachBackend(t, func(t *testing.T, e *env) {
		sharer, keeper, idle := e.user(), e.user(), e.user()
		r := e.room(sharer, 8, "muted")
		e.join(r.ID, sharer, keeper, idle)
		a := e.session(sharer, r.ID, true, "open book")
		b := e.session(keeper, r.ID, false, "closed book")
		if _, err := e.s.UpdateSession(e.ctx, keeper, b.ID, wire.UpdateSessionInput{Progress: ptr(70)}, none); err != nil {
			t.Fatal(err)
		}
		ps, err := e.s.Participants(e.ctx, r.ID)
		if err != nil || len(ps) != 3 {
			t.Fatalf("participants: %d, %v", len(ps), err)
		}
		for _, p := range ps {
			switch p.ID {
			case sharer:
				if p.Focus == nil || p.Focus.SessionID != a.ID || !slices.Equal(p.Focus.Goals, []string{"open book"}) {
					t.Fatalf("sharer's focus %+v", p.Focus)
				}
			case keeper:
				if p.Focus == nil || p.Focus.SessionID != b.ID || p.Focus.Progress != 70 || p.Focus.Goals != nil {
					t.Fatalf("keeper's focus %+v", p.Focus)
				}
			case idle:
				if p.Focus != nil {
					t.Fatalf("focus without a session: %+v", p.Focus)
				}
			}
		}
		// A completed session is no longer anyone's focus.
		if _, err := e.s.CompleteSession(e.ctx, sharer, a.ID, wire.CompleteSessionInput{}, none); err != nil {
			t.Fatal(err)
		}
		ps, _ = e.s.Participants(e.ctx, r.ID)
		for _, p := range ps {
			if p.ID == sharer && p.Focus != nil {
				t.Fatalf("focus after completion: %+v", p.Focus)
			}
		}
	})
}

package rooms_test

import (
	"errors"
	"io"
	"log/slog"
	"slices"
	"strings"
	"testing"

	"github.com/bodydouble/bodydouble/internal/apperr"
	"github.com/bodydouble/bodydouble/internal/rooms"
	"github.com/bodydouble/bodydouble/internal/textrules"
	"github.com/bodydouble/bodydouble/internal/wire"
)

// wantReason fails unless err is `invalid` with exactly one field error,
// on field, whose message contains reason.
func wantReason(t *testing.T, what string, err error, field, reason string) {
	t.Helper()
	var e *apperr.Error
	if !errors.As(err, &e) || e.Code != apperr.Invalid || len(e.Fields) != 1 || e.Fields[0].Field != field || !strings.Contains(e.Fields[0].Message, reason) {
		t.Fatalf("%s: %v, want invalid %s saying %q", what, err, field, reason)
	}
}

// roomCount is how many rooms the lobby lists.
func (e *env) roomCount() int {
	e.t.Helper()
	list, _, err := e.s.ListRooms(e.ctx, "", "", 100)
	if err != nil {
		e.t.Fatal(err)
	}
	return len(list)
}

// Room names and descriptions are public text: normalised, without
// invisible characters, without blocked words; a refused room is not made.
func TestRoomPublicText(t *testing.T) {
	t.Parallel()
	desc := func(s string) *string { return &s }
	eachBackend(t, func(t *testing.T, e *env) {
		me := e.user()
		for _, tc := range []struct {
			name          string
			in            wire.CreateRoomInput
			field, reason string
		}{
			{"blocked word in the name", wire.CreateRoomInput{Name: "Shit show", Category: "study"}, "name", `Leave out "shit"`},
			{"homoglyph in the name", wire.CreateRoomInput{Name: "F\u0455ck it", Category: "study"}, "", ""}, // ѕ is not u: passes
			{"Cyrillic a in a blocked word", wire.CreateRoomInput{Name: "Kick \u0430ss club", Category: "study"}, "name", `Leave out "ass"`},
			{"bidi override in the name", wire.CreateRoomInput{Name: "Deep\u202ework", Category: "study"}, "name", "invisible"},
			{"zero-width space in the description", wire.CreateRoomInput{Name: "Deep", Category: "study", Description: desc("quiet\u200bplease")}, "description", "invisible"},
			{"C1 control in the description", wire.CreateRoomInput{Name: "Deep", Category: "study", Description: desc("quiet\u0085please")}, "description", "invisible"},
			{"blocked word in the description", wire.CreateRoomInput{Name: "Deep", Category: "study", Description: desc("no bullshit")}, "description", `Leave out "bullshit"`},
		} {
			before := e.roomCount()
			r, err := e.s.CreateRoom(e.ctx, me, tc.in)
			if tc.field == "" {
				if err != nil {
					t.Fatalf("%s: %v", tc.name, err)
				}
				continue
			}
			wantReason(t, tc.name, err, tc.field, tc.reason)
			if r.ID != "" || e.roomCount() != before {
				t.Fatalf("%s: a room was made", tc.name)
			}
		}
		r, err := e.s.CreateRoom(e.ctx, me, wire.CreateRoomInput{Name: "Cafe\u0301 cocktail hour", Category: "study", Description: desc("Scunthorpe, Dickens, therapist: all fine")})
		if err != nil || r.Name != "Café cocktail hour" || *r.Description != "Scunthorpe, Dickens, therapist: all fine" {
			t.Fatalf("ordinary words: %+v, %v", r, err)
		}
		if r, err := e.s.CreateRoom(e.ctx, me, wire.CreateRoomInput{Name: "Staff room", Category: "study"}); err != nil || r.Name != "Staff room" {
			t.Fatalf("staff names bind display names only: %+v, %v", r, err)
		}
	})
}

// Shared goals and achievements are public text; private ones are never
// filtered. Switching a private session to shared checks its goals then.
func TestSessionPublicText(t *testing.T) {
	t.Parallel()
	eachBackend(t, func(t *testing.T, e *env) {
		me := e.user()
		r := e.room(me, 8, "muted")
		e.join(r.ID, me)

		_, err := e.s.StartSession(e.ctx, me, wire.StartSessionInput{RoomID: r.ID, Goals: []string{"ok", "finish this shit"}, ShareGoals: ptr(true)}, none)
		wantReason(t, "shared start", err, "goals.1", `Leave out "shit"`)
		if _, err := e.s.StartSession(e.ctx, me, wire.StartSessionInput{RoomID: r.ID, Goals: []string{"ok", "a\u200bb"}, ShareGoals: ptr(true)}, none); err == nil {
			t.Fatal("a shared goal with a zero-width space passed")
		}

		private := e.session(me, r.ID, false, "finish this shit")
		if !slices.Equal(private.Goals, []string{"finish this shit"}) {
			t.Fatalf("private goals were filtered: %v", private.Goals)
		}
		got, err := e.s.UpdateSession(e.ctx, me, private.ID, wire.UpdateSessionInput{Goals: []string{"more shit"}}, none)
		if err != nil || !slices.Equal(got.Goals, []string{"more shit"}) {
			t.Fatalf("private update: %+v, %v", got, err)
		}
		_, err = e.s.UpdateSession(e.ctx, me, private.ID, wire.UpdateSessionInput{ShareGoals: ptr(true)}, none)
		wantReason(t, "switch to shared", err, "goals.0", `Leave out "shit"`)
		if cur, _ := e.s.GetSession(e.ctx, me, private.ID); cur.ShareGoals || !slices.Equal(cur.Goals, []string{"more shit"}) {
			t.Fatalf("a refused switch changed the session: %+v", cur)
		}
		got, err = e.s.UpdateSession(e.ctx, me, private.ID, wire.UpdateSessionInput{Goals: []string{"Cafe\u0301 essay"}, ShareGoals: ptr(true)}, none)
		if err != nil || !got.ShareGoals || !slices.Equal(got.Goals, []string{"Café essay"}) {
			t.Fatalf("switch with clean goals: %+v, %v", got, err)
		}
		_, err = e.s.UpdateSession(e.ctx, me, private.ID, wire.UpdateSessionInput{Goals: []string{"fine", "fück"}}, none)
		wantReason(t, "shared update", err, "goals.1", `Leave out "fuck"`)
		_, err = e.s.CompleteSession(e.ctx, me, private.ID, wire.CompleteSessionInput{Achievements: []string{"wrote the bullshit essay"}}, none)
		wantReason(t, "shared achievements", err, "achievements.0", `Leave out "bullshit"`)
		if cur, _ := e.s.GetSession(e.ctx, me, private.ID); cur.EndedAt != nil {
			t.Fatal("refused achievements ended the session")
		}
		done, err := e.s.CompleteSession(e.ctx, me, private.ID, wire.CompleteSessionInput{Achievements: []string{"Read Dickens", "cocktail"}}, none)
		if err != nil || !slices.Equal(done.Achievements, []string{"Read Dickens", "cocktail"}) {
			t.Fatalf("clean achievements: %+v, %v", done, err)
		}

		quiet := e.session(me, r.ID, false)
		done, err = e.s.CompleteSession(e.ctx, me, quiet.ID, wire.CompleteSessionInput{Achievements: []string{"got shit done"}}, none)
		if err != nil || !slices.Equal(done.Achievements, []string{"got shit done"}) {
			t.Fatalf("private achievements were filtered: %+v, %v", done, err)
		}
	})
}

// The operator's list reaches room rules and is swapped whole.
func TestOperatorWordList(t *testing.T) {
	t.Parallel()
	eachBackend(t, func(t *testing.T, e *env) {
		rules := textrules.New()
		rules.SetExtra([]string{"grindset"})
		s := rooms.New(rooms.Options{Store: e.st, Broker: e.br, Now: e.clock.Now, Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), Text: rules})
		me := e.user()
		_, err := s.CreateRoom(e.ctx, me, wire.CreateRoomInput{Name: "Grindset", Category: "study"})
		wantReason(t, "operator's term", err, "name", `Leave out "grindset"`)
		if _, err := e.s.CreateRoom(e.ctx, me, wire.CreateRoomInput{Name: "Grindset", Category: "study"}); err != nil {
			t.Fatalf("a service without the operator's list: %v", err)
		}
		rules.SetExtra(nil)
		if _, err := s.CreateRoom(e.ctx, me, wire.CreateRoomInput{Name: "Grindset", Category: "study"}); err != nil {
			t.Fatalf("after the term left the list: %v", err)
		}
	})
}

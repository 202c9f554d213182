package rooms_test

import (
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/bodydouble/bodydouble/internal/apperr"
	"github.com/bodydouble/bodydouble/internal/model"
	"github.com/bodydouble/bodydouble/internal/wire"
)

// A join that cannot happen says why and leaves the person where they were.
func TestJoinRefusals(t *testing.T) {
	t.Parallel()
	eachBackend(t, func(t *testing.T, e *env) {
		owner, a, b, me := e.user(), e.user(), e.user(), e.user()
		home := e.room(owner, 8, "muted")
		full := e.room(owner, 2, "muted")
		e.join(full.ID, a, b)
		banned := e.room(owner, 8, "muted")
		e.join(banned.ID, owner, me)
		if err := e.s.RemoveParticipant(e.ctx, owner, banned.ID, me, none); err != nil {
			t.Fatal(err)
		}
		closed, err := e.st.CreateRoom(e.ctx, model.Room{ID: uuid.NewString(), Name: "Closed", Category: "study",
			MaxCapacity: 8, MicPolicy: "muted", IsActive: false, CreatedAt: start})
		if err != nil {
			t.Fatal(err)
		}
		e.join(home.ID, me)

		tests := []struct {
			name, room, code string
		}{
			{"a full room", full.ID, apperr.RoomFull},
			{"a closed room", closed.ID, apperr.NotFound},
			{"a room that never was", uuid.NewString(), apperr.NotFound},
			{"an id that is no id", "lobby", apperr.NotFound},
			{"a room one was removed from", banned.ID, apperr.Forbidden},
		}
		for _, tc := range tests {
			_, err := e.s.Join(e.ctx, me, tc.room, none)
			wantCode(t, tc.name, err, tc.code)
			if cur, err := e.s.CurrentRoom(e.ctx, me); err != nil || cur != home.ID {
				t.Fatalf("%s: now in %q (%v), want still in home", tc.name, cur, err)
			}
		}
		// The ban ends after a day.
		e.clock.Advance(24*time.Hour + time.Second)
		if _, err := e.s.Join(e.ctx, me, banned.ID, none); err != nil {
			t.Fatalf("a day after removal: %v", err)
		}
	})
}

// A join tells the room; joining the room one is in changes nothing; moving
// ends one's open session and leaves the old room, session first.
func TestJoinMoveAndLeave(t *testing.T) {
	t.Parallel()
	eachBackend(t, func(t *testing.T, e *env) {
		me := e.user()
		first, second := e.room(me, 8, "muted"), e.room(me, 8, "muted")
		w1, w2 := e.watch(first.ID), e.watch(second.ID)

		res, err := e.s.Join(e.ctx, me, first.ID, none)
		if err != nil || res.AlreadyIn || res.Room.CurrentCapacity != 1 {
			t.Fatalf("join: %+v, %v", res, err)
		}
		ev := w1.next("participant-joined")
		joined := decode[wire.ParticipantJoined](t, ev.Data)
		if ev.Subject != me || joined.RoomID != first.ID || joined.Participant.ID != me || joined.Participant.Status != "working" {
			t.Fatalf("participant-joined: subject %s, %s", ev.Subject, ev.Data)
		}

		res, err = e.s.Join(e.ctx, me, first.ID, none)
		if err != nil || !res.AlreadyIn || res.Room.CurrentCapacity != 1 {
			t.Fatalf("join again: %+v, %v", res, err)
		}
		e.quiet(w1, first.ID)

		sess := e.session(me, first.ID, false, "write")
		w1.next("focus-session-started")
		e.clock.Advance(25*time.Minute + 30*time.Second)
		if _, err := e.s.Join(e.ctx, me, second.ID, none); err != nil {
			t.Fatal(err)
		}
		ended := decode[wire.SessionEvent](t, w1.next("focus-session-updated").Data)
		if ended.Session.ID != sess.ID || ended.Session.EndedAt == nil || ended.Session.IsCompleted {
			t.Fatalf("the session a move ended: %+v", ended.Session)
		}
		left := decode[wire.ParticipantLeft](t, w1.next("participant-left").Data)
		if left.ParticipantID != me || left.Reason != "" {
			t.Fatalf("participant-left: %+v", left)
		}
		w2.next("participant-joined")
		got, err := e.s.GetSession(e.ctx, me, sess.ID)
		if err != nil || got.EndedAt == nil || !got.EndedAt.Equal(e.clock.Now()) || got.IsCompleted ||
			got.DurationMinutes == nil || *got.DurationMinutes != 25 {
			t.Fatalf("stored session after the move: %+v, %v", got, err)
		}
		if cur, _ := e.s.CurrentRoom(e.ctx, me); cur != second.ID {
			t.Fatalf("in %q after moving", cur)
		}
		if r, _ := e.s.GetRoom(e.ctx, first.ID); r.CurrentCapacity != 0 {
			t.Fatalf("the old room still counts %d", r.CurrentCapacity)
		}

		// Leaving a room one is not in succeeds, announces nothing.
		r, announced, err := e.s.Leave(e.ctx, me, first.ID, none)
		if err != nil || announced || r.ID != first.ID {
			t.Fatalf("leave a room one is not in: %v %v", announced, err)
		}
		e.quiet(w1, first.ID)
		_, _, err = e.s.Leave(e.ctx, me, uuid.NewString(), none)
		wantCode(t, "leave a room that never was", err, apperr.NotFound)
		_, _, err = e.s.Leave(e.ctx, me, "x", none)
		wantCode(t, "leave an id that is no id", err, apperr.NotFound)

		// Leaving the room one is in: announced, and one is in no room.
		r, announced, err = e.s.Leave(e.ctx, me, second.ID, none)
		if err != nil || !announced || r.CurrentCapacity != 0 {
			t.Fatalf("leave: %+v %v %v", r, announced, err)
		}
		w2.next("participant-left")
		if cur, err := e.s.CurrentRoom(e.ctx, me); err != nil || cur != "" {
			t.Fatalf("room after leaving: %q, %v", cur, err)
		}
	})
}

// seat is a room set up for a quick-join case.
type seat struct {
	category string
	capacity int
	others   int  // people in it besides the quick joiner
	mine     bool // the quick joiner is in it too
	closed   bool
	banned   bool // the quick joiner was removed from it today
}

// Quick join: the open room with the most other people, occupied rooms of
// a preferred category first, the current room on a tie, and a new room
// (of the first preferred category) only when every room is full.
func TestQuickJoinPicks(t *testing.T) {
	t.Parallel()
	const newRoom = -1
	tests := []struct {
		name      string
		preferred []string
		rooms     []seat
		want      int    // index into rooms, or newRoom
		category  string // of the new room
	}{
		{"no rooms at all", nil, nil, newRoom, "deep-work"},
		{"the busiest room", nil, []seat{{"study", 8, 1, false, false, false}, {"study", 8, 3, false, false, false}, {"study", 8, 0, false, false, false}}, 1, ""},
		{"full rooms are skipped", nil, []seat{{"study", 2, 2, false, false, false}, {"study", 8, 1, false, false, false}}, 1, ""},
		{"closed rooms are skipped", nil, []seat{{"study", 8, 0, false, true, false}, {"admin", 8, 0, false, false, false}}, 1, ""},
		{"rooms one was removed from are skipped", nil, []seat{{"study", 8, 3, false, false, true}, {"admin", 8, 1, false, false, false}}, 1, ""},
		{"every room full", []string{"creative", "study"}, []seat{{"study", 2, 2, false, false, false}}, newRoom, "creative"},
		{"a preferred occupied room beats a busier one", []string{"creative"},
			[]seat{{"study", 8, 3, false, false, false}, {"creative", 8, 1, false, false, false}}, 1, ""},
		{"an empty preferred room does not beat company", []string{"creative"},
			[]seat{{"study", 8, 1, false, false, false}, {"creative", 8, 0, false, false, false}}, 0, ""},
		{"on a tie one stays", nil, []seat{{"study", 8, 2, false, false, false}, {"study", 8, 2, true, false, false}}, 1, ""},
		{"alone, one moves to company", nil, []seat{{"study", 8, 0, true, false, false}, {"study", 8, 1, false, false, false}}, 1, ""},
		{"one's own full room is still a seat", nil, []seat{{"study", 2, 1, true, false, false}}, 0, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			eachBackend(t, func(t *testing.T, e *env) {
				owner, me := e.user(), e.user()
				var ids []string
				for _, sr := range tc.rooms {
					e.clock.Advance(time.Second) // created in order
					var id string
					if sr.closed {
						r, err := e.st.CreateRoom(e.ctx, model.Room{ID: uuid.NewString(), Name: "Closed", Category: sr.category,
							MaxCapacity: sr.capacity, MicPolicy: "muted", CreatedAt: e.clock.Now()})
						if err != nil {
							t.Fatal(err)
						}
						id = r.ID
					} else {
						r, err := e.s.CreateRoom(e.ctx, owner, wire.CreateRoomInput{Name: "R", Category: sr.category, MaxCapacity: &sr.capacity})
						if err != nil {
							t.Fatal(err)
						}
						id = r.ID
					}
					if sr.banned {
						e.join(id, me)
						if err := e.s.RemoveParticipant(e.ctx, owner, id, me, none); err != nil {
							t.Fatal(err)
						}
					}
					for range sr.others {
						e.join(id, e.user())
					}
					if sr.mine {
						e.join(id, me)
					}
					ids = append(ids, id)
				}
				if tc.preferred != nil {
					p := model.DefaultPreferences()
					p.PreferredRoomCategories = tc.preferred
					if err := e.st.PutPreferences(e.ctx, me, p, start); err != nil {
						t.Fatal(err)
					}
				}
				before, _ := e.s.CurrentRoom(e.ctx, me)
				res, err := e.s.QuickJoin(e.ctx, me, none)
				if err != nil {
					t.Fatal(err)
				}
				if cur, _ := e.s.CurrentRoom(e.ctx, me); cur != res.Room.ID {
					t.Fatalf("quick join answered %s but put them in %s", res.Room.ID, cur)
				}
				if res.AlreadyIn != (before == res.Room.ID) {
					t.Fatalf("AlreadyIn %v, was in %q, now in %q", res.AlreadyIn, before, res.Room.ID)
				}
				if tc.want != newRoom {
					if res.Room.ID != ids[tc.want] {
						t.Fatalf("picked %s, want room %d of %v", res.Room.ID, tc.want, ids)
					}
					return
				}
				r := res.Room
				for _, id := range ids {
					if r.ID == id {
						t.Fatalf("picked an existing room, want a new one")
					}
				}
				if r.Name != "Focus room" || r.Category != tc.category || r.MaxCapacity != 8 || r.MicPolicy != "muted" ||
					!r.IsActive || r.CreatedBy != nil || r.CurrentCapacity != 1 {
					t.Fatalf("new room %+v, want a muted Focus room of 8 in %s", r, tc.category)
				}
			})
		})
	}
}

// Presence is working, break or away; a change shows at once in the
// room's participants and in one presence-updated broadcast, and a new
// join starts at working again.
func TestPresenceStatuses(t *testing.T) {
	t.Parallel()
	eachBackend(t, func(t *testing.T, e *env) {
		me, other := e.user(), e.user()
		r := e.room(me, 8, "muted")
		e.join(r.ID, me, other)
		w := e.watch(r.ID)
		tests := []struct {
			status string
			ok     bool
		}{
			{"break", true}, {"away", true}, {"working", true},
			{"", false}, {"Working", false}, {"busy", false}, {"working ", false}, {"offline", false},
		}
		for _, tc := range tests {
			err := e.s.SetStatus(e.ctx, me, r.ID, tc.status, none)
			if !tc.ok {
				wantFields(t, "status "+tc.status, err, "status")
				e.quiet(w, r.ID)
				continue
			}
			if err != nil {
				t.Fatalf("status %q: %v", tc.status, err)
			}
			ev := w.next("presence-updated")
			got := decode[map[string]string](t, ev.Data)
			if got["roomId"] != r.ID || got["participantId"] != me || got["status"] != tc.status || len(got) != 3 {
				t.Fatalf("presence-updated %s", ev.Data)
			}
			ps, err := e.s.Participants(e.ctx, r.ID)
			if err != nil {
				t.Fatal(err)
			}
			for _, p := range ps {
				want := "working"
				if p.ID == me {
					want = tc.status
				}
				if p.Status != want {
					t.Fatalf("after %q: %s is %q, want %q", tc.status, p.ID, p.Status, want)
				}
			}
		}
		wantCode(t, "status in an id that is no id", e.s.SetStatus(e.ctx, me, "x", "away", none), apperr.NotFound)

		if err := e.s.SetStatus(e.ctx, me, r.ID, "away", none); err != nil {
			t.Fatal(err)
		}
		if _, _, err := e.s.Leave(e.ctx, me, r.ID, none); err != nil {
			t.Fatal(err)
		}
		e.join(r.ID, me)
		snap, err := e.s.Snapshot(e.ctx, r.ID)
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range snap.Participants {
			if p.ID == me && p.Status != "working" {
				t.Fatalf("status after a new join: %q, want working", p.Status)
			}
		}
	})
}

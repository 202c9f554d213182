package rooms_test

import (
	"encoding/base64"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/bodydouble/bodydouble/internal/apperr"
	"github.com/bodydouble/bodydouble/internal/model"
	"github.com/bodydouble/bodydouble/internal/rooms"
	"github.com/bodydouble/bodydouble/internal/wire"
)

// A new room's fields are checked one by one; every problem is listed, in
// the order of the fields; what passes is trimmed and defaulted.
func TestCreateRoomRules(t *testing.T) {
	t.Parallel()
	type want struct {
		name, category, mic string
		desc                *string
		capacity            int
	}
	ok := func(name, category string, desc *string, capacity int, mic string) *want {
		return &want{name: name, category: category, desc: desc, capacity: capacity, mic: mic}
	}
	tests := []struct {
		name   string
		in     wire.CreateRoomInput
		want   *want    // nil when refused
		fields []string // the invalid fields when refused
	}{
		{"defaults", wire.CreateRoomInput{Name: "Deep", Category: "deep-work"}, ok("Deep", "deep-work", nil, rooms.DefaultCapacity, "muted"), nil},
		{"name trimmed", wire.CreateRoomInput{Name: "  Deep  ", Category: "study"}, ok("Deep", "study", nil, 8, "muted"), nil},
		{"name of 100 characters", wire.CreateRoomInput{Name: strings.Repeat("ü", 100), Category: "study"}, ok(strings.Repeat("ü", 100), "study", nil, 8, "muted"), nil},
		{"name of 101 characters", wire.CreateRoomInput{Name: strings.Repeat("a", 101), Category: "study"}, nil, []string{"name"}},
		{"empty name", wire.CreateRoomInput{Name: "", Category: "study"}, nil, []string{"name"}},
		{"blank name", wire.CreateRoomInput{Name: " \u00a0 ", Category: "study"}, nil, []string{"name"}},
		{"name with a NUL", wire.CreateRoomInput{Name: "a\x00b", Category: "study"}, nil, []string{"name"}},
		{"name with a line break", wire.CreateRoomInput{Name: "a\nb", Category: "study"}, nil, []string{"name"}},
		{"name with a tab", wire.CreateRoomInput{Name: "a\tb", Category: "study"}, nil, []string{"name"}},
		{"description trimmed", wire.CreateRoomInput{Name: "R", Category: "admin", Description: ptr("  quiet please ")}, ok("R", "admin", ptr("quiet please"), 8, "muted"), nil},
		{"blank description is none", wire.CreateRoomInput{Name: "R", Category: "admin", Description: ptr("   ")}, ok("R", "admin", nil, 8, "muted"), nil},
		{"description of 500 characters", wire.CreateRoomInput{Name: "R", Category: "admin", Description: ptr(strings.Repeat("д", 500))},
			ok("R", "admin", ptr(strings.Repeat("д", 500)), 8, "muted"), nil},
		{"description of 501 characters", wire.CreateRoomInput{Name: "R", Category: "admin", Description: ptr(strings.Repeat("a", 501))}, nil, []string{"description"}},
		{"description with a control character", wire.CreateRoomInput{Name: "R", Category: "admin", Description: ptr("a\x1bb")}, nil, []string{"description"}},
		{"no category", wire.CreateRoomInput{Name: "R"}, nil, []string{"category"}},
		{"unknown category", wire.CreateRoomInput{Name: "R", Category: "gaming"}, nil, []string{"category"}},
		{"category in capitals", wire.CreateRoomInput{Name: "R", Category: "Study"}, nil, []string{"category"}},
		{"smallest room", wire.CreateRoomInput{Name: "R", Category: "chores", MaxCapacity: ptr(rooms.MinCapacity)}, ok("R", "chores", nil, 2, "muted"), nil},
		{"largest room", wire.CreateRoomInput{Name: "R", Category: "chores", MaxCapacity: ptr(rooms.MaxCapacity)}, ok("R", "chores", nil, 50, "muted"), nil},
		{"room of one", wire.CreateRoomInput{Name: "R", Category: "chores", MaxCapacity: ptr(1)}, nil, []string{"maxCapacity"}},
		{"room of 51", wire.CreateRoomInput{Name: "R", Category: "chores", MaxCapacity: ptr(51)}, nil, []string{"maxCapacity"}},
		{"room of nobody", wire.CreateRoomInput{Name: "R", Category: "chores", MaxCapacity: ptr(0)}, nil, []string{"maxCapacity"}},
		{"negative room", wire.CreateRoomInput{Name: "R", Category: "chores", MaxCapacity: ptr(-3)}, nil, []string{"maxCapacity"}},
		{"open mic", wire.CreateRoomInput{Name: "R", Category: "creative", MicPolicy: ptr("open")}, ok("R", "creative", nil, 8, "open"), nil},
		{"muted mic", wire.CreateRoomInput{Name: "R", Category: "creative", MicPolicy: ptr("muted")}, ok("R", "creative", nil, 8, "muted"), nil},
		{"unknown mic policy", wire.CreateRoomInput{Name: "R", Category: "creative", MicPolicy: ptr("loud")}, nil, []string{"micPolicy"}},
		{"empty mic policy", wire.CreateRoomInput{Name: "R", Category: "creative", MicPolicy: ptr("")}, nil, []string{"micPolicy"}},
		{"everything wrong, in field order", wire.CreateRoomInput{Name: "", Description: ptr(strings.Repeat("x", 600)), Category: "x", MaxCapacity: ptr(99), MicPolicy: ptr("x")},
			nil, []string{"name", "description", "category", "maxCapacity", "micPolicy"}},
	}
	eachBackend(t, func(t *testing.T, e *env) {
		creator := e.user()
		for _, tc := range tests {
			r, err := e.s.CreateRoom(e.ctx, creator, tc.in)
			if tc.want == nil {
				wantFields(t, tc.name, err, tc.fields...)
				continue
			}
			if err != nil {
				t.Fatalf("%s: %v", tc.name, err)
			}
			w := tc.want
			if r.Name != w.name || r.Category != w.category || r.MaxCapacity != w.capacity || r.MicPolicy != w.mic ||
				(r.Description == nil) != (w.desc == nil) || (w.desc != nil && *r.Description != *w.desc) {
				t.Fatalf("%s: created %+v, want %+v", tc.name, r, *w)
			}
			if !r.IsActive || r.CreatedBy == nil || *r.CreatedBy != creator || !r.CreatedAt.Equal(start) || r.CurrentCapacity != 0 {
				t.Fatalf("%s: active %v, by %v, at %v, %d in it", tc.name, r.IsActive, r.CreatedBy, r.CreatedAt, r.CurrentCapacity)
			}
			got, err := e.s.GetRoom(e.ctx, r.ID)
			if err != nil || got.Name != w.name || got.MaxCapacity != w.capacity {
				t.Fatalf("%s: stored %+v, %v", tc.name, got, err)
			}
		}
		// Creating a room does not put its creator in it.
		if cur, err := e.s.CurrentRoom(e.ctx, creator); err != nil || cur != "" {
			t.Fatalf("creator's room after creating: %q, %v", cur, err)
		}
	})
}

// Every category is one a room can be created in.
func TestCreateRoomInEveryCategory(t *testing.T) {
	t.Parallel()
	eachBackend(t, func(t *testing.T, e *env) {
		u := e.user()
		for _, c := range model.Categories {
			if r, err := e.s.CreateRoom(e.ctx, u, wire.CreateRoomInput{Name: c, Category: c}); err != nil || r.Category != c {
				t.Fatalf("category %s: %+v, %v", c, r, err)
			}
		}
	})
}

// Ids that cannot name a room are simply not found.
func TestGetRoomNotFound(t *testing.T) {
	t.Parallel()
	eachBackend(t, func(t *testing.T, e *env) {
		r := e.room(e.user(), 8, "muted")
		for _, id := range []string{"", "nope", uuid.NewString(), strings.ToUpper(r.ID), "{" + r.ID + "}", "'; DROP TABLE rooms; --"} {
			_, err := e.s.GetRoom(e.ctx, id)
			wantCode(t, "GetRoom "+id, err, apperr.NotFound)
		}
	})
}

// The lobby pages through rooms oldest first, limit at a time; the last
// page has no cursor, even when it is exactly full; a category filters;
// only cursors the service gave out are taken.
func TestListRoomsPaging(t *testing.T) {
	t.Parallel()
	eachBackend(t, func(t *testing.T, e *env) {
		u := e.user()
		var made []string
		for range 5 {
			e.clock.Advance(time.Second)
			r, err := e.s.CreateRoom(e.ctx, u, wire.CreateRoomInput{Name: "C", Category: "creative"})
			if err != nil {
				t.Fatal(err)
			}
			made = append(made, r.ID)
		}
		// Rooms of another category never show up in creative's pages.
		if _, err := e.s.CreateRoom(e.ctx, u, wire.CreateRoomInput{Name: "A", Category: "admin"}); err != nil {
			t.Fatal(err)
		}
		for _, limit := range []int{1, 2, 3, 5, 6} {
			var got []string
			cursor, pages := "", 0
			for {
				page, next, err := e.s.ListRooms(e.ctx, "creative", cursor, limit)
				if err != nil {
					t.Fatalf("limit %d page %d: %v", limit, pages, err)
				}
				pages++
				if len(page) > limit {
					t.Fatalf("limit %d: page of %d", limit, len(page))
				}
				for _, r := range page {
					if r.Category != "creative" {
						t.Fatalf("limit %d: a %s room in creative's list", limit, r.Category)
					}
					got = append(got, r.ID)
				}
				if next == "" {
					break
				}
				cursor = next
			}
			if !slices.Equal(got, made) {
				t.Fatalf("limit %d: listed %v, want %v", limit, got, made)
			}
			if want := (len(made) + limit - 1) / limit; pages != want {
				t.Fatalf("limit %d: %d pages, want %d (no empty last page)", limit, pages, want)
			}
		}

		// Cursors are opaque, but only the exact string given out is one.
		_, next, err := e.s.ListRooms(e.ctx, "creative", "", 2)
		if err != nil || next == "" {
			t.Fatalf("first page: %q, %v", next, err)
		}
		enc := base64.RawURLEncoding.EncodeToString
		bad := map[string]string{
			"garbage":               "not a cursor",
			"a room id as it is":    made[1],
			"padded":                next + "==",
			"with a line break":     next[:4] + "\n" + next[4:],
			"upper-case id":         enc([]byte(strings.ToUpper(made[1]))),
			"id without hyphens":    enc([]byte(strings.ReplaceAll(made[1], "-", ""))),
			"a room that never was": enc([]byte(uuid.NewString())),
			"not an id":             enc([]byte("1 OR 1=1")),
		}
		for what, c := range bad {
			_, _, err := e.s.ListRooms(e.ctx, "creative", c, 2)
			wantFields(t, "cursor "+what, err, "cursor")
		}
		_, _, err = e.s.ListRooms(e.ctx, "gaming", "", 2)
		wantFields(t, "unknown category", err, "category")
	})
}

// History pages through one person's sessions newest first; a cursor is
// only ever one of their own sessions.
func TestHistoryPaging(t *testing.T) {
	t.Parallel()
	eachBackend(t, func(t *testing.T, e *env) {
		me, other := e.user(), e.user()
		r := e.room(me, 8, "muted")
		e.join(r.ID, me, other)
		var mine []string
		for range 4 {
			s := e.session(me, r.ID, false)
			e.clock.Advance(time.Minute)
			if _, err := e.s.CompleteSession(e.ctx, me, s.ID, wire.CompleteSessionInput{}, none); err != nil {
				t.Fatal(err)
			}
			mine = append([]string{s.ID}, mine...) // newest first
		}
		theirs := e.session(other, r.ID, false)

		var got []string
		cursor := ""
		for {
			page, next, err := e.s.History(e.ctx, me, cursor, 3)
			if err != nil {
				t.Fatal(err)
			}
			for _, s := range page {
				if s.UserID != me {
					t.Fatalf("someone else's session in my history: %+v", s)
				}
				got = append(got, s.ID)
			}
			if next == "" {
				break
			}
			cursor = next
		}
		if !slices.Equal(got, mine) {
			t.Fatalf("history %v, want %v", got, mine)
		}
		for what, c := range map[string]string{
			"garbage":                  "x",
			"upper case":               strings.ToUpper(mine[1]),
			"braces":                   "{" + mine[1] + "}",
			"a session that never was": uuid.NewString(),
			"someone else's session":   theirs.ID,
		} {
			_, _, err := e.s.History(e.ctx, me, c, 3)
			wantFields(t, "history cursor "+what, err, "cursor")
		}
	})
}

package users_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"image"
	"image/png"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/bodydouble/bodydouble/internal/apperr"
	"github.com/bodydouble/bodydouble/internal/model"
	"github.com/bodydouble/bodydouble/internal/store"
	"github.com/bodydouble/bodydouble/internal/store/storetest"
	"github.com/bodydouble/bodydouble/internal/users"
	"github.com/bodydouble/bodydouble/internal/wire"
)

// Rules of the users domain, tested through users.Service on a real store
// (SQLite always, PostgreSQL when BODYDOUBLE_TEST_DATABASE_URL is set).

// at is the fixed clock of these tests.
var at = time.Date(2030, 1, 7, 9, 0, 0, 0, time.UTC)

// eachBackend runs f on a fresh Service over each store backend.
func eachBackend(t *testing.T, f func(t *testing.T, s *users.Service, st store.Store)) {
	t.Helper()
	for _, b := range storetest.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			st := b.Open(t)
			f(t, users.New(st, func() time.Time { return at }), st)
		})
	}
}

// person stores someone called "Ada" and returns their id.
func person(t *testing.T, st store.Store) string {
	t.Helper()
	id := uuid.NewString()
	if err := st.CreateUser(context.Background(), model.User{ID: id, AnonymousID: uuid.NewString(), DisplayName: "Ada", CreatedAt: at, UpdatedAt: at}); err != nil {
		t.Fatal(err)
	}
	return id
}

// set, null and absent build Optional fields as DecodeStrict would.
func set[T any](v T) wire.Optional[T] { return wire.Optional[T]{Set: true, Value: v} }
func null[T any]() wire.Optional[T]   { return wire.Optional[T]{Set: true, Null: true} }

// wantInvalid checks err is an `invalid` error listing exactly fields, in order.
func wantInvalid(t *testing.T, err error, fields ...string) {
	t.Helper()
	var e *apperr.Error
	if !errors.As(err, &e) || e.Code != apperr.Invalid {
		t.Fatalf("got %v, want invalid %v", err, fields)
	}
	got := make([]string, 0, len(e.Fields))
	for _, f := range e.Fields {
		got = append(got, f.Field)
	}
	if !slices.Equal(got, fields) {
		t.Fatalf("invalid fields %v, want %v", got, fields)
	}
}

// pngURL is a data: URL of a real w × h PNG.
func pngURL(t *testing.T, w, h int) string {
	t.Helper()
	var buf bytes.Buffer
	if err := png.Encode(&buf, image.NewGray(image.Rect(0, 0, w, h))); err != nil {
		t.Fatal(err)
	}
	return "data:image/png;base64," + base64.StdEncoding.EncodeToString(buf.Bytes())
}

// A display name is trimmed and must then be 1 to 50 characters of plain
// text; null is not a name. A refused update changes nothing.
func TestDisplayNameRules(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		in    wire.Optional[string]
		want  string // the stored name; "" when refused
		field bool   // refused with a displayName field error
	}{
		{"plain", set("Grace"), "Grace", false},
		{"trimmed", set("  Grace \t"), "Grace", false},
		{"50 characters of two bytes", set(strings.Repeat("é", 50)), strings.Repeat("é", 50), false},
		{"51 characters", set(strings.Repeat("a", 51)), "", true},
		{"empty", set(""), "", true},
		{"only spaces", set("   "), "", true},
		{"null", null[string](), "", true},
		{"NUL inside", set("Gr\x00ace"), "", true},
		{"newline inside", set("Gr\nace"), "", true},
		{"DEL inside", set("Gr\x7face"), "", true},
		{"C1 control inside", set("Gr\u0085ace"), "", true},
		{"right-to-left override", set("Grace\u202egnp.exe"), "", true},
		{"zero-width space", set("Gr\u200bace"), "", true},
		{"Hangul filler only", set("\u3164"), "", true},
		{"staff name", set("Moderator"), "", true},
		{"staff name with a Greek omicron", set("M\u03bfderator"), "", true},
		{"staff name with a Cyrillic a", set("\u0430dmin"), "", true},
		{"staff name run together", set("BodyDouble"), "", true},
		{"blocked word", set("Shit Head"), "", true},
		{"joined emoji (PRECIS nickname)", set("Dev \U0001F469\u200d\U0001F4BB"), "", true},
		{"Arabic", set("محمد"), "محمد", false},
		{"Hebrew", set("דוד כהן"), "דוד כהן", false},
		{"emoji", set("Otter 🦦"), "Otter 🦦", false},
		{"NFC", set("Jose\u0301"), "José", false},
		{"full width folded (PRECIS nickname)", set("\uff27\uff52\uff41\uff43\uff45"), "Grace", false},
		{"inner spaces folded (PRECIS nickname)", set("Quiet \u3000 Heron"), "Quiet Heron", false},
		{"a word containing a blocked one", set("Dickens Fan"), "Dickens Fan", false},
		{"a word containing a staff one", set("Admiral Ackbar"), "Admiral Ackbar", false},
	}
	eachBackend(t, func(t *testing.T, s *users.Service, st store.Store) {
		ctx := context.Background()
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				id := person(t, st)
				u, err := s.UpdateProfile(ctx, id, wire.ProfileInput{DisplayName: tc.in})
				if tc.field {
					wantInvalid(t, err, "displayName")
					if u, err := s.Profile(ctx, id); err != nil || u.DisplayName != "Ada" {
						t.Fatalf("after a refused name: %q, %v; want Ada kept", u.DisplayName, err)
					}
					return
				}
				if err != nil {
					t.Fatal(err)
				}
				if u.DisplayName != tc.want || !u.UpdatedAt.Equal(at) {
					t.Fatalf("got %q updated %v, want %q at %v", u.DisplayName, u.UpdatedAt, tc.want, at)
				}
				if u, err := s.Profile(ctx, id); err != nil || u.DisplayName != tc.want {
					t.Fatalf("stored %q, %v; want %q", u.DisplayName, err, tc.want)
				}
			})
		}
	})
}

// Avatars are checked data: URLs; null removes one; a field left out keeps
// what is there; a name and an avatar are refused together or not at all.
func TestAvatarUpdateRules(t *testing.T) {
	t.Parallel()
	eachBackend(t, func(t *testing.T, s *users.Service, st store.Store) {
		ctx := context.Background()
		id := person(t, st)
		good := pngURL(t, 8, 8)

		// No avatar yet: not found.
		if _, err := s.Avatar(ctx, id); !isCode(err, apperr.NotFound) {
			t.Fatalf("avatar before any: %v, want not_found", err)
		}
		u, err := s.UpdateProfile(ctx, id, wire.ProfileInput{AvatarURL: set(good)})
		if err != nil {
			t.Fatal(err)
		}
		if u.AvatarVersion == nil || *u.AvatarVersion != model.AvatarVersion(good) || u.DisplayName != "Ada" {
			t.Fatalf("after setting: version %v name %q", u.AvatarVersion, u.DisplayName)
		}
		a, err := s.Avatar(ctx, id)
		if err != nil || a.ContentType != "image/png" || a.Version != model.AvatarVersion(good) {
			t.Fatalf("avatar served: %+v, %v", a.ContentType, err)
		}

		refused := []struct {
			name string
			url  string
		}{
			{"an https URL", "https://example.com/a.png"},
			{"SVG", "data:image/svg+xml;base64," + base64.StdEncoding.EncodeToString([]byte("<svg/>"))},
			{"too many pixels", pngURL(t, users.MaxAvatarSide+1, 1)},
			{"over 32 KB", good + strings.Repeat("A", users.MaxAvatarLen)},
			{"empty", ""},
		}
		for _, tc := range refused {
			_, err := s.UpdateProfile(ctx, id, wire.ProfileInput{AvatarURL: set(tc.url), DisplayName: set("Changed")})
			wantInvalid(t, err, "avatarUrl")
		}
		// Both bad: both listed, name first.
		_, err = s.UpdateProfile(ctx, id, wire.ProfileInput{DisplayName: set(""), AvatarURL: set("nope")})
		wantInvalid(t, err, "displayName", "avatarUrl")
		if u, _ := s.Profile(ctx, id); u.DisplayName != "Ada" || u.AvatarVersion == nil || *u.AvatarVersion != model.AvatarVersion(good) {
			t.Fatalf("refused updates changed the profile: %q %v", u.DisplayName, u.AvatarVersion)
		}

		// A name alone keeps the avatar; null removes it and keeps the name.
		if u, err = s.UpdateProfile(ctx, id, wire.ProfileInput{DisplayName: set("Grace")}); err != nil || u.AvatarVersion == nil {
			t.Fatalf("rename dropped the avatar: %v %v", u.AvatarVersion, err)
		}
		if u, err = s.UpdateProfile(ctx, id, wire.ProfileInput{AvatarURL: null[string]()}); err != nil || u.AvatarVersion != nil || u.DisplayName != "Grace" {
			t.Fatalf("after null: version %v name %q, %v", u.AvatarVersion, u.DisplayName, err)
		}
		if _, err := s.Avatar(ctx, id); !isCode(err, apperr.NotFound) {
			t.Fatalf("avatar after removal: %v, want not_found", err)
		}
	})
}

// An update of nobody, and the profile of nobody, are not found.
func TestProfileOfNobody(t *testing.T) {
	t.Parallel()
	eachBackend(t, func(t *testing.T, s *users.Service, _ store.Store) {
		ctx := context.Background()
		if _, err := s.Profile(ctx, uuid.NewString()); !isCode(err, apperr.NotFound) {
			t.Fatalf("profile: %v", err)
		}
		if _, err := s.UpdateProfile(ctx, uuid.NewString(), wire.ProfileInput{DisplayName: set("X")}); !isCode(err, apperr.NotFound) {
			t.Fatalf("update: %v", err)
		}
	})
}

func isCode(err error, code string) bool {
	var e *apperr.Error
	return errors.As(err, &e) && e.Code == code
}

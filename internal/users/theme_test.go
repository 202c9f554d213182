package users_test

import (
	"context"
	"database/sql"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/bodydouble/bodydouble/internal/model"
	"github.com/bodydouble/bodydouble/internal/store"
	"github.com/bodydouble/bodydouble/internal/store/sqlstore"
	"github.com/bodydouble/bodydouble/internal/users"
	"github.com/bodydouble/bodydouble/internal/wire"
)

// The theme is one of system, light or dark; anything else is refused as a
// field error and leaves the saved preferences as they were.
func TestThemeRules(t *testing.T) {
	t.Parallel()
	tests := []struct {
		theme string
		valid bool
	}{
		{"system", true},
		{"light", true},
		{"dark", true},
		{"Dark", false},
		{"", false},
		{"sepia", false},
	}
	eachBackend(t, func(t *testing.T, s *users.Service, st store.Store) {
		ctx := context.Background()
		for _, tc := range tests {
			t.Run(tc.theme, func(t *testing.T) {
				id := person(t, st)
				if err := st.PutPreferences(ctx, id, saved(), at); err != nil {
					t.Fatal(err)
				}
				_, err := s.UpdatePreferences(ctx, id, wire.PreferencesInput{AccessibilitySettings: set(wire.AccessibilityInput{Theme: ptr(tc.theme)})})
				want := saved()
				if tc.valid {
					if err != nil {
						t.Fatal(err)
					}
					want.Accessibility.Theme = tc.theme
				} else {
					wantInvalid(t, err, "accessibilitySettings.theme")
				}
				stored, err := s.Preferences(ctx, id)
				if err != nil {
					t.Fatal(err)
				}
				if !reflect.DeepEqual(stored, want) {
					t.Fatalf("stored %+v, want %+v", stored, want)
				}
			})
		}
	})
}

// Preferences saved before the theme existed have no theme key in their
// JSON; they read as "system", with every other setting kept, so no
// migration is needed.
func TestThemeOfOldPreferencesIsSystem(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dir := t.TempDir()
	st, err := sqlstore.OpenSQLite(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	id := person(t, st)
	if err := st.PutPreferences(ctx, id, saved(), at); err != nil {
		t.Fatal(err)
	}
	// Rewrite the row as an older server stored it.
	db, err := sql.Open("sqlite", filepath.Join(dir, sqlstore.SQLiteFile))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.ExecContext(ctx, `UPDATE user_preferences SET accessibility_settings = ? WHERE user_id = ?`,
		`{"reducedMotion":"reduce","highContrast":true,"largerText":true}`, id); err != nil {
		t.Fatal(err)
	}
	got, err := users.New(st, nil).Preferences(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	want := model.AccessibilitySettings{ReducedMotion: "reduce", HighContrast: true, LargerText: true, Theme: "system"}
	if got.Accessibility != want {
		t.Fatalf("old row reads as %+v, want %+v", got.Accessibility, want)
	}
}

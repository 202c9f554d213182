package users_test

import (
	"context"
	"reflect"
	"testing"

	"github.com/google/uuid"

	"github.com/bodydouble/bodydouble/internal/model"
	"github.com/bodydouble/bodydouble/internal/store"
	"github.com/bodydouble/bodydouble/internal/users"
	"github.com/bodydouble/bodydouble/internal/wire"
)

func ptr[T any](v T) *T { return &v }

// saved is the preferences every case of TestPreferenceRules starts from:
// nothing in it is a default, so a reset and a kept field are both visible.
func saved() model.Preferences {
	return model.Preferences{
		WorkStyle:               "music",
		PreferredRoomCategories: []string{"study", "admin"},
		Notifications:           model.NotificationSettings{Sound: true, System: true},
		Accessibility:           model.AccessibilitySettings{ReducedMotion: "reduce", HighContrast: true, LargerText: true},
	}
}

// Each preference is validated on its own; null puts one back to its
// default; a field left out, or a setting left out of a group, keeps its
// value; one bad field refuses the whole update.
func TestPreferenceRules(t *testing.T) {
	t.Parallel()
	def := model.DefaultPreferences()
	tests := []struct {
		name   string
		in     wire.PreferencesInput
		change func(p *model.Preferences) // what the update makes of saved(); nil when refused
		fields []string                   // invalid fields when refused
	}{
		{"nothing", wire.PreferencesInput{}, func(*model.Preferences) {}, nil},
		{"work style quiet", wire.PreferencesInput{WorkStyle: set("quiet")}, func(p *model.Preferences) { p.WorkStyle = "quiet" }, nil},
		{"work style check-ins", wire.PreferencesInput{WorkStyle: set("check-ins")}, func(p *model.Preferences) { p.WorkStyle = "check-ins" }, nil},
		{"work style null", wire.PreferencesInput{WorkStyle: null[string]()}, func(p *model.Preferences) { p.WorkStyle = def.WorkStyle }, nil},
		{"work style unknown", wire.PreferencesInput{WorkStyle: set("loud")}, nil, []string{"workStyle"}},
		{"work style in capitals", wire.PreferencesInput{WorkStyle: set("Quiet")}, nil, []string{"workStyle"}},
		{"categories replaced, order kept, repeats dropped", wire.PreferencesInput{PreferredRoomCategories: set([]string{"chores", "deep-work", "chores"})},
			func(p *model.Preferences) { p.PreferredRoomCategories = []string{"chores", "deep-work"} }, nil},
		{"categories emptied", wire.PreferencesInput{PreferredRoomCategories: set([]string{})},
			func(p *model.Preferences) { p.PreferredRoomCategories = []string{} }, nil},
		{"categories null", wire.PreferencesInput{PreferredRoomCategories: null[[]string]()},
			func(p *model.Preferences) { p.PreferredRoomCategories = []string{} }, nil},
		{"unknown categories named by index", wire.PreferencesInput{PreferredRoomCategories: set([]string{"study", "gaming", "creative", ""})},
			nil, []string{"preferredRoomCategories.1", "preferredRoomCategories.3"}},
		{"sound only", wire.PreferencesInput{NotificationSettings: set(wire.NotificationInput{Sound: ptr(false)})},
			func(p *model.Preferences) { p.Notifications.Sound = false }, nil},
		{"notifications null", wire.PreferencesInput{NotificationSettings: null[wire.NotificationInput]()},
			func(p *model.Preferences) { p.Notifications = def.Notifications }, nil},
		{"reduced motion values", wire.PreferencesInput{AccessibilitySettings: set(wire.AccessibilityInput{ReducedMotion: ptr("no-preference")})},
			func(p *model.Preferences) { p.Accessibility.ReducedMotion = "no-preference" }, nil},
		{"reduced motion system", wire.PreferencesInput{AccessibilitySettings: set(wire.AccessibilityInput{ReducedMotion: ptr("system")})},
			func(p *model.Preferences) { p.Accessibility.ReducedMotion = "system" }, nil},
		{"high contrast only", wire.PreferencesInput{AccessibilitySettings: set(wire.AccessibilityInput{HighContrast: ptr(false)})},
			func(p *model.Preferences) { p.Accessibility.HighContrast = false }, nil},
		{"accessibility null", wire.PreferencesInput{AccessibilitySettings: null[wire.AccessibilityInput]()},
			func(p *model.Preferences) { p.Accessibility = def.Accessibility }, nil},
		{"reduced motion unknown", wire.PreferencesInput{AccessibilitySettings: set(wire.AccessibilityInput{ReducedMotion: ptr("none"), LargerText: ptr(false)})},
			nil, []string{"accessibilitySettings.reducedMotion"}},
		{"one bad field refuses the good ones", wire.PreferencesInput{WorkStyle: set("quiet"), PreferredRoomCategories: set([]string{"nope"}),
			AccessibilitySettings: set(wire.AccessibilityInput{ReducedMotion: ptr("")})},
			nil, []string{"preferredRoomCategories.0", "accessibilitySettings.reducedMotion"}},
	}
	eachBackend(t, func(t *testing.T, s *users.Service, st store.Store) {
		ctx := context.Background()
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				id := person(t, st)
				if err := st.PutPreferences(ctx, id, saved(), at); err != nil {
					t.Fatal(err)
				}
				got, err := s.UpdatePreferences(ctx, id, tc.in)
				want := saved()
				if tc.change == nil {
					wantInvalid(t, err, tc.fields...)
				} else {
					if err != nil {
						t.Fatal(err)
					}
					tc.change(&want)
					if !reflect.DeepEqual(got, want) {
						t.Fatalf("returned %+v, want %+v", got, want)
					}
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

// Someone who never saved preferences has the defaults, and a first
// partial update starts from them.
func TestPreferencesStartFromDefaults(t *testing.T) {
	t.Parallel()
	eachBackend(t, func(t *testing.T, s *users.Service, st store.Store) {
		ctx := context.Background()
		id := person(t, st)
		p, err := s.Preferences(ctx, id)
		if err != nil || !reflect.DeepEqual(p, model.DefaultPreferences()) {
			t.Fatalf("never saved: %+v, %v", p, err)
		}
		p, err = s.UpdatePreferences(ctx, id, wire.PreferencesInput{NotificationSettings: set(wire.NotificationInput{System: ptr(true)})})
		want := model.DefaultPreferences()
		want.Notifications.System = true
		if err != nil || !reflect.DeepEqual(p, want) {
			t.Fatalf("first update: %+v, %v; want %+v", p, err, want)
		}
		// Nobody has no preferences to update.
		if _, err := s.UpdatePreferences(ctx, uuid.NewString(), wire.PreferencesInput{WorkStyle: set("quiet")}); err == nil {
			t.Fatal("updated the preferences of nobody")
		}
	})
}

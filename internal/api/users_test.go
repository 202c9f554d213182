package api

import (
	"net/http"
	"reflect"
	"strings"
	"testing"

	"github.com/bodydouble/bodydouble/internal/store"
	"github.com/bodydouble/bodydouble/internal/wire"
)

const avatar = "data:image/png;base64,iVBORw0KGgo="

func TestProfile(t *testing.T) {
	t.Parallel()
	eachBackend(t, func(t *testing.T, e *testEnv) {
		me, other := e.signup(t), e.signup(t)
		var before, u wire.User
		me.do(t, "GET", "/api/users/profile", nil).want(t, http.StatusOK).decode(t, &before)
		if before.ID != me.userID || before.DisplayName == "" || before.AvatarURL != nil {
			t.Fatalf("profile %+v", before)
		}
		me.do(t, "PUT", "/api/users/profile", map[string]any{"displayName": "  Night Owl  "}).want(t, http.StatusOK).decode(t, &u)
		if u.DisplayName != "Night Owl" || u.AvatarURL != nil || u.ID != me.userID || u.CreatedAt != before.CreatedAt {
			t.Errorf("after name: %+v", u)
		}
		// Omitted fields are kept; null removes the avatar.
		me.do(t, "PUT", "/api/users/profile", map[string]any{"avatarUrl": avatar}).want(t, http.StatusOK).decode(t, &u)
		if u.DisplayName != "Night Owl" || u.AvatarURL == nil || *u.AvatarURL != avatar {
			t.Errorf("after avatar: %+v", u)
		}
		me.do(t, "PUT", "/api/users/profile", map[string]any{}).want(t, http.StatusOK).decode(t, &u)
		if u.DisplayName != "Night Owl" || u.AvatarURL == nil {
			t.Errorf("after empty update: %+v", u)
		}
		me.do(t, "PUT", "/api/users/profile", `{"avatarUrl":null}`).want(t, http.StatusOK).decode(t, &u)
		if u.DisplayName != "Night Owl" || u.AvatarURL != nil {
			t.Errorf("after clearing avatar: %+v", u)
		}

		runScenarios(t, e.url, me, []scenario{
			{name: "empty name", method: "PUT", path: "/api/users/profile", body: map[string]any{"displayName": " "}, field: "displayName"},
			{name: "null name", method: "PUT", path: "/api/users/profile", body: `{"displayName":null}`, field: "displayName"},
			{name: "name of 51", method: "PUT", path: "/api/users/profile", body: map[string]any{"displayName": strings.Repeat("é", 51)}, field: "displayName"},
			{name: "name with newline", method: "PUT", path: "/api/users/profile", body: map[string]any{"displayName": "a\nb"}, field: "displayName"},
			{name: "name a number", method: "PUT", path: "/api/users/profile", body: map[string]any{"displayName": 7}, field: "displayName"},
			{name: "remote avatar", method: "PUT", path: "/api/users/profile", body: map[string]any{"avatarUrl": "https://tracker.example/pixel.png"}, field: "avatarUrl"},
			{name: "svg avatar", method: "PUT", path: "/api/users/profile", body: map[string]any{"avatarUrl": "data:image/svg+xml;base64,PHN2Zz4="}, field: "avatarUrl"},
			{name: "unknown field", method: "PUT", path: "/api/users/profile", body: map[string]any{"email": "me@example.org"}, field: "email"},
			{name: "no body", method: "PUT", path: "/api/users/profile", field: "body"},
		})
		// A name of exactly 50 characters (not bytes) is fine.
		fifty := strings.Repeat("é", 50)
		me.do(t, "PUT", "/api/users/profile", map[string]any{"displayName": fifty}).want(t, http.StatusOK).decode(t, &u)
		if u.DisplayName != fifty {
			t.Errorf("name %q", u.DisplayName)
		}
		// Nobody else was touched.
		var o wire.User
		other.do(t, "GET", "/api/users/profile", nil).want(t, http.StatusOK).decode(t, &o)
		if o.ID != other.userID || o.DisplayName == fifty || o.AvatarURL != nil {
			t.Errorf("other's profile %+v", o)
		}
		(&client{base: e.url}).do(t, "GET", "/api/users/profile", nil).problem(t, http.StatusUnauthorized, "unauthorized")
		(&client{base: e.url}).do(t, "PUT", "/api/users/profile", map[string]any{"displayName": "X"}).problem(t, http.StatusUnauthorized, "unauthorized")
	})
}

type prefsBody = wire.Preferences

func TestPreferences(t *testing.T) {
	t.Parallel()
	eachBackend(t, func(t *testing.T, e *testEnv) {
		me, other := e.signup(t), e.signup(t)
		def := wire.FromPreferences(store.DefaultPreferences())
		var p prefsBody
		me.do(t, "GET", "/api/users/preferences", nil).want(t, http.StatusOK).decode(t, &p)
		if !reflect.DeepEqual(p, def) {
			t.Errorf("defaults %+v, want %+v", p, def)
		}
		me.do(t, "PUT", "/api/users/preferences", map[string]any{
			"workStyle":               "music",
			"preferredRoomCategories": []string{"study", "creative", "study"},
			"notificationSettings":    map[string]any{"sound": true},
			"accessibilitySettings":   map[string]any{"reducedMotion": "reduce", "largerText": true},
		}).want(t, http.StatusOK).decode(t, &p)
		want := def
		want.WorkStyle = "music"
		want.PreferredRoomCategories = []string{"study", "creative"}
		want.NotificationSettings.Sound = true
		want.AccessibilitySettings.ReducedMotion = "reduce"
		want.AccessibilitySettings.LargerText = true
		if !reflect.DeepEqual(p, want) {
			t.Errorf("after update %+v, want %+v", p, want)
		}
		// Partial, also inside the settings objects.
		me.do(t, "PUT", "/api/users/preferences", map[string]any{"notificationSettings": map[string]any{"system": true}}).want(t, http.StatusOK).decode(t, &p)
		want.NotificationSettings.System = true
		if !reflect.DeepEqual(p, want) {
			t.Errorf("after nested update %+v, want %+v", p, want)
		}
		// null resets a field to its default.
		me.do(t, "PUT", "/api/users/preferences", `{"workStyle":null,"accessibilitySettings":null}`).want(t, http.StatusOK).decode(t, &p)
		want.WorkStyle = def.WorkStyle
		want.AccessibilitySettings = def.AccessibilitySettings
		if !reflect.DeepEqual(p, want) {
			t.Errorf("after reset %+v, want %+v", p, want)
		}
		// Stored, not just echoed.
		var again prefsBody
		me.do(t, "GET", "/api/users/preferences", nil).want(t, http.StatusOK).decode(t, &again)
		if !reflect.DeepEqual(again, want) {
			t.Errorf("GET %+v, want %+v", again, want)
		}

		runScenarios(t, e.url, me, []scenario{
			{name: "unknown work style", method: "PUT", path: "/api/users/preferences", body: map[string]any{"workStyle": "loud"}, field: "workStyle"},
			{name: "unknown category", method: "PUT", path: "/api/users/preferences", body: map[string]any{"preferredRoomCategories": []string{"study", "naps"}}, field: "preferredRoomCategories.1"},
			{name: "unknown reduced motion", method: "PUT", path: "/api/users/preferences", body: map[string]any{"accessibilitySettings": map[string]any{"reducedMotion": "sometimes"}}, field: "accessibilitySettings.reducedMotion"},
			{name: "sound a string", method: "PUT", path: "/api/users/preferences", body: map[string]any{"notificationSettings": map[string]any{"sound": "yes"}}, field: "notificationSettings.sound"},
			{name: "unknown nested field", method: "PUT", path: "/api/users/preferences", body: map[string]any{"notificationSettings": map[string]any{"email": true}}, field: "notificationSettings.email"},
			{name: "unknown field", method: "PUT", path: "/api/users/preferences", body: map[string]any{"theme": "dark"}, field: "theme"},
			{name: "no body", method: "PUT", path: "/api/users/preferences", field: "body"},
		})
		// Failed updates changed nothing, and the other user still has defaults.
		me.do(t, "GET", "/api/users/preferences", nil).want(t, http.StatusOK).decode(t, &again)
		if !reflect.DeepEqual(again, want) {
			t.Errorf("after failed updates %+v, want %+v", again, want)
		}
		other.do(t, "GET", "/api/users/preferences", nil).want(t, http.StatusOK).decode(t, &again)
		if !reflect.DeepEqual(again, def) {
			t.Errorf("other's preferences %+v", again)
		}
	})
}

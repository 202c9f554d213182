package api

import (
	"net/http"
	"testing"
)

// The end-of-block chime is on for everyone who never saved preferences;
// system notifications stay off; a saved choice is kept as saved.
func TestSoundOnByDefault(t *testing.T) {
	t.Parallel()
	eachBackend(t, func(t *testing.T, e *testEnv) {
		newcomer, muted := e.signup(t), e.signup(t)
		var p prefsBody
		newcomer.do(t, "GET", "/api/users/preferences", nil).want(t, http.StatusOK).decode(t, &p)
		if !p.NotificationSettings.Sound || p.NotificationSettings.System {
			t.Errorf("a new person's notifications %+v, want sound on and system off", p.NotificationSettings)
		}
		// Saving something else keeps the default sound.
		newcomer.do(t, "PUT", "/api/users/preferences", map[string]any{"workStyle": "music"}).want(t, http.StatusOK).decode(t, &p)
		if !p.NotificationSettings.Sound {
			t.Error("saving the work style turned the sound off")
		}
		muted.do(t, "PUT", "/api/users/preferences", map[string]any{"notificationSettings": map[string]any{"sound": false}}).want(t, http.StatusOK)
		muted.do(t, "GET", "/api/users/preferences", nil).want(t, http.StatusOK).decode(t, &p)
		if p.NotificationSettings.Sound {
			t.Error("a stored sound: false came back true")
		}
		// null puts it back to the default: on.
		muted.do(t, "PUT", "/api/users/preferences", `{"notificationSettings":null}`).want(t, http.StatusOK).decode(t, &p)
		if !p.NotificationSettings.Sound {
			t.Error("notificationSettings: null did not restore sound on")
		}
	})
}

package e2e

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
)

// Every setting in Settings changes something a person can see or hear.
// The tests here prove the display settings by computed styles, quick-join
// by where it sends you, and the camera by the captured size. Elsewhere:
// the chime and the system notification at the end of the timer are proved
// by web/src/state/timer-alerts.test.ts (this file only checks that the
// ticks reach the preferences that code reads); TestSettingsDisplay
// (history_settings_test.go) checks that the display settings are kept
// across a reload and by the server; internal/rooms/join_rules_test.go has
// the full quick-join rules for preferred categories.

// Colours of the tokens in web/src/styles.css, as getComputedStyle gives them.
const (
	lightBg       = "rgb(247, 246, 243)" // --bd-bg, light
	darkBg        = "rgb(21, 23, 27)"    // --bd-bg, dark
	lightContrast = "rgb(255, 255, 255)" // --bd-bg, light high contrast
	darkContrast  = "rgb(0, 0, 0)"       // --bd-bg, dark high contrast
)

// pageBackground is the computed background colour of the page (on <html>).
const pageBackground = `getComputedStyle(document.documentElement).backgroundColor`

// waitBackground waits until the page's background is want.
func (b *browser) waitBackground(what, want string) {
	b.t.Helper()
	b.waitFor(fmt.Sprintf("%s: the background %s", what, want), fmt.Sprintf(`%s === %s`, pageBackground, jsString(want)))
}

// TestSettingsTheme: "Follow my device" follows the device's colour scheme
// as it changes; Light and Dark hold whatever the device prefers; the
// browser's theme-color follows; the choice is kept by the server.
func TestSettingsTheme(t *testing.T) {
	t.Parallel()
	srv := startServer(t)
	b := newBrowser(t, srv, "ana")
	b.emulateMedia("light")
	b.startAnonymously()
	b.click(tid("nav-settings"))
	b.visible(tid("theme-system"))
	if !eval[bool](b, `document.querySelector('[data-testid="theme-system"]').checked`) {
		t.Errorf("a newcomer's theme is not Follow my device")
	}
	b.waitBackground("system on a light device", lightBg)

	// The device switches: the page follows, without a reload.
	b.emulateMedia("dark")
	b.waitBackground("system on a dark device", darkBg)
	b.waitFor("theme-color to follow", `[...document.querySelectorAll('meta[name="theme-color"]')].every((m) => m.content === '#15171b')`)

	// Light holds on a dark device.
	b.clickLabel(tid("theme-light"))
	b.waitBackground("light on a dark device", lightBg)
	b.waitFor("theme-color light", `[...document.querySelectorAll('meta[name="theme-color"]')].every((m) => m.content === '#f7f6f3')`)
	b.waitText(tid("settings-status"), "Saved.")

	// Dark holds on a light device, and after a reload.
	b.emulateMedia("light")
	b.clickLabel(tid("theme-dark"))
	b.waitBackground("dark on a light device", darkBg)
	b.waitText(tid("settings-status"), "Saved.")
	b.reload()
	b.visible(tid("theme-dark"))
	b.waitBackground("dark after a reload", darkBg)
	if !eval[bool](b, `document.querySelector('[data-testid="theme-dark"]').checked`) {
		t.Errorf("after a reload Dark is not chosen")
	}
	theme := eval[string](b, `fetch('/api/users/preferences').then((r) => r.json()).then((p) => p.accessibilitySettings.theme)`)
	if theme != "dark" {
		t.Errorf("the server keeps the theme %q, want dark", theme)
	}
	// Dark pages pass axe too (the screens' own checks run in the device's
	// scheme; this one is the chosen Dark on a light device).
	b.axe("settings (chosen dark)")
}

// TestSettingsEffects: high contrast changes the colours (in either
// theme), larger text the root font size, reduced motion the transitions;
// the two notification ticks reach the preferences the timer's end reads.
// And the work style, which changed nothing, is no longer offered.
func TestSettingsEffects(t *testing.T) {
	t.Parallel()
	srv := startServer(t)
	b := newBrowser(t, srv, "ana")
	b.emulateMedia("light") // also prefers reduced motion
	b.startAnonymously()
	b.click(tid("nav-settings"))
	b.visible(tid("setting-high-contrast"))
	if n := b.count(`input[name="work-style"]`); n != 0 {
		t.Errorf("Settings still offers the work style (%d choices), which changes nothing", n)
	}

	// High contrast, light and dark.
	b.waitBackground("light", lightBg)
	b.click(tid("setting-high-contrast"))
	b.waitBackground("light, high contrast", lightContrast)
	b.clickLabel(tid("theme-dark"))
	b.waitBackground("dark, high contrast", darkContrast)
	b.click(tid("setting-high-contrast"))
	b.waitBackground("dark", darkBg)

	// Larger text.
	rootPx := `parseFloat(getComputedStyle(document.documentElement).fontSize)`
	before := eval[float64](b, rootPx)
	b.click(tid("setting-larger-text"))
	b.waitFor("a larger root font size", fmt.Sprintf(`%s > %v`, rootPx, before))

	// Motion: buttons fade their colours unless motion is reduced. The
	// emulated device prefers reduced motion, so "Follow my device" has none.
	transition := fmt.Sprintf(`getComputedStyle(document.querySelector(%s)).transitionDuration`, jsString(tid("save-name")))
	noMotion := transition + `.split(',').every((d) => parseFloat(d) === 0)`
	b.waitFor("no transitions when the device reduces motion", noMotion)
	b.clickLabel(tid("motion-no-preference"))
	b.waitFor("transitions when motion is allowed", "!("+noMotion+")")
	b.clickLabel(tid("motion-reduce"))
	b.waitFor("no transitions when motion is reduced", noMotion)

	// Sound: on by default (the end of a block should not be missed); one
	// tap mutes it, and that reaches the preferences the end of the timer
	// reads (web/src/state/room.ts timerEnded; its effect is proved by
	// web/src/state/timer-alerts.test.ts), kept for the next visit.
	if !eval[bool](b, fmt.Sprintf(`document.querySelector(%s).checked`, jsString(tid("setting-sound")))) {
		t.Errorf("the chime is off by default, want on")
	}
	b.click(tid("setting-sound"))
	b.waitText(tid("settings-status"), "Saved.")
	b.waitFor("sound off in the kept preferences", `JSON.parse(localStorage.getItem('bd.prefs')).notificationSettings.sound === false`)
	notif := eval[struct {
		Sound bool `json:"sound"`
	}](b, `fetch('/api/users/preferences').then((r) => r.json()).then((p) => p.notificationSettings)`)
	if notif.Sound {
		t.Errorf("the server does not keep the sound off")
	}
}

// TestSettingsPreferredCategories: with a preferred category, "Find me a
// room" picks a room of that category that has people over a busier one.
func TestSettingsPreferredCategories(t *testing.T) {
	t.Parallel()
	srv := startServer(t)
	room := func(u *apiUser, name, category string) string {
		var r struct {
			ID string `json:"id"`
		}
		if status := u.call(http.MethodPost, "/api/rooms", map[string]any{"name": name, "category": category}, &r); status != http.StatusCreated {
			t.Fatalf("POST /api/rooms: %d", status)
		}
		if status := u.call(http.MethodPost, "/api/rooms/"+r.ID+"/join", nil, nil); status != http.StatusOK {
			t.Fatalf("join %s: %d", name, status)
		}
		return r.ID
	}
	busy := room(newAPIUser(t, srv), "Busy study", "study")
	if status := newAPIUser(t, srv).call(http.MethodPost, "/api/rooms/"+busy+"/join", nil, nil); status != http.StatusOK {
		t.Fatalf("second join of the study room: %d", status)
	}
	creative := room(newAPIUser(t, srv), "Quiet studio", "creative")

	b := newBrowser(t, srv, "ana")
	b.startAnonymously()
	b.click(tid("nav-settings"))
	b.click(tid("category-creative"))
	b.waitText(tid("settings-status"), "Saved.")
	b.click(tid("nav-lobby"))
	if got := b.findRoom(); got != creative {
		t.Errorf("with creative preferred, Find me a room chose %s, want the creative room %s (the busier study room is %s)", got, creative, busy)
	}
}

// TestSettingsVideoQuality: "Higher video quality" makes the camera capture
// at 640×480 instead of 320×240.
func TestSettingsVideoQuality(t *testing.T) {
	if !loopbackOnly(t) {
		return
	}
	srv := startMediaServer(t)
	b := newBrowser(t, srv, "ana", mediaFlags...)
	b.startAnonymously()
	id := b.findRoom()
	width := func() int {
		b.turnOn("media-camera")
		b.waitFor("my camera's picture", fmt.Sprintf(`(() => { const v = document.querySelector(%s); return !!v && v.videoWidth > 0; })()`, jsString(tid("own-video"))))
		w := eval[int](b, fmt.Sprintf(`document.querySelector(%s).videoWidth`, jsString(tid("own-video"))))
		b.click(tid("media-camera"))
		b.gone(tid("own-video"))
		return w
	}
	if w := width(); w != 320 {
		t.Errorf("by default my camera captures %d pixels wide, want 320", w)
	}
	b.click(tid("nav-settings"))
	b.click(tid("setting-video-high"))
	b.open("/room/" + id)
	b.visible(tid("room-title"))
	if w := width(); w != 640 {
		t.Errorf("with higher video quality my camera captures %d pixels wide, want 640", w)
	}
	if !strings.HasPrefix(b.path(), "/room/") {
		t.Errorf("left the room")
	}
}

package e2e

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// TestUnreachableIsNotOffline: with the server stopped and the device
// online, the room's banner says Body Double can't be reached (not that the
// person is offline); with the network gone it says offline; and when both
// are back it goes away by itself. Then, with the server stopped again, a
// reload opens the app shell from the service worker on the "can't reach"
// screen, which starts the app by itself once the server is back: nobody
// clicks "Try again".
func TestUnreachableIsNotOffline(t *testing.T) {
	t.Parallel()
	srv := startServer(t)
	b := newBrowser(t, srv, "ana")
	b.do(chromedp.EmulateViewport(360, 740, chromedp.EmulateMobile, chromedp.EmulateTouch))
	b.startAnonymously()
	eval[bool](b, `navigator.serviceWorker.ready.then((r) => !!r.active)`)
	room := b.findRoom()

	banner := tid("reconnecting")
	srv.stop()
	b.visible(banner + `[data-reason="unreachable"]`)
	b.waitText(banner, "Can't reach Body Double right now.")
	b.waitText(banner, "Reconnecting…")
	if s := b.text(banner); strings.Contains(strings.ToLower(s), "offline") {
		t.Errorf("with the device online the banner says %q, want no mention of offline", s)
	}
	b.axe("unreachable banner")
	offlineShots(b, "banner-unreachable")

	b.setOffline(true)
	b.visible(banner + `[data-reason="offline"]`)
	b.waitText(banner, "You're offline.")
	offlineShots(b, "banner-offline")

	b.setOffline(false) // the network is back, the server still is not
	b.visible(banner + `[data-reason="unreachable"]`)

	srv.start()
	b.gone(banner) // the socket reconnected by itself
	b.visible(tid("room-title"))

	// The app cannot start: the shell comes from the service worker, the
	// session request gets no answer.
	srv.stop()
	b.reload()
	screen := tid("offline")
	b.visible(screen + `[data-reason="unreachable"]`)
	b.waitText(screen, "Can't reach Body Double right now.")
	b.waitText(screen, "Retrying…")
	if s := b.text(screen); strings.Contains(strings.ToLower(s), "offline") {
		t.Errorf("with the device online the screen says %q, want no mention of offline", s)
	}
	b.visible(tid("offline-retry"))
	if title := eval[string](b, `document.title`); !strings.HasPrefix(title, "Can't reach Body Double") {
		t.Errorf("tab title %q, want it to say Body Double can't be reached", title)
	}
	b.axe("unreachable screen")
	offlineShots(b, "screen-unreachable")

	b.setOffline(true)
	b.visible(screen + `[data-reason="offline"]`)
	b.waitText(screen, "You're offline.")
	offlineShots(b, "screen-offline")
	b.setOffline(false)
	b.visible(screen + `[data-reason="unreachable"]`)

	srv.start() // the screen's own retry finds the server
	b.gone(screen)
	b.visible(tid("room-title"))
	if p := b.path(); p != "/room/"+room {
		t.Errorf("after the server came back the page is at %s, want /room/%s", p, room)
	}
	b.gone(banner)
}

// offlineShots saves what b shows at 360 and 1280 px wide to the directory
// in BODYDOUBLE_OFFLINE_SHOTS, when it is set, for a person to look at; it
// leaves b at 360 px.
func offlineShots(b *browser, name string) {
	b.t.Helper()
	dir := os.Getenv("BODYDOUBLE_OFFLINE_SHOTS")
	if dir == "" {
		return
	}
	for _, w := range []struct {
		px   int
		size chromedp.Action[chromedp.Void]
	}{
		{1280, chromedp.EmulateViewport(1280, 800)},
		{360, chromedp.EmulateViewport(360, 740, chromedp.EmulateMobile, chromedp.EmulateTouch)},
	} {
		b.do(w.size)
		b.waitFor("the new width", fmt.Sprintf("innerWidth === %d", w.px))
		png := run(b, chromedp.FullScreenshot(100))
		file := filepath.Join(dir, fmt.Sprintf("%s-%d.png", name, w.px))
		if err := os.WriteFile(file, png, 0o644); err != nil {
			b.t.Fatal(err)
		}
	}
}

package e2e

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"
)

// axeSource is axe-core as npm installs it in web/ (a devDependency).
var axeSource = sync.OnceValues(func() (string, error) {
	b, err := os.ReadFile(filepath.Join("..", "..", "web", "node_modules", "axe-core", "axe.min.js"))
	return string(b), err
})

// emulateMedia sets the colour scheme ("light" or "dark"). Motion is
// reduced so that nothing is caught half-way through a fade.
func (b *browser) emulateMedia(scheme string) {
	b.t.Helper()
	b.do(chromedp.Func(func(ctx context.Context, _ *chromedp.Target) error {
		_, err := chromedp.Call(ctx, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{
			Features: []*emulation.MediaFeature{
				{Name: "prefers-color-scheme", Value: scheme},
				{Name: "prefers-reduced-motion", Value: "reduce"},
			},
		})
		return err
	}))
}

type axeViolation struct {
	ID     string   `json:"id"`
	Impact string   `json:"impact"`
	Help   string   `json:"help"`
	Nodes  []string `json:"nodes"`
}

// checkScreen runs axe-core on what b shows, in the light and the dark
// theme, and fails on any serious or critical violation. With
// BODYDOUBLE_SCREENSHOTS=1 it also saves both as screenshots.
func (b *browser) checkScreen(screen string) {
	b.t.Helper()
	for _, scheme := range []string{"light", "dark"} {
		b.emulateMedia(scheme)
		// The app sets its dark class on the media change, a frame after
		// the media query itself matches: wait for both, so axe checks
		// the colours of the theme named.
		b.waitFor(scheme+" theme", fmt.Sprintf(`matchMedia('(prefers-color-scheme: %s)').matches && document.documentElement.classList.contains('dark') === %t`, scheme, scheme == "dark"))
		name := screen
		if scheme == "dark" {
			name += "-dark"
		}
		b.shot(name)
		b.axe(screen + " (" + scheme + ")")
	}
	b.emulateMedia("light")
}

func (b *browser) axe(screen string) {
	b.t.Helper()
	src, err := axeSource()
	if err != nil {
		b.t.Logf("skipping the axe-core check of %s: run npm ci in web/ (%v)", screen, err)
		return
	}
	if !eval[bool](b, `typeof window.axe === 'object'`) {
		eval[chromedp.Void](b, src)
	}
	violations := eval[[]axeViolation](b, `axe.run(document, { resultTypes: ['violations'] }).then((r) =>
		r.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help,
			nodes: v.nodes.slice(0, 5).map((n) => n.target.join(' ') + ' ' + (n.failureSummary || '').replace(/\s+/g, ' ')) })))`)
	for _, v := range violations {
		if v.Impact == "serious" || v.Impact == "critical" {
			b.t.Errorf("%s: axe %s (%s): %s\n\t%s", screen, v.ID, v.Impact, v.Help, strings.Join(v.Nodes, "\n\t"))
		} else {
			b.t.Logf("%s: axe %s (%s): %s", screen, v.ID, v.Impact, v.Help)
		}
	}
}

// TestAccessibility runs axe-core on every screen and dialog, in both themes.
func TestAccessibility(t *testing.T) {
	t.Parallel()
	srv := startServer(t)
	ana, ben := newBrowser(t, srv, "ana"), newBrowser(t, srv, "ben")

	ana.open("/")
	ana.visible(tid("start-anon"))
	ana.checkScreen("landing")

	// A room whose timer anyone controls, so that its controls are there.
	_, _, benID := togetherUnder(t, "anyone", ana, ben)
	// The room: two people, a running timer, the timer choices open, a focus session going.
	ana.click(tid("timer-start-primary"))
	ana.click(tid("timer-more"))
	ana.visible(tid("timer-start-work-50"))
	ana.typeInto("#goal-0", "Draft the report")
	ana.click(tid("share-goals"))
	ana.click(tid("start-focus"))
	ana.visible(tid("progress-slider"))
	ana.visible(tileOf(benID))
	ana.checkScreen("room")
	ana.click(tid("complete-session"))
	ana.visible(tid("complete-dialog"))
	ana.checkScreen("complete-dialog")
	ana.clickLabel(tid("rating-3"))
	ana.click(tid("complete-submit"))
	ana.visible(tid("focus-done"))
	ana.click(tileOf(benID) + " " + tid("hide-participant"))
	ana.visible(tileOf(benID) + `[data-hidden="true"]`)
	ana.checkScreen("room-after-focus")

	// The lobby while in a room (the room bar), with the create form open
	// and showing the server's field errors.
	ana.click(tid("nav-lobby"))
	ana.visible(tid("room-bar"))
	ana.visible(tid("room-card"))
	ana.click(tid("create-room-open"))
	ana.click(tid("create-room-submit"))
	ana.visible("#room-name-error")
	ana.checkScreen("lobby")

	ana.click(tid("nav-history"))
	ana.visible(tid("session-item"))
	ana.visible(tid("history-chart"))
	ana.checkScreen("history")

	ana.click(tid("nav-settings"))
	ana.visible(tid("display-name"))
	ana.checkScreen("settings")
	ana.click(tid("sign-out"))
	ana.visible(tid("sign-out-dialog"))
	ana.checkScreen("sign-out-dialog")
	ana.click(tid("sign-out-dialog") + " button.btn:not(.btn-danger)")
	ana.gone(tid("sign-out-dialog") + "[open]")

	// Rooms that cannot be joined, and a page that does not exist.
	ana.open("/room/00000000-0000-4000-8000-000000000000")
	ana.visible(tid("room-error"))
	ana.checkScreen("room-error")
	ana.open("/nowhere")
	ana.visible("main h1")
	ana.checkScreen("not-found")
}

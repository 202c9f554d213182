package e2e

import (
	"fmt"
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
)

// tabTo presses Tab until the focused element matches sel, at most max times.
func (b *browser) tabTo(sel string, max int) {
	b.t.Helper()
	focused := fmt.Sprintf(`document.activeElement?.matches(%s) ?? false`, jsString(sel))
	for range max {
		b.do(chromedp.KeyEvent(kb.Tab))
		if eval[bool](b, focused) {
			return
		}
	}
	got := eval[string](b, `document.activeElement ? document.activeElement.outerHTML.slice(0, 120) : 'nothing'`)
	b.t.Fatalf("%s: %d presses of Tab did not reach %s (focus is on %s)", b.name, max, sel, got)
}

// requireVisibleFocus checks that the focused control shows it: an outline
// or a box shadow on it, or on the label around a visually hidden input.
func (b *browser) requireVisibleFocus() {
	b.t.Helper()
	style := eval[struct {
		Element string `json:"element"`
		Outline string `json:"outline"`
		Shadow  string `json:"shadow"`
	}](b, `(() => {
		let el = document.activeElement;
		const r = el.getBoundingClientRect();
		if ((r.width <= 1 || r.height <= 1) && el.closest('label')) el = el.closest('label');
		const s = getComputedStyle(el);
		return { element: el.outerHTML.slice(0, 80), outline: s.outlineStyle + ' ' + s.outlineWidth, shadow: s.boxShadow };
	})()`)
	if (strings.HasPrefix(style.Outline, "none") || strings.HasSuffix(style.Outline, " 0px")) && style.Shadow == "none" {
		b.t.Errorf("%s: the focused %s shows no focus (outline %q, box-shadow %q)", b.name, style.Element, style.Outline, style.Shadow)
	}
}

// TestKeyboardOnly: from the landing page into a room and a running timer
// with the keyboard alone, with the focus always visible.
func TestKeyboardOnly(t *testing.T) {
	t.Parallel()
	srv := startServer(t)
	b := newBrowser(t, srv, "ana")
	b.open("/")
	b.visible(tid("start-anon"))

	b.tabTo(tid("start-anon"), 10)
	b.requireVisibleFocus()
	b.do(chromedp.KeyEvent(kb.Enter))
	b.visible(tid("find-room"))
	b.waitPath("/lobby")

	b.tabTo(tid("find-room"), 30)
	b.requireVisibleFocus()
	b.do(chromedp.KeyEvent(kb.Enter))
	b.waitPath("/room/")
	b.visible(tid("goal-input"))

	// The room's one primary action: say what you'll do, start a block.
	b.tabTo(tid("goal-input"), 30)
	b.requireVisibleFocus()
	b.do(chromedp.SendKeys(chromedp.CSS(tid("goal-input")), "Answer two emails"))
	b.tabTo(tid("start-focus"), 30)
	b.requireVisibleFocus()
	b.do(chromedp.KeyEvent(kb.Enter))
	b.visible(tid("block-remaining"))

	// My status is a radio group: Tab into it, arrows to choose.
	b.tabTo(`input[name="my-status"]`, 40)
	b.requireVisibleFocus()
	b.do(chromedp.KeyEvent(kb.ArrowRight))
	b.visible(tid("participant-tile") + `[data-status="break"]`)
}

// TestNarrowScreen: at 360 px wide nothing scrolls sideways, in the lobby
// and in a busy room.
func TestNarrowScreen(t *testing.T) {
	t.Parallel()
	srv := startServer(t)
	b := newBrowser(t, srv, "ana")
	b.do(chromedp.EmulateViewport(360, 740, chromedp.EmulateMobile, chromedp.EmulateTouch))
	b.startAnonymously()
	b.visible(tid("room-card"))
	b.click(tid("create-room-open"))
	b.visible(tid("create-room-form"))

	fits := func(screen string) {
		t.Helper()
		w := eval[int](b, `document.documentElement.scrollWidth`)
		if w > 360 {
			wide := eval[[]string](b, `[...document.querySelectorAll('body *')]
				.filter((e) => e.getBoundingClientRect().right > 360.5)
				.slice(0, 5).map((e) => e.outerHTML.slice(0, 100))`)
			t.Errorf("%s at 360 px: scrollWidth %d; too wide:\n\t%s", screen, w, strings.Join(wide, "\n\t"))
		}
	}
	fits("lobby")
	b.shot("lobby-phone")

	b.findRoom()
	b.typeInto("#goal-0", strings.Repeat("a-very-long-unbroken-goal-", 4))
	b.click(tid("share-goals"))
	b.click(tid("start-focus"))
	b.visible(tid("progress-slider"))
	b.visible(tid("participant-progress"))
	fits("room")
	b.shot("room-phone")

	b.click(tid("nav-history"))
	b.visible(tid("history-chart"))
	fits("history")
	b.click(tid("nav-settings"))
	b.visible(tid("display-name"))
	fits("settings")
}

// TestHeaders checks the HTTP side of the front end (web/README.md): security
// headers, caching, the SPA fallback and API paths that are never the app.
func TestHeaders(t *testing.T) {
	t.Parallel()
	srv := startServer(t)
	get := func(path string, token string) (*http.Response, string) {
		t.Helper()
		req, err := http.NewRequest(http.MethodGet, srv.URL+path, nil)
		if err != nil {
			t.Fatal(err)
		}
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatalf("GET %s: %v", path, err)
		}
		defer res.Body.Close()
		body, err := io.ReadAll(res.Body)
		if err != nil {
			t.Fatal(err)
		}
		return res, string(body)
	}

	res, index := get("/", "")
	h := res.Header
	csp := h.Get("Content-Security-Policy")
	for _, want := range []string{"default-src 'self'", "frame-ancestors 'none'"} {
		if !strings.Contains(csp, want) {
			t.Errorf("CSP %q lacks %q", csp, want)
		}
	}
	for _, bad := range []string{"unsafe-inline", "unsafe-eval"} {
		if strings.Contains(csp, bad) {
			t.Errorf("CSP %q allows %s", csp, bad)
		}
	}
	if got := h.Get("X-Content-Type-Options"); got != "nosniff" {
		t.Errorf("X-Content-Type-Options %q", got)
	}
	if got := h.Get("Referrer-Policy"); got != "no-referrer" {
		t.Errorf("Referrer-Policy %q", got)
	}
	if got := h.Get("Cache-Control"); got != "no-cache" {
		t.Errorf("index.html Cache-Control %q, want no-cache", got)
	}
	// Nothing inline: every script and style comes from a file.
	if regexp.MustCompile(`<script(?:\s[^>]*)?>[^<\s]|<style|\sstyle=|\son[a-z]+=`).MatchString(index) {
		t.Errorf("index.html has an inline script, style or handler:\n%s", index)
	}

	res, body := get("/room/xyz", "")
	if res.StatusCode != http.StatusOK || !strings.Contains(body, `<div id="app">`) ||
		res.Header.Get("Content-Security-Policy") == "" {
		t.Errorf("GET /room/xyz: %d, CSP %q; want the app", res.StatusCode, res.Header.Get("Content-Security-Policy"))
	}

	// Under /api/ only problems, never the app.
	res, body = get("/api/nope", "")
	if res.StatusCode != http.StatusUnauthorized || !strings.HasPrefix(res.Header.Get("Content-Type"), "application/problem+json") ||
		!strings.Contains(body, `"unauthorized"`) {
		t.Errorf("GET /api/nope without a session: %d %s %s; want a 401 problem", res.StatusCode, res.Header.Get("Content-Type"), body)
	}
	u := newAPIUser(t, srv)
	res, body = get("/api/nope", u.token)
	if res.StatusCode != http.StatusNotFound || !strings.HasPrefix(res.Header.Get("Content-Type"), "application/problem+json") {
		t.Errorf("GET /api/nope with a session: %d %s %s; want a 404 problem", res.StatusCode, res.Header.Get("Content-Type"), body)
	}

	// Hashed assets are immutable; a missing one is a 404, never the app.
	assets := regexp.MustCompile(`/assets/[^"]+\.(?:js|css)`).FindAllString(index, -1)
	if len(assets) < 2 {
		t.Fatalf("index.html links %d hashed assets, want the script and the style", len(assets))
	}
	for _, a := range assets {
		res, _ := get(a, "")
		if res.StatusCode != http.StatusOK || res.Header.Get("Cache-Control") != "public, max-age=31536000, immutable" {
			t.Errorf("GET %s: %d, Cache-Control %q; want immutable", a, res.StatusCode, res.Header.Get("Cache-Control"))
		}
		if res.Header.Get("X-Content-Type-Options") != "nosniff" {
			t.Errorf("GET %s: no nosniff", a)
		}
	}
	if res, _ := get("/assets/index-gone.js", ""); res.StatusCode != http.StatusNotFound {
		t.Errorf("a missing asset: %d, want 404", res.StatusCode)
	}
	for _, p := range []string{"/sw.js", "/manifest.webmanifest"} {
		if res, _ := get(p, ""); res.StatusCode != http.StatusOK || res.Header.Get("Cache-Control") != "no-cache" {
			t.Errorf("GET %s: %d, Cache-Control %q; want no-cache", p, res.StatusCode, res.Header.Get("Cache-Control"))
		}
	}
}

// TestCleanConsole goes through a whole visit, two people in a room
// included, and fails on any error or warning in either console: no failed
// request, no CSP violation, no exception. (A form the server refuses is a
// failed request by design, so it is tested elsewhere.) Nothing asks for
// the notification permission on its own either.
func TestCleanConsole(t *testing.T) {
	t.Parallel()
	srv := startServer(t)
	ana, ben := newBrowser(t, srv, "ana"), newBrowser(t, srv, "ben")
	_, _, benID := togetherUnder(t, "anyone", ana, ben)

	ana.reload() // a returning visitor, inside a room
	ana.visible(tileOf(benID))
	ben.clickLabel(tid("status-break"))
	ana.visible(tileOf(benID) + `[data-status="break"]`)
	ana.click(tid("timer-more"))
	ana.click(tid("timer-start-work-50"))
	sameTimer(t, "running", ana, ben)
	ben.click(tid("timer-pause"))
	ben.click(tid("timer-confirm")) // ana works under it: ben is asked first
	sameTimer(t, "paused", ana, ben)
	ana.click(tid("timer-reset"))
	sameTimer(t, "idle", ana, ben)
	completeFocusSession(ana, "Tidy the desk", 4)
	ana.click(tileOf(benID) + " " + tid("hide-participant"))

	ana.click(tid("nav-history"))
	ana.visible(tid("session-item"))
	ana.click(tid("nav-settings"))
	ana.click(tid("setting-larger-text"))
	ana.click(tid("setting-sound"))
	ana.waitText(tid("settings-status"), "Saved.")
	ana.click(tid("room-bar-back"))
	ana.visible(tid("room-title"))
	ana.click(tid("leave-room"))
	ana.visible(tid("find-room"))
	ana.click(tid("create-room-open"))
	ana.visible(tid("create-room-form"))
	ana.click(tid("nav-settings"))
	ana.click(tid("sign-out"))
	ana.click(tid("sign-out-confirm"))
	ana.visible(tid("start-anon"))
	ana.reload() // a visit after signing out
	ana.visible(tid("start-anon"))

	// Notifications are asked for on the click that starts a first block,
	// never otherwise: ben, who started none, was never asked.
	if p := eval[string](ben, `Notification.permission`); p != "default" {
		t.Errorf("ben: Notification.permission is %q without starting a block; want default", p)
	}
	for _, b := range []*browser{ana, ben} {
		b.flushConsole()
		for _, m := range b.console() {
			if m.Type == chromedp.ConsoleError || m.Type == chromedp.ConsoleException || m.Type == chromedp.ConsoleWarning {
				t.Errorf("%s console %s: %s (%s:%d)", b.name, m.Type, m, m.URL, m.Line+1)
			}
		}
	}
}

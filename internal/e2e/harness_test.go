package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"github.com/bodydouble/bodydouble/internal/app"
	"github.com/bodydouble/bodydouble/internal/config"
	"github.com/bodydouble/bodydouble/internal/testlog"
)

// chromiumPath is Debian's Chromium, the browser these tests are written for.
const chromiumPath = "/usr/bin/chromium"

// waitTimeout bounds every single step on a page: a wait, a click, a read.
// Nothing waits by sleeping; this is only the point at which a step fails.
const waitTimeout = 15 * time.Second

// requireChromium skips the test on a machine without Chromium, so that
// `go test ./...` still passes there; CI installs it.
func requireChromium(t *testing.T) {
	t.Helper()
	if _, err := os.Stat(chromiumPath); err != nil {
		t.Skipf("browser tests need Chromium at %s (apt-get install chromium): %v", chromiumPath, err)
	}
}

// ---- the server ---------------------------------------------------------

// server is one bodydouble on a loopback port with its own SQLite directory.
type server struct {
	t    *testing.T
	cfg  config.Config
	app  *app.App
	URL  string
	logs *testlog.Buffer
}

// startServer starts the whole app (internal/app) the way main does, on a
// random loopback port, with changes applied to its configuration (the
// camera tests start the TURN server). The port is then fixed in the
// config, so restart brings the server back at the same address.
func startServer(t *testing.T, changes ...func(*config.Config)) *server {
	t.Helper()
	cfg := config.Default()
	cfg.Addr = "127.0.0.1:0"
	cfg.DataDir = t.TempDir()
	cfg.RateLimit = false
	cfg.TURNAddr = config.TURNOff // its fixed port (3478, every interface) would clash between tests
	cfg.ShutdownGrace = 5 * time.Second
	for _, change := range changes {
		change(&cfg)
	}
	s := &server{t: t, cfg: cfg, logs: &testlog.Buffer{}}
	s.start()
	s.cfg.Addr = s.app.Addr().String()
	s.URL = "http://" + s.cfg.Addr
	t.Cleanup(func() {
		if s.app != nil {
			s.stop()
		}
		if t.Failed() {
			t.Logf("server log:\n%s", s.logs.String())
		}
	})
	return s
}

func (s *server) start() {
	s.t.Helper()
	// BODYDOUBLE_TEST_LOG_LEVEL=debug shows more in a failed test's server
	// log (why each socket closed, for one).
	level := slog.LevelInfo
	if os.Getenv("BODYDOUBLE_TEST_LOG_LEVEL") == "debug" {
		level = slog.LevelDebug
	}
	log := slog.New(slog.NewTextHandler(s.logs, &slog.HandlerOptions{Level: level}))
	ctx := context.Background()
	a, err := app.New(ctx, s.cfg, log)
	if err != nil {
		s.t.Fatalf("app.New: %v", err)
	}
	if err := a.Start(ctx); err != nil {
		s.t.Fatalf("app.Start: %v", err)
	}
	s.app = a
}

// stop shuts the server down as a deployment would (sockets get 1012).
func (s *server) stop() {
	s.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), s.cfg.ShutdownGrace)
	defer cancel()
	if err := s.app.Shutdown(ctx); err != nil {
		s.t.Errorf("app.Shutdown: %v", err)
	}
	s.app = nil
}

// ---- a browser profile ----------------------------------------------------

// browser is one person: a Chromium of its own with a fresh profile (its own
// cookies, storage and service worker), and one tab.
type browser struct {
	t    *testing.T
	name string
	ctx  context.Context
	base string

	mu       sync.Mutex
	messages []chromedp.ConsoleMessage
	flushes  int
}

// newBrowser launches Chromium with the flags CI needs
// (plus extra, which the camera tests use) and a fresh user-data-dir, opens
// a tab and starts recording its console.
func newBrowser(t *testing.T, srv *server, name string, extra ...chromedp.ExecAllocatorOption) *browser {
	t.Helper()
	requireChromium(t)
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chromiumPath),
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-quic", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1280, 900),
	)
	opts = append(opts, extra...)
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelTab := chromedp.NewContext(allocCtx)
	t.Cleanup(func() {
		cancelTab()
		cancelAlloc() // waits for Chromium to exit, before TempDir removes the profile
	})
	// The first Run starts the browser and binds its life to the context it
	// gets, so it runs on ctx itself, with no timeout (chromedp docs/API.md #21).
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("%s: starting Chromium: %v", name, err)
	}
	b := &browser{t: t, name: name, ctx: ctx, base: srv.URL}
	watchAPI(t, ctx) // every API exchange of the page is checked against openapi.json
	messages := chromedp.Console(ctx)
	go func() {
		for m, err := range messages {
			if err != nil {
				return
			}
			b.mu.Lock()
			b.messages = append(b.messages, m)
			b.mu.Unlock()
		}
	}()
	t.Cleanup(func() {
		if !t.Failed() {
			return
		}
		// Runs before the browser closes (cleanups run last-in first-out).
		ctx, cancel := context.WithTimeout(b.ctx, 3*time.Second)
		defer cancel()
		loc, _ := chromedp.Run(ctx, chromedp.Location())
		text, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`document.body ? document.body.innerText : ''`))
		t.Logf("%s at %s shows:\n%s", b.name, loc, indent(text))
		for _, m := range b.console() {
			t.Logf("%s console %s: %s (%s:%d)", b.name, m.Type, m, m.URL, m.Line+1)
		}
	})
	return b
}

func indent(s string) string {
	return "\t" + strings.ReplaceAll(strings.TrimSpace(s), "\n", "\n\t")
}

// tid is the CSS selector of a data-testid (web/README.md lists them).
func tid(id string) string { return fmt.Sprintf("[data-testid=%q]", id) }

// jsString quotes s as a JavaScript string literal.
func jsString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

// do runs steps, failing the test (as b) when one fails or takes too long.
func (b *browser) do(steps ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, waitTimeout)
	defer cancel()
	if err := chromedp.Do(ctx, steps...); err != nil {
		b.t.Fatalf("%s: %v", b.name, err)
	}
}

// run runs one action that returns a value.
func run[T any](b *browser, a chromedp.Action[T]) T {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, waitTimeout)
	defer cancel()
	v, err := chromedp.Run(ctx, a)
	if err != nil {
		b.t.Fatalf("%s: %v", b.name, err)
	}
	return v
}

// eval evaluates a JavaScript expression in the page, awaiting a promise.
func eval[T any](b *browser, js string) T {
	b.t.Helper()
	return run(b, chromedp.Evaluate[T](js, chromedp.EvalAwaitPromise))
}

// open loads path of the server in the tab.
func (b *browser) open(path string) {
	b.t.Helper()
	b.do(chromedp.Navigate(b.base + path))
}

func (b *browser) reload() {
	b.t.Helper()
	b.do(chromedp.Reload())
}

// visible waits until an element matching the CSS selector is shown.
func (b *browser) visible(sel string) {
	b.t.Helper()
	b.do(chromedp.WaitVisible(chromedp.CSS(sel)))
}

// gone waits until no element matches the CSS selector.
func (b *browser) gone(sel string) {
	b.t.Helper()
	b.do(chromedp.WaitNotPresent(chromedp.CSS(sel)))
}

// click clicks (with the mouse, at its centre) the first element matching
// sel, once it is visible, in the viewport and not covered by anything (the
// room's slim timer bar, say, which goes away a frame after a scroll).
func (b *browser) click(sel string) {
	b.t.Helper()
	b.visible(sel)
	b.waitFor(sel+" to be clickable", fmt.Sprintf(`(() => {
		const el = document.querySelector(%s);
		if (!el) return false;
		const r = el.getBoundingClientRect();
		if (r.width === 0 || r.height === 0) return false;
		if (r.top < 0 || r.left < 0 || r.bottom > innerHeight || r.right > innerWidth) {
			el.scrollIntoView({ block: 'center', inline: 'center', behavior: 'instant' });
			return false;
		}
		const hit = document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2);
		return !!hit && (hit === el || el.contains(hit));
	})()`, jsString(sel)))
	b.do(chromedp.Click(chromedp.CSS(sel)))
}

// clickLabel clicks the label around a visually hidden radio or checkbox,
// the way a person does.
func (b *browser) clickLabel(inputSel string) {
	b.t.Helper()
	b.click("label:has(> " + inputSel + ")")
}

// typeInto types text into a field, as keystrokes.
func (b *browser) typeInto(sel, text string) {
	b.t.Helper()
	b.do(chromedp.SendKeys(chromedp.CSS(sel), text))
}

// setField replaces a field's value as a script would (no maxlength), then
// fires the input event the app listens to.
func (b *browser) setField(sel, value string) {
	b.t.Helper()
	eval[chromedp.Void](b, fmt.Sprintf(`(() => {
		const el = document.querySelector(%s);
		el.value = %s;
		el.dispatchEvent(new Event('input', { bubbles: true }));
	})()`, jsString(sel), jsString(value)))
}

// text is the rendered text of the first element matching sel.
func (b *browser) text(sel string) string {
	b.t.Helper()
	return strings.TrimSpace(run(b, chromedp.Text(chromedp.CSS(sel))))
}

func (b *browser) count(sel string) int {
	b.t.Helper()
	return eval[int](b, fmt.Sprintf(`document.querySelectorAll(%s).length`, jsString(sel)))
}

func (b *browser) path() string {
	b.t.Helper()
	return eval[string](b, `location.pathname`)
}

// waitFor polls a JavaScript predicate until it is truthy; what says in the
// failure what was expected.
func (b *browser) waitFor(what, js string) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, waitTimeout)
	defer cancel()
	_, err := chromedp.Run(ctx, chromedp.Poll[chromedp.Void](js,
		chromedp.WithPollingInterval(50*time.Millisecond),
		chromedp.WithPollingTimeout(waitTimeout)))
	if err != nil {
		b.t.Fatalf("%s: waiting for %s: %v", b.name, what, err)
	}
}

// waitText waits until the element matching sel exists and its text contains want.
func (b *browser) waitText(sel, want string) {
	b.t.Helper()
	b.waitFor(fmt.Sprintf("%s to say %q", sel, want), fmt.Sprintf(
		`(() => { const el = document.querySelector(%s); return !!el && el.innerText.includes(%s); })()`,
		jsString(sel), jsString(want)))
}

// waitPath waits until the page's path starts with prefix.
func (b *browser) waitPath(prefix string) string {
	b.t.Helper()
	b.waitFor("the path "+prefix, fmt.Sprintf(`location.pathname.startsWith(%s)`, jsString(prefix)))
	return b.path()
}

// skewClock makes the device clock of b (Date.now in every page it loads
// from now on) run off by d, as a phone's clock can be.
func (b *browser) skewClock(d time.Duration) {
	b.t.Helper()
	b.do(chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		_, err := cdp.Call(ctx, t, page.AddScriptToEvaluateOnNewDocument, page.AddScriptToEvaluateOnNewDocumentParams{
			Source: fmt.Sprintf(`(() => { const now = Date.now; Date.now = () => now() + %d; })();`, d.Milliseconds()),
		})
		return err
	}))
}

// ---- people and places ----------------------------------------------------

// startAnonymously takes b from a first visit to the lobby with one click.
func (b *browser) startAnonymously() {
	b.t.Helper()
	b.open("/")
	b.click(tid("start-anon"))
	b.visible(tid("find-room"))
	b.waitPath("/lobby")
}

// findRoom clicks "Find me a room" in the lobby and returns the room's id
// once the room is on screen.
func (b *browser) findRoom() string {
	b.t.Helper()
	b.click(tid("find-room"))
	b.waitPath("/room/")
	b.visible(tid("room-title"))
	return strings.TrimPrefix(b.path(), "/room/")
}

// userID is the id of the person signed in in b (a request the app itself
// makes on load for a returning visitor).
func (b *browser) userID() string {
	b.t.Helper()
	return eval[string](b, `fetch('/api/auth/session').then((r) => r.json()).then((s) => s.user.id)`)
}

// tileOf is the selector of person id's tile in the room.
func tileOf(id string) string {
	return fmt.Sprintf(`%s[data-participant-id=%q]`, tid("participant-tile"), id)
}

// ---- the console ------------------------------------------------------------

// console returns what the page wrote to the console so far (console API
// calls, uncaught exceptions and browser log entries such as failed loads).
func (b *browser) console() []chromedp.ConsoleMessage {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]chromedp.ConsoleMessage(nil), b.messages...)
}

// flushConsole writes a marker to the console and waits until it arrives,
// so that every message written before it has been recorded.
func (b *browser) flushConsole() {
	b.t.Helper()
	b.mu.Lock()
	b.flushes++
	marker := fmt.Sprintf("e2e-flush-%d", b.flushes)
	b.mu.Unlock()
	eval[chromedp.Void](b, fmt.Sprintf(`console.debug(%s)`, jsString(marker)))
	deadline := time.Now().Add(waitTimeout)
	for {
		for _, m := range b.console() {
			if m.Text == marker {
				return
			}
		}
		if time.Now().After(deadline) {
			b.t.Fatalf("%s: the console marker never arrived", b.name)
		}
		// The marker travels Chromium → CDP → the recording goroutine; there is
		// no page condition to wait on, so check again shortly.
		time.Sleep(20 * time.Millisecond)
	}
}

// ---- the REST API, for people who are not in a browser ----------------------

// apiUser is a person who uses the REST API directly (Bearer token).
type apiUser struct {
	t     *testing.T
	base  string
	token string
	id    string
	// client checks every exchange against openapi.json.
	client *http.Client
}

func newAPIUser(t *testing.T, srv *server) *apiUser {
	t.Helper()
	u := &apiUser{t: t, base: srv.URL, client: checkedClient(t)}
	var s struct {
		Token string `json:"token"`
		User  struct {
			ID string `json:"id"`
		} `json:"user"`
	}
	if status := u.call(http.MethodPost, "/api/auth/anonymous", nil, &s); status != http.StatusCreated {
		t.Fatalf("POST /api/auth/anonymous: %d", status)
	}
	u.token, u.id = s.Token, s.User.ID
	return u
}

// call sends a JSON request and decodes the JSON answer (the resource, or a
// problem) into out; it returns the status.
func (u *apiUser) call(method, path string, body, out any) int {
	u.t.Helper()
	var r io.Reader
	if body != nil {
		raw, err := json.Marshal(body)
		if err != nil {
			u.t.Fatal(err)
		}
		r = bytes.NewReader(raw)
	}
	req, err := http.NewRequest(method, u.base+path, r)
	if err != nil {
		u.t.Fatal(err)
	}
	req.Header.Set("Accept", "application/json")
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if u.token != "" {
		req.Header.Set("Authorization", "Bearer "+u.token)
	}
	res, err := u.client.Do(req)
	if err != nil {
		u.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer res.Body.Close()
	raw, err := io.ReadAll(res.Body)
	if err != nil {
		u.t.Fatal(err)
	}
	if out != nil && len(raw) > 0 {
		if err := json.Unmarshal(raw, out); err != nil {
			u.t.Fatalf("%s %s: decoding %q: %v", method, path, raw, err)
		}
	}
	return res.StatusCode
}

// problem is the problem+json error body of docs/api.md "Errors".
type problem struct {
	Code    string `json:"code"`
	Message string `json:"message"`
	Errors  []struct {
		Field   string `json:"field"`
		Message string `json:"message"`
	} `json:"errors"`
}

func (p problem) field(name string) string {
	for _, e := range p.Errors {
		if e.Field == name {
			return e.Message
		}
	}
	return ""
}

// ---- screenshots ---------------------------------------------------------------

// shot saves a full-page screenshot to docs/screenshots/<name>.png when
// BODYDOUBLE_SCREENSHOTS=1; otherwise it does nothing.
func (b *browser) shot(name string) {
	b.t.Helper()
	if os.Getenv("BODYDOUBLE_SCREENSHOTS") != "1" {
		return
	}
	// From the top, and without the room's slim timer bar: a copy of the
	// timer shown while it is scrolled away, which a full-page capture
	// would paint half-way down the page, and which may not have noticed
	// the scroll yet. It is hidden by a constructed style sheet, since the
	// page's CSP refuses inline styles.
	eval[chromedp.Void](b, `window.scrollTo(0, 0);
		window.bdShot = new CSSStyleSheet();
		window.bdShot.replaceSync('.fixed[aria-hidden="true"] { visibility: hidden !important; }');
		document.adoptedStyleSheets = [...document.adoptedStyleSheets, window.bdShot]`)
	png := run(b, chromedp.FullScreenshot(100))
	eval[chromedp.Void](b, `document.adoptedStyleSheets = document.adoptedStyleSheets.filter((s) => s !== window.bdShot)`)
	dir := filepath.Join("..", "..", "docs", "screenshots")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		b.t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, name+".png"), png, 0o644); err != nil {
		b.t.Fatal(err)
	}
}

package e2e

import (
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
)

// layoutCase is one way the app can be stretched: the text size and what
// the other person in the room (and the room itself) is called.
type layoutCase struct {
	name      string
	larger    bool   // Settings → Display → Larger text
	myName    string // what the person in the browser calls themself
	otherName string // the other participant, who shares their goal
	otherGoal string
	roomName  string
	roomDesc  string
}

var layoutCases = []layoutCase{
	{name: "normal", myName: "Serene Wolf", otherName: "Quiet Heron", otherGoal: "Reply to two emails",
		roomName: "Morning desk", roomDesc: "Quiet work before lunch"},
	{name: "larger-text", larger: true, myName: "Serene Wolf", otherName: "Quiet Heron", otherGoal: "Reply to two emails",
		roomName: "Morning desk", roomDesc: "Quiet work before lunch"},
	// The longest names and goals the API accepts (display names 50, room
	// names 100, goals 200 characters), with no place to break a line.
	{name: "long-unbroken", myName: "Serene Wolf", otherName: strings.Repeat("W", 50),
		otherGoal: strings.Repeat("unbroken", 25), roomName: strings.Repeat("R", 100), roomDesc: strings.Repeat("d", 300)},
	{name: "arabic", myName: "سارة الأحمد", otherName: "ليلى حسن", otherGoal: "كتابة الفصل الثاني من التقرير",
		roomName: "غرفة العمل الهادئ", roomDesc: "عمل هادئ قبل الغداء"},
	{name: "hebrew", myName: "דנה כהן", otherName: "נועה לוי", otherGoal: "לכתוב את הפרק השני של הדוח",
		roomName: "חדר עבודה שקט", roomDesc: "עבודה שקטה לפני הצהריים"},
}

// viewport is one screen size the layout is checked at.
type viewport struct {
	w, h   int64
	mobile bool
}

func (v viewport) emulate() chromedp.Action[chromedp.Void] {
	if v.mobile {
		return chromedp.EmulateViewport(v.w, v.h, chromedp.EmulateMobile, chromedp.EmulateTouch)
	}
	return chromedp.EmulateViewport(v.w, v.h)
}

var (
	phone   = viewport{360, 640, true}
	desktop = viewport{1280, 800, false}
)

// TestLayout: at 360 and 1280 px, with normal and larger text, with the
// longest unbroken names and goals and with Arabic and Hebrew ones, no
// screen scrolls sideways; every user-written string is shown with
// dir="auto"; on a phone the timer, one's status and the start of one's goal
// are on the room's first screen (at the normal text size); on a desktop a
// short name is never cut; the check-in's rating buttons fit.
func TestLayout(t *testing.T) {
	t.Parallel()
	for _, c := range layoutCases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			srv := startServer(t)
			roomID, otherID := seatOther(t, srv, c)
			b := newBrowser(t, srv, "ana")
			b.do(phone.emulate())
			b.open("/")
			b.visible(tid("start-anon"))
			b.fitsWidth("landing")
			b.click(tid("start-anon"))
			b.waitPath("/lobby")

			// My own name, and larger text, through Settings as a person would.
			b.click(tid("nav-settings"))
			b.visible(tid("display-name"))
			b.setField(tid("display-name"), c.myName)
			b.click(tid("save-name"))
			b.waitFor("the name saved", `fetch('/api/users/profile').then((r) => r.json()).then((u) => u.displayName === `+jsString(c.myName)+`)`)
			if c.larger {
				b.clickLabel(tid("setting-larger-text"))
				b.waitFor("larger text", `document.documentElement.classList.contains('text-large')`)
			}
			texts := []string{c.myName, c.otherName, c.otherGoal, c.roomName, c.roomDesc}
			myGoal := "Mine: " + c.otherGoal
			if len(c.otherGoal) > 150 {
				myGoal = strings.Repeat("mine", 50)
			}

			for i, v := range []viewport{phone, desktop} {
				size := fmt.Sprintf("%s at %d px", c.name, v.w)
				b.do(v.emulate())

				b.open("/lobby")
				b.visible(fmt.Sprintf(`%s[data-room-id=%q]`, tid("room-card"), roomID))
				b.checkLayout(size+", lobby", texts)

				b.open("/room/" + roomID)
				b.visible(tileOf(otherID) + " li")
				if i == 0 {
					b.setField(tid("goal-input"), myGoal)
					b.click(tid("start-focus"))
				}
				b.visible(tid("my-goal"))
				b.checkLayout(size+", room", append(texts, myGoal))
				// The issue asks for the first screen at the normal text size;
				// larger text (19 px) needs more than one screen of a 360 × 640 phone.
				if v == phone && !c.larger {
					b.onFirstScreen(size, tid("timer-remaining"), tid("status-select"), tid("my-goal"))
				}
				if v == desktop {
					b.namesWhole(size)
				}
				b.layoutShot(c.name + fmt.Sprintf("-room-%d", v.w))

				// The check-in, where the rating buttons must fit too.
				b.click(tid("complete-session"))
				b.visible(tid("complete-dialog"))
				b.checkLayout(size+", check-in", append(texts, myGoal))
				b.insideViewport(size+", rating", tid("complete-dialog")+" label.seg")
				b.do(chromedp.KeyEvent(kb.Escape)) // "not yet"
				b.gone(tid("complete-dialog") + "[open]")

				b.click(tid("nav-history"))
				b.visible(tid("history-chart"))
				b.visible(tid("session-item"))
				b.checkLayout(size+", history", append(texts, myGoal))

				b.click(tid("nav-settings"))
				b.visible(tid("display-name"))
				b.checkLayout(size+", settings", texts)
			}
		})
	}
}

// seatOther puts a second person (through the API) in a new room of c's
// names, with a focus session whose goal they share; it returns the room's
// and the person's ids.
func seatOther(t *testing.T, srv *server, c layoutCase) (roomID, otherID string) {
	t.Helper()
	u := newAPIUser(t, srv)
	if status := u.call(http.MethodPut, "/api/users/profile", map[string]any{"displayName": c.otherName}, nil); status != http.StatusOK {
		t.Fatalf("PUT /api/users/profile %q: %d", c.otherName, status)
	}
	var room struct {
		ID string `json:"id"`
	}
	if status := u.call(http.MethodPost, "/api/rooms", map[string]any{
		"name": c.roomName, "description": c.roomDesc, "category": "deep-work",
	}, &room); status != http.StatusCreated {
		t.Fatalf("POST /api/rooms: %d", status)
	}
	if status := u.call(http.MethodPost, "/api/rooms/"+room.ID+"/join", nil, nil); status != http.StatusOK {
		t.Fatalf("join: %d", status)
	}
	if status := u.call(http.MethodPost, "/api/sessions", map[string]any{
		"roomId": room.ID, "goals": []string{c.otherGoal}, "shareGoals": true,
	}, nil); status != http.StatusCreated {
		t.Fatalf("POST /api/sessions: %d", status)
	}
	return room.ID, u.id
}

// checkLayout fails when the page scrolls sideways, or when one of texts
// is shown in an element whose direction is not dir="auto".
func (b *browser) checkLayout(screen string, texts []string) {
	b.t.Helper()
	b.fitsWidth(screen)
	bad := eval[[]string](b, fmt.Sprintf(`(() => {
		const texts = %s, bad = [];
		const walk = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
		for (let n = walk.nextNode(); n; n = walk.nextNode()) {
			if (!texts.some((s) => n.data.includes(s))) continue;
			const el = n.parentElement, dir = el.closest('[dir]');
			if (!dir || dir.getAttribute('dir') !== 'auto') bad.push(el.outerHTML.slice(0, 120));
		}
		return bad;
	})()`, mustJSON(texts)))
	if len(bad) > 0 {
		b.t.Errorf("%s: user-written text without dir=\"auto\":\n\t%s", screen, strings.Join(bad, "\n\t"))
	}
}

// fitsWidth fails when the page is wider than the window, naming the
// elements that stick out.
func (b *browser) fitsWidth(screen string) {
	b.t.Helper()
	r := eval[struct {
		Scroll int      `json:"scroll"`
		Inner  int      `json:"inner"`
		Wide   []string `json:"wide"`
	}](b, `(() => ({
		scroll: document.documentElement.scrollWidth,
		inner: innerWidth,
		wide: [...document.querySelectorAll('body *')]
			.filter((e) => e.getBoundingClientRect().right > innerWidth + 0.5)
			.slice(0, 5).map((e) => e.outerHTML.slice(0, 100)),
	}))()`)
	if r.Scroll > r.Inner {
		b.t.Errorf("%s: scrollWidth %d > innerWidth %d; too wide:\n\t%s", screen, r.Scroll, r.Inner, strings.Join(r.Wide, "\n\t"))
	}
}

// onFirstScreen fails unless the first line of every element of sels is
// within the first screen of the page, scrolled to the top (a goal of
// several lines starts there).
func (b *browser) onFirstScreen(screen string, sels ...string) {
	b.t.Helper()
	eval[chromedp.Void](b, `window.scrollTo(0, 0)`)
	for _, sel := range sels {
		bottom := eval[float64](b, fmt.Sprintf(`(() => {
			const el = document.querySelector(%s), r = el.getBoundingClientRect();
			const line = parseFloat(getComputedStyle(el).lineHeight) || r.height;
			return r.top + Math.min(r.height, line) + scrollY;
		})()`, jsString(sel)))
		height := eval[float64](b, `innerHeight`)
		if bottom > height {
			above := eval[[]string](b, `[...document.querySelectorAll('main > *, main > div > *, header')]
				.map((e) => Math.round(e.getBoundingClientRect().top) + '–' + Math.round(e.getBoundingClientRect().bottom) + ' ' + e.outerHTML.slice(0, 80))`)
			b.t.Errorf("%s: the first line of %s ends at %.0f px, below the first screen (%.0f px); the page:\n\t%s",
				screen, sel, bottom, height, strings.Join(above, "\n\t"))
		}
	}
}

// insideViewport fails when an element matching sel overflows itself or
// the window.
func (b *browser) insideViewport(screen, sel string) {
	b.t.Helper()
	bad := eval[[]string](b, fmt.Sprintf(`[...document.querySelectorAll(%s)]
		.filter((e) => e.scrollWidth > e.clientWidth || e.getBoundingClientRect().right > innerWidth || e.getBoundingClientRect().left < 0)
		.map((e) => JSON.stringify(e.innerText) + ': ' + e.scrollWidth + ' px of content in ' + e.clientWidth)`, jsString(sel)))
	if len(bad) > 0 {
		b.t.Errorf("%s: overflowing:\n\t%s", screen, strings.Join(bad, "\n\t"))
	}
}

// namesWhole fails when a participant's name is cut (its box scrolls).
func (b *browser) namesWhole(screen string) {
	b.t.Helper()
	cut := eval[[]string](b, `[...document.querySelectorAll('[data-testid="participant-name"]')]
		.filter((e) => e.scrollWidth > e.clientWidth || e.scrollHeight > e.clientHeight)
		.map((e) => e.innerText)`)
	if len(cut) > 0 {
		b.t.Errorf("%s: names cut: %q", screen, cut)
	}
}

// layoutShot saves what b shows, the whole page, to $BODYDOUBLE_LAYOUT_SHOTS/<name>.png
// when that variable names a directory; otherwise it does nothing.
func (b *browser) layoutShot(name string) {
	b.t.Helper()
	dir := os.Getenv("BODYDOUBLE_LAYOUT_SHOTS")
	if dir == "" {
		return
	}
	eval[chromedp.Void](b, `window.scrollTo(0, 0)`)
	b.waitFor("the page at the top", `document.querySelectorAll('.fixed[aria-hidden="true"]').length === 0`)
	png := run(b, chromedp.FullScreenshot(100))
	if err := os.WriteFile(filepath.Join(dir, name+".png"), png, 0o644); err != nil {
		b.t.Fatal(err)
	}
}

func mustJSON(v []string) string {
	parts := make([]string, len(v))
	for i, s := range v {
		parts[i] = jsString(s)
	}
	return "[" + strings.Join(parts, ",") + "]"
}

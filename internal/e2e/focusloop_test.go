package e2e

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
)

// watchAlerts counts, in every page b loads from now on, the oscillators
// the app creates (the chime is generated with Web Audio, two notes) and
// the times it asks for notification permission. Both still do what the
// browser does: the counters only watch.
func (b *browser) watchAlerts() {
	b.t.Helper()
	b.do(chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		_, err := cdp.Call(ctx, t, page.AddScriptToEvaluateOnNewDocument, page.AddScriptToEvaluateOnNewDocumentParams{
			Source: `(() => {
				window.__bdOscillators = 0;
				window.__bdAsked = 0;
				if (window.AudioContext) {
					const osc = AudioContext.prototype.createOscillator;
					AudioContext.prototype.createOscillator = function () { window.__bdOscillators++; return osc.call(this); };
				}
				if (window.Notification) {
					const ask = Notification.requestPermission.bind(Notification);
					Notification.requestPermission = (...a) => { window.__bdAsked++; return ask(...a); };
				}
			})();`,
		})
		return err
	}))
}

// moveClock moves the page's clock (Date.now) d ahead, from now on, in the
// page as it is loaded. The socket client keeps the Date.now it took at
// start for its clock samples, so the estimate of the server's clock does
// not undo the move: the page lives d in the future, and a block ends
// without waiting for it.
func (b *browser) moveClock(d time.Duration) {
	b.t.Helper()
	eval[chromedp.Void](b, fmt.Sprintf(`(() => { const now = Date.now; Date.now = () => now() + %d; })()`, d.Milliseconds()))
}

// startBlock writes goal in the first field, picks minutes and starts the
// block with the one primary button of the focus panel.
func startBlock(b *browser, goal string, minutes int) {
	b.t.Helper()
	b.typeInto("#goal-0", goal)
	b.clickLabel(tid(fmt.Sprintf("length-%d", minutes)))
	b.waitText(tid("start-focus"), fmt.Sprintf("Start a %d-minute block", minutes))
	b.click(tid("start-focus"))
	b.visible(tid("block-remaining"))
}

// TestFocusLoopBlock: from the room's first screen a goal and 25 minutes
// start the session and the block in one click; the other person sees the
// shared goal and the time left; at the end the panel turns to "Block
// done" (the tab title too) and the chime plays (on by default, muted in one
// tap there); the check-in completes the session, a break follows, then
// "Another block?" with the same goal; History has the block.
func TestFocusLoopBlock(t *testing.T) {
	t.Parallel()
	srv := startServer(t)
	ana, ben := newBrowser(t, srv, "ana"), newBrowser(t, srv, "ben")
	ana.watchAlerts()
	_, anaID, _ := together(t, ana, ben)

	ana.visible(tid("focus-panel") + `[data-phase="plan"]`)
	ana.checkScreen("focus-plan")
	permission := eval[string](ana, `window.Notification ? Notification.permission : 'unsupported'`)
	ana.click(tid("share-goals"))
	startBlock(ana, "Draft the intro", 25)
	ana.waitText(tid("focus-title"), "Your block")
	ana.checkScreen("focus-block")
	if s, err := clockSeconds(ana.text(tid("block-remaining"))); err != nil || s < 24*60 || s > 25*60 {
		t.Errorf("ana's block shows %q left, want about 25:00 (%v)", ana.text(tid("block-remaining")), err)
	}
	if asked := eval[int](ana, `window.__bdAsked`); permission == "default" && asked != 1 {
		t.Errorf("notification permission asked %d times at the first block, want once", asked)
	}
	if got := eval[int](ana, `fetch('/api/sessions/history?limit=1').then((r) => r.json()).then((l) => l.sessions[0].plannedMinutes)`); got != 25 {
		t.Errorf("the session has plannedMinutes %d, want 25", got)
	}

	// Ben sees what ana works on and how long her block has left.
	ben.waitText(tileOf(anaID), "Draft the intro")
	ben.waitText(tileOf(anaID)+" "+tid("participant-block"), "min left")
	if got := ben.text(tileOf(anaID) + " " + tid("participant-block")); got != "25 min left" && got != "24 min left" {
		t.Errorf("ben sees %q on ana's block, want 25 (or 24) min left", got)
	}

	// The end of the block: ana's page lives 25 minutes on.
	ana.moveClock(25*time.Minute + time.Second)
	ana.visible(tid("block-done"))
	ana.visible(tid("focus-panel") + `[data-phase="done"]`)
	ana.waitText(tid("focus-title"), "Block done")
	ana.waitFor("the tab title to say the block is done", `document.title.includes('Block done')`)
	ana.waitFor("the chime's two notes", `window.__bdOscillators >= 2`)
	ana.checkScreen("focus-block-done")
	ana.click(tid("block-sound"))
	ana.waitFor("the chime muted", `document.querySelector('[data-testid="block-sound"]').getAttribute('aria-checked') === 'false'`)
	ana.waitFor("the muted chime kept", `fetch('/api/users/preferences').then((r) => r.json()).then((p) => p.notificationSettings.sound === false)`)

	// The check-in: the goal is there to tick, a line, how it went.
	ana.click(tid("complete-dialog") + ` fieldset input[type="checkbox"]`)
	ana.typeInto(tid("achievements"), "Outlined part two")
	ana.clickLabel(tid("rating-4"))
	ana.click(tid("complete-submit"))
	ana.waitText(tid("focus-done"), "Nice work")
	ana.visible(tid("break-remaining"))
	ana.checkScreen("focus-break")
	ben.waitFor("ana's block gone from her tile", fmt.Sprintf(`!document.querySelector(%s)`, jsString(tileOf(anaID)+" "+tid("participant-block"))))

	// A short break, skipped; another block starts from the same goal.
	ana.click(tid("skip-break"))
	ana.waitText(tid("focus-title"), "Another block?")
	if got := eval[string](ana, `document.querySelector('#goal-0').value`); got != "Draft the intro" {
		t.Errorf("another block starts from goal %q, want the last one", got)
	}
	if !eval[bool](ana, `document.querySelector('[data-testid="share-goals"]').checked`) {
		t.Error("another block forgot that ana shares her goals")
	}

	ana.click(tid("nav-history"))
	ana.visible(tid("session-item"))
	item := ana.text(tid("session-item"))
	for _, want := range []string{"Draft the intro", "Completed", "focus 4/5", "min"} {
		if !strings.Contains(item, want) {
			t.Errorf("the block in History says %q; want it to mention %q", item, want)
		}
	}
}

// lastSession is the newest session of the person signed in in b.
func lastSession(b *browser) (goal string, completed, ended bool) {
	b.t.Helper()
	type s struct {
		Goals       []string `json:"goals"`
		IsCompleted bool     `json:"isCompleted"`
		EndedAt     *string  `json:"endedAt"`
	}
	got := eval[s](b, `fetch('/api/sessions/history?limit=1').then((r) => r.json()).then((l) => l.sessions[0])`)
	if len(got.Goals) > 0 {
		goal = got.Goals[0]
	}
	return goal, got.IsCompleted, got.EndedAt != nil
}

// TestFocusLoopLeave: leaving during a block asks first; cancel stays,
// "Finish with a check-in" checks in and then leaves, "Leave and end it"
// ends the session; without a block Leave asks nothing.
func TestFocusLoopLeave(t *testing.T) {
	t.Parallel()
	srv := startServer(t)
	ana := newBrowser(t, srv, "ana")
	ana.startAnonymously()
	room := ana.findRoom()

	startBlock(ana, "Sort the inbox", 25)
	ana.click(tid("leave-room"))
	ana.visible(tid("leave-dialog"))
	ana.checkScreen("leave-question")
	ana.click(tid("leave-cancel"))
	ana.gone(tid("leave-dialog") + "[open]")
	if p := ana.path(); p != "/room/"+room {
		t.Fatalf("cancel left the room for %s", p)
	}
	ana.visible(tid("block-remaining"))

	// Leave from the room bar on another screen asks too, back in the room.
	ana.click(tid("nav-history"))
	ana.click(tid("room-bar") + " button")
	ana.waitPath("/room/")
	ana.visible(tid("leave-dialog") + "[open]")
	ana.click(tid("leave-cancel"))
	ana.gone(tid("leave-dialog") + "[open]")

	ana.click(tid("leave-room"))
	ana.click(tid("leave-checkin"))
	ana.visible(tid("complete-dialog"))
	ana.waitText(tid("complete-submit"), "Save and leave")
	ana.clickLabel(tid("rating-3"))
	ana.click(tid("complete-submit"))
	ana.waitPath("/lobby")
	if goal, completed, _ := lastSession(ana); goal != "Sort the inbox" || !completed {
		t.Errorf("after the check-in the last session is %q, completed %v; want Sort the inbox, completed", goal, completed)
	}

	ana.open("/room/" + room)
	ana.visible(tid("goal-input"))
	ana.setField("#goal-0", "")
	startBlock(ana, "Water the plants", 25)
	ana.click(tid("leave-room"))
	ana.click(tid("leave-end"))
	ana.waitPath("/lobby")
	ana.waitFor("the session ended by leaving", `fetch('/api/sessions/history?limit=1').then((r) => r.json()).then((l) => !!l.sessions[0].endedAt)`)
	if goal, completed, ended := lastSession(ana); goal != "Water the plants" || completed || !ended {
		t.Errorf("after leaving the last session is %q, completed %v, ended %v; want Water the plants, ended, not completed", goal, completed, ended)
	}

	// No block open: Leave leaves.
	ana.open("/room/" + room)
	ana.visible(tid("start-focus"))
	ana.click(tid("leave-room"))
	ana.waitPath("/lobby")
	if n := ana.count(tid("leave-dialog") + "[open]"); n != 0 {
		t.Error("Leave asked about a block when none was open")
	}
}

// TestFocusLoopTimerRules: the room's timer controls follow the room: none
// in a room with a cycle (its rhythm is said instead), only the creator's in
// an owner-only room, everyone's in an "anyone" room, where changing a
// timer someone else works under asks first.
func TestFocusLoopTimerRules(t *testing.T) {
	t.Parallel()
	srv := startServer(t)
	host := newAPIUser(t, srv)
	create := func(u *apiUser, body map[string]any) string {
		t.Helper()
		var r struct {
			ID string `json:"id"`
		}
		if status := u.call(http.MethodPost, "/api/rooms", body, &r); status != http.StatusCreated {
			t.Fatalf("POST /api/rooms %v: %d", body, status)
		}
		return r.ID
	}
	cycleRoom := create(host, map[string]any{"name": "Rhythm", "category": "admin", "timerControl": "anyone", "cycle": map[string]int{"work": 25, "break": 5}})
	hostRoom := create(host, map[string]any{"name": "Host's desk", "category": "study", "timerControl": "owner"})
	openRoom := create(host, map[string]any{"name": "Open desk", "category": "study", "timerControl": "anyone"})
	controls := []string{"timer-start-primary", "timer-pause", "timer-resume", "timer-reset", "timer-more"}
	noControls := func(b *browser, where string) {
		t.Helper()
		for _, c := range controls {
			if n := b.count(tid(c)); n != 0 {
				t.Errorf("%s: %s shows %s", where, b.name, c)
			}
		}
	}

	ana, ben := newBrowser(t, srv, "ana"), newBrowser(t, srv, "ben")
	startAll(t, ana, ben)

	ana.open("/room/" + cycleRoom)
	ana.waitText(tid("timer-rhythm"), "This room keeps a 25/5 rhythm · next block at ")
	ana.visible(tid("timer-remaining") + `[data-state="running"]`)
	noControls(ana, "a room with a cycle")

	// With the room: a block that ends with the room's work phase. A
	// 240/1 rhythm is at work nearly always; in its one minute of break the
	// choice is not offered, and that is checked instead.
	longRoom := create(host, map[string]any{"name": "Long haul", "category": "admin", "cycle": map[string]int{"work": 240, "break": 1}})
	ana.open("/room/" + longRoom)
	ana.visible(tid("timer-remaining") + `[data-state="running"]`)
	ana.visible(tid("start-focus"))
	if strings.Contains(ana.text(tid("timer-label")), "Break") {
		if n := ana.count(tid("length-room")); n != 0 {
			t.Error("the room's length is offered during its break")
		}
	} else {
		ana.visible(tid("length-room") + ":checked") // the default
		label := ana.text(tid("start-focus"))
		var minutes int
		if _, err := fmt.Sscanf(label, "Start a %d-minute block", &minutes); err != nil || minutes < 5 || minutes > 240 {
			t.Fatalf("the start button says %q, want a block of 5-240 minutes with the room", label)
		}
		left, err := clockSeconds(ana.text(tid("timer-remaining")))
		if err != nil || minutes < min(240, max(5, (left+29)/60-1)) || minutes > min(240, max(5, (left+30)/60+1)) {
			t.Errorf("a block with the room is %d minutes, the room's phase has %q left", minutes, ana.text(tid("timer-remaining")))
		}
		ana.click(tid("start-focus"))
		ana.visible(tid("block-remaining"))
		if got := eval[int](ana, `fetch('/api/sessions/history?limit=1').then((r) => r.json()).then((l) => l.sessions[0].plannedMinutes)`); got != minutes {
			t.Errorf("the block with the room was sent as %d minutes, want %d", got, minutes)
		}
		ana.click(tid("leave-room"))
		ana.click(tid("leave-end"))
		ana.waitPath("/lobby")
	}

	ana.open("/room/" + hostRoom)
	ana.visible(tid("timer-watch"))
	noControls(ana, "someone else's owner-only room")

	// Ana's own owner-only room: hers to control.
	own := eval[string](ana, `fetch('/api/rooms', { method: 'POST', headers: { 'Content-Type': 'application/json' },
		body: JSON.stringify({ name: "Ana's desk", category: 'admin', timerControl: 'owner' }) }).then((r) => r.json()).then((r) => r.id)`)
	ana.open("/room/" + own)
	ana.visible(tid("timer-start-primary"))
	ana.visible(tid("timer-more"))

	// An "anyone" room: ben starts a timer, ana may change it, after a question.
	ben.open("/room/" + openRoom)
	ben.click(tid("timer-start-primary"))
	ben.visible(tid("timer-remaining") + `[data-state="running"]`)
	ana.open("/room/" + openRoom)
	ana.visible(tid("timer-remaining") + `[data-state="running"]`)
	ana.click(tid("timer-reset"))
	ana.visible(tid("timer-confirm-dialog"))
	ana.checkScreen("timer-question")
	ana.click(tid("timer-confirm-cancel"))
	ana.gone(tid("timer-confirm-dialog") + "[open]")
	ben.visible(tid("timer-remaining") + `[data-state="running"]`)
	ana.click(tid("timer-reset"))
	ana.click(tid("timer-confirm"))
	ben.visible(tid("timer-remaining") + `[data-state="idle"]`)
}

// TestFocusLoopAway: while the server is away the block goes on; progress
// set meanwhile is kept and saved once the room is joined again, and so is
// a check-in made meanwhile (the screen says it is not saved yet).
func TestFocusLoopAway(t *testing.T) {
	t.Parallel()
	srv := startServer(t)
	ana := newBrowser(t, srv, "ana")
	ana.startAnonymously()
	ana.findRoom()
	startBlock(ana, "Fix the bike", 25)

	srv.stop()
	ana.visible(tid("reconnecting"))
	ana.visible(tid("block-remaining"))
	ana.setField(tid("progress-slider"), "40")
	ana.waitText(tid("room-notice"), "saved once you're back")
	ana.click(tid("complete-session"))
	ana.visible(tid("checkin-offline"))
	ana.clickLabel(tid("rating-5"))
	ana.click(tid("complete-submit"))
	ana.waitText(tid("focus-done"), "saved once you're back")
	ana.waitText(tid("room-notice"), "check-in is kept here")

	srv.start()
	ana.gone(tid("reconnecting"))
	ana.waitFor("the check-in made while away saved", `fetch('/api/sessions/history?limit=1').then((r) => r.json()).then((l) => l.sessions[0].isCompleted && l.sessions[0].rating === 5)`)
	if goal, completed, _ := lastSession(ana); goal != "Fix the bike" || !completed {
		t.Errorf("the last session is %q, completed %v; want Fix the bike, completed", goal, completed)
	}
	// The rejoin did not bring the completed block back.
	ana.visible(tid("focus-panel") + `[data-phase="break"]`)
}

// TestFocusLoopPhone: on a 360 px phone, under the longest room name, the
// room's timer, my status and where I say what I'll work on are on the
// first screen, before a block and during one, in a room with a cycle and
// in one whose timer someone controls; nothing scrolls sideways.
func TestFocusLoopPhone(t *testing.T) {
	t.Parallel()
	srv := startServer(t)
	host := newAPIUser(t, srv)
	ana := newBrowser(t, srv, "ana")
	ana.do(phone.emulate())
	ana.startAnonymously()
	for _, rhythm := range []map[string]any{
		{"cycle": map[string]int{"work": 50, "break": 10}},
		{"timerControl": "anyone"},
	} {
		body := map[string]any{"name": strings.Repeat("R", 100), "description": strings.Repeat("d", 300), "category": "deep-work"}
		for k, v := range rhythm {
			body[k] = v
		}
		var r struct {
			ID string `json:"id"`
		}
		if status := host.call(http.MethodPost, "/api/rooms", body, &r); status != http.StatusCreated {
			t.Fatalf("POST /api/rooms: %d", status)
		}
		screen := fmt.Sprintf("phone, room %v", rhythm)
		ana.open("/room/" + r.ID)
		ana.visible(tid("goal-input"))
		ana.fitsWidth(screen + ", plan")
		ana.onFirstScreen(screen+", plan", tid("timer-remaining"), tid("status-select"), tid("goal-input"))
		startBlock(ana, "Reply to two emails", 25)
		ana.fitsWidth(screen + ", block")
		ana.onFirstScreen(screen+", block", tid("timer-remaining"), tid("status-select"), tid("block-remaining"), tid("my-goal"))
		ana.click(tid("leave-room"))
		ana.click(tid("leave-end"))
		ana.waitPath("/lobby")
	}
}

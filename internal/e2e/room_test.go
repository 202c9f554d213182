package e2e

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
)

// together signs two people in and puts them in the same room with "Find me
// a room"; it returns the room and their user ids.
// startAll starts each browser's anonymous session at the same time, and
// ends the test if any of them failed to.
func startAll(t *testing.T, bs ...*browser) {
	t.Helper()
	var wg sync.WaitGroup
	for _, b := range bs {
		wg.Go(func() { b.startAnonymously() })
	}
	wg.Wait()
	if t.Failed() {
		t.FailNow()
	}
}

func together(t *testing.T, ana, ben *browser) (room, anaID, benID string) {
	t.Helper()
	startAll(t, ana, ben)
	anaID, benID = ana.userID(), ben.userID()
	room = ana.findRoom()
	if got := ben.findRoom(); got != room {
		t.Fatalf("ben is in room %s, ana in %s", got, room)
	}
	ana.visible(tileOf(benID))
	ben.visible(tileOf(anaID))
	return room, anaID, benID
}

// togetherUnder signs two people in and puts them in a new room of ana's
// whose timer is controlled as control says ("anyone" or "owner"; starter
// rooms keep a rhythm nobody controls); it returns the room and their ids.
func togetherUnder(t *testing.T, control string, ana, ben *browser) (room, anaID, benID string) {
	t.Helper()
	startAll(t, ana, ben)
	anaID, benID = ana.userID(), ben.userID()
	room = eval[string](ana, fmt.Sprintf(`fetch('/api/rooms', {
		method: 'POST', headers: { 'Content-Type': 'application/json' },
		body: JSON.stringify({ name: 'Our table', category: 'study', timerControl: %s }),
	}).then((r) => r.json()).then((r) => r.id)`, jsString(control)))
	for _, b := range []*browser{ana, ben} {
		b.open("/room/" + room)
		b.visible(tid("room-title"))
	}
	ana.visible(tileOf(benID))
	ben.visible(tileOf(anaID))
	return room, anaID, benID
}

// timerView is what one person's countdown shows.
type timerView struct {
	State   string `json:"state"`
	Text    string `json:"text"`
	Seconds int
}

// readTimers reads the countdown of every browser at the same moment (one
// goroutine each), so that they can be compared.
func readTimers(t *testing.T, bs ...*browser) []timerView {
	t.Helper()
	views := make([]timerView, len(bs))
	errs := make([]error, len(bs))
	var wg sync.WaitGroup
	for i, b := range bs {
		wg.Go(func() {
			ctx, cancel := context.WithTimeout(b.ctx, waitTimeout)
			defer cancel()
			v, err := chromedp.Run(ctx, chromedp.Evaluate[timerView](
				`(() => { const el = document.querySelector('[data-testid="timer-remaining"]'); return { state: el.dataset.state, text: el.textContent }; })()`))
			if err == nil {
				v.Seconds, err = clockSeconds(v.Text)
			}
			views[i], errs[i] = v, err
		})
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		t.Fatalf("reading the timers: %v", err)
	}
	return views
}

// clockSeconds parses the countdown's M:SS or H:MM:SS.
func clockSeconds(s string) (int, error) {
	total := 0
	for part := range strings.SplitSeq(strings.TrimSpace(s), ":") {
		n, err := strconv.Atoi(part)
		if err != nil {
			return 0, fmt.Errorf("countdown %q: %w", s, err)
		}
		total = total*60 + n
	}
	return total, nil
}

// sameTimer checks that everyone's countdown is in state and within one
// second of each other's (a running countdown may tick between two reads).
func sameTimer(t *testing.T, state string, bs ...*browser) []timerView {
	t.Helper()
	for _, b := range bs {
		b.waitFor("the timer to be "+state, fmt.Sprintf(
			`document.querySelector('[data-testid="timer-remaining"]')?.dataset.state === %s`, jsString(state)))
	}
	views := readTimers(t, bs...)
	for i, v := range views[1:] {
		d := v.Seconds - views[0].Seconds
		if v.State != state || d < -1 || d > 1 {
			t.Errorf("%s shows %s %q, %s shows %s %q: want the same %s timer within 1 s",
				bs[0].name, views[0].State, views[0].Text, bs[i+1].name, v.State, v.Text, state)
		}
	}
	return views
}

// TestRoomTogether: in a room, my status, the shared timer, a focus session
// and hiding someone show on the other person's screen (or stay mine), live.
// Ben's device clock is two minutes fast: the countdown follows the server's
// clock (serverTime), so both still show the same time.
func TestRoomTogether(t *testing.T) {
	t.Parallel()
	srv := startServer(t)
	ana, ben := newBrowser(t, srv, "ana"), newBrowser(t, srv, "ben")
	ben.skewClock(2 * time.Minute)
	_, anaID, benID := togetherUnder(t, "anyone", ana, ben)
	if skew := eval[int](ben, `Date.now() - new Date().getTime()`); skew < 119_000 || skew > 121_000 {
		t.Fatalf("ben's clock is off by %d ms, want 2 minutes", skew)
	}

	// My status, on the other person's tile.
	ana.clickLabel(tid("status-break"))
	ben.visible(tileOf(anaID) + `[data-status="break"]`)
	ben.waitText(tileOf(anaID)+" "+tid("participant-status"), "On a break")
	ana.clickLabel(tid("status-working"))
	ben.visible(tileOf(anaID) + `[data-status="working"]`)

	// The shared timer: a preset, pause, resume and reset, the same on both screens.
	ana.click(tid("timer-more"))
	ana.click(tid("timer-start-break-5"))
	v := sameTimer(t, "running", ana, ben)
	if s := v[0].Seconds; s > 5*60 || s < 5*60-15 {
		t.Errorf("a 5-minute break shows %q", v[0].Text)
	}
	ben.waitText(tid("timer-label"), "Break")

	ben.click(tid("timer-pause"))
	v = sameTimer(t, "paused", ana, ben)
	if v[0].Text != v[1].Text {
		t.Errorf("paused, ana shows %q and ben %q; want the same", v[0].Text, v[1].Text)
	}
	ana.waitText(tid("timer-label"), "paused")

	ana.click(tid("timer-resume"))
	sameTimer(t, "running", ana, ben)

	ben.click(tid("timer-reset"))
	sameTimer(t, "idle", ana, ben)
	ana.visible(tid("timer-start-primary"))

	// The big button starts a 25-minute focus for both.
	ben.click(tid("timer-start-primary"))
	v = sameTimer(t, "running", ana, ben)
	if s := v[0].Seconds; s > 25*60 || s < 25*60-15 {
		t.Errorf("a 25-minute focus shows %q", v[0].Text)
	}

	// A focus session: goals shared with the room, progress, then complete
	// with what got done and a rating.
	ana.typeInto("#goal-0", "Write the intro")
	ana.click(tid("add-goal"))
	ana.typeInto("#goal-1", "Reply to Sam")
	ana.click(tid("share-goals"))
	ana.click(tid("start-focus"))
	ana.visible(tid("complete-session"))

	anaTile := tileOf(anaID)
	ben.waitText(anaTile+" "+tid("participant-progress"), "0%")
	ben.waitText(anaTile, "Write the intro")
	ben.waitText(anaTile, "Reply to Sam")

	// Progress by keyboard: ten steps of 5 %.
	ana.do(chromedp.Focus(chromedp.CSS(tid("progress-slider"))))
	for range 10 {
		ana.do(chromedp.KeyEvent(kb.ArrowRight))
	}
	ben.waitText(anaTile+" "+tid("participant-progress"), "50%")

	ana.click(tid("complete-session"))
	ana.visible(tid("complete-dialog"))
	ana.click(tid("complete-dialog") + ` fieldset input[type="checkbox"]`) // the first goal: done
	ana.typeInto(tid("achievements"), "Outlined part two")
	ana.clickLabel(tid("rating-4"))
	ana.click(tid("complete-submit"))
	ana.waitText(tid("focus-done"), "Nice work")
	ana.gone(tid("complete-dialog") + "[open]")
	ben.gone(anaTile + " " + tid("participant-progress"))

	type session struct {
		Goals        []string `json:"goals"`
		Achievements []string `json:"achievements"`
		Rating       *int     `json:"rating"`
		IsCompleted  bool     `json:"isCompleted"`
	}
	h := eval[struct {
		Sessions []session `json:"sessions"`
	}](ana, `fetch('/api/sessions/history').then((r) => r.json())`)
	if len(h.Sessions) != 1 {
		t.Fatalf("history has %d sessions, want 1", len(h.Sessions))
	}
	s := h.Sessions[0]
	if !s.IsCompleted || s.Rating == nil || *s.Rating != 4 ||
		!slices.Equal(s.Achievements, []string{"Write the intro", "Outlined part two"}) ||
		!slices.Equal(s.Goals, []string{"Write the intro", "Reply to Sam"}) {
		t.Errorf("the saved session is %+v", s)
	}

	// Hiding someone is mine alone, and remembered.
	benTile := tileOf(benID)
	ana.click(benTile + " " + tid("hide-participant"))
	ana.visible(benTile + `[data-hidden="true"]`)
	if n := ana.count(benTile + " " + tid("participant-name")); n != 0 {
		t.Errorf("ben's hidden tile still shows his name")
	}
	// Local and remembered: a reload rejoins the room with ben still hidden.
	ana.reload()
	ana.visible(tid("room-title"))
	ana.visible(benTile + `[data-hidden="true"]`)
	// Ben is not told, and still sees ana.
	ben.visible(tileOf(anaID) + " " + tid("participant-name"))
	ana.click(benTile + " " + tid("show-participant"))
	ana.visible(benTile + " " + tid("participant-name"))

	// Leaving tells the room at once.
	ana.click(tid("leave-room"))
	ana.visible(tid("find-room"))
	if p := ana.path(); p != "/lobby" {
		t.Errorf("after Leave ana is at %s, want /lobby", p)
	}
	ben.gone(tileOf(anaID))
	if n := ben.count(tid("participant-tile")); n != 1 {
		t.Errorf("after ana left ben sees %d tiles, want 1", n)
	}
}

package e2e

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"
)

// lobbyRoom is what these tests read of a Room.
type lobbyRoom struct {
	ID              string `json:"id"`
	CreatedBy       string `json:"createdBy"`
	CurrentCapacity int    `json:"currentCapacity"`
	TimerControl    string `json:"timerControl"`
	Visibility      string `json:"visibility"`
	Cycle           *struct {
		Work  int `json:"work"`
		Break int `json:"break"`
	} `json:"cycle"`
}

// kolkata is UTC+5:30 all year: a local time that is neither UTC nor on the hour.
var kolkata = time.FixedZone("Asia/Kolkata", 5*3600+1800)

// inKolkata makes b's pages keep Kolkata time with 24-hour British clock faces.
func (b *browser) inKolkata() {
	b.t.Helper()
	b.do(chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		if _, err := cdp.Call(ctx, t, emulation.SetTimezoneOverride, emulation.SetTimezoneOverrideParams{TimezoneID: "Asia/Kolkata"}); err != nil {
			return err
		}
		_, err := cdp.Call(ctx, t, emulation.SetLocaleOverride, emulation.SetLocaleOverrideParams{Locale: "en_GB"})
		return err
	}))
}

// rhythmAt is what the lobby says of a work/break cycle at now: work phases
// start at every whole multiple of work+break minutes since the Unix epoch.
func rhythmAt(work, brk int, now time.Time) string {
	period := int64(work+brk) * 60_000
	ms := now.UnixMilli()
	start := ms / period * period
	workEnd := start + int64(work)*60_000
	if ms < workEnd {
		return fmt.Sprintf("block running · %d min left", (workEnd-ms+59_999)/60_000)
	}
	return "next block " + time.UnixMilli(start+period).In(kolkata).Format("15:04")
}

// roomOf reads room id through b's session.
func roomOf(b *browser, id string) lobbyRoom {
	b.t.Helper()
	return eval[lobbyRoom](b, fmt.Sprintf(`fetch('/api/rooms/' + %s).then((r) => r.json())`, jsString(id)))
}

// TestLobbyNextBlock: each starter room's card says when its next block
// starts, in local time, or how long the running one has left, as the
// contract's clock-aligned cycle has it. Two devices whose clocks stand
// at minute 57 and minute 10 of an hour see both: at :57 every starter
// room (25/5 and 50/10) is on a break, at :10 every one is in a block.
func TestLobbyNextBlock(t *testing.T) {
	t.Parallel()
	srv := startServer(t)
	for _, minute := range []int{57, 10} {
		now := time.Now()
		at := now.UTC().Truncate(time.Hour).Add(time.Duration(minute) * time.Minute)
		if at.Before(now) {
			at = at.Add(time.Hour)
		}
		skew := at.Sub(now)
		b := newBrowser(t, srv, fmt.Sprintf("ana-at-%d", minute))
		b.inKolkata()
		b.skewClock(skew)
		b.startAnonymously()
		b.visible(tid("room-next-block"))
		checkNextBlocks(t, b, skew, minute == 57)
	}
}

// checkNextBlocks compares every starter room's line in b's lobby with the
// cycle's arithmetic at b's clock (skewed by skew); onBreak says which kind
// of line every one must be.
func checkNextBlocks(t *testing.T, b *browser, skew time.Duration, onBreak bool) {
	t.Helper()
	from := time.Now().Add(skew - 16*time.Second) // the lobby refreshes the line every 15 s
	rooms := eval[struct {
		Rooms []lobbyRoom `json:"rooms"`
	}](b, `fetch('/api/rooms?limit=100').then((r) => r.json())`).Rooms
	shown := eval[map[string]string](b, `Object.fromEntries([...document.querySelectorAll('[data-testid="room-card"]')].map((c) => {
		const n = c.querySelector('[data-testid="room-next-block"]');
		return [c.dataset.roomId, n ? n.textContent : ''];
	}))`)
	to := time.Now().Add(skew + time.Second)

	starters := 0
	for _, r := range rooms {
		if r.CreatedBy != "" {
			continue
		}
		starters++
		if r.Cycle == nil {
			t.Errorf("starter room %s has no cycle", r.ID)
			continue
		}
		got, ok := shown[r.ID]
		if !ok {
			t.Errorf("%s: starter room %s is not in the lobby", b.name, r.ID)
			continue
		}
		if kind := strings.HasPrefix(got, "next block "); kind != onBreak {
			t.Errorf("%s: starter room %s (%d/%d) says %q; want a next block: %v", b.name, r.ID, r.Cycle.Work, r.Cycle.Break, got, onBreak)
		}
		want := map[string]bool{}
		for at := from; !at.After(to); at = at.Add(time.Second) {
			want[rhythmAt(r.Cycle.Work, r.Cycle.Break, at)] = true
		}
		if !want[got] {
			t.Errorf("%s: starter room %s (%d/%d) says %q, want one of %v", b.name, r.ID, r.Cycle.Work, r.Cycle.Break, got, want)
		}
	}
	if starters == 0 {
		t.Fatalf("%s: no starter rooms listed", b.name)
	}
}

// TestLobbyCreatedRooms: the create form sends the rhythm and visibility
// chosen; a room someone created is hidden from others' lobbies while it
// is empty, but still shown to its creator.
func TestLobbyCreatedRooms(t *testing.T) {
	t.Parallel()
	srv := startServer(t)
	ana, ben := newBrowser(t, srv, "ana"), newBrowser(t, srv, "ben")
	startAll(t, ana, ben)
	benID := ben.userID()

	create := func(name, rhythm string, unlisted bool) lobbyRoom {
		t.Helper()
		ben.click(tid("create-room-open"))
		ben.visible(tid("create-room-form"))
		ben.setField("#room-name", name)
		ben.clickLabel(tid("create-room-rhythm-" + rhythm))
		if unlisted {
			ben.clickLabel(tid("create-room-unlisted"))
		}
		ben.click(tid("create-room-submit"))
		id := strings.TrimPrefix(ben.waitPath("/room/"), "/room/")
		ben.waitText(tid("room-title"), name)
		return roomOf(ben, id)
	}

	// A 50/10 rhythm, listed.
	r := create("Thesis sprints", "cycle-50", false)
	if r.Cycle == nil || r.Cycle.Work != 50 || r.Cycle.Break != 10 || r.Visibility != "public" || r.TimerControl != "owner" || r.CreatedBy != benID {
		t.Errorf("the rhythm room is %+v, want a 50/10 cycle, public, by ben", r)
	}

	// Ben leaves: empty, it is gone from ana's lobby but not from his.
	ben.click(tid("leave-room"))
	ben.waitPath("/lobby")
	ana.waitFor("the room to be empty", fmt.Sprintf(`fetch('/api/rooms/' + %s).then((r) => r.json()).then((r) => r.currentCapacity === 0)`, jsString(r.ID)))
	card := fmt.Sprintf(`%s[data-room-id=%q]`, tid("room-card"), r.ID)
	ben.visible(card)
	ben.visible(card + " " + tid("room-next-block"))
	ana.open("/lobby")
	ana.visible(tid("room-card"))
	if n := ana.count(card); n != 0 {
		t.Errorf("ana's lobby lists ben's empty room")
	}

	// Once someone is in it, others see it again.
	ana.open("/room/" + r.ID)
	ana.waitText(tid("room-title"), "Thesis sprints")
	ben.reload()
	ben.visible(card)
	ben.waitText(card+" "+tid("room-occupancy"), "1 of")

	// Anyone controls the timer, link only.
	ben.open("/lobby")
	r2 := create("Open desk", "anyone", true)
	if r2.Cycle != nil || r2.TimerControl != "anyone" || r2.Visibility != "unlisted" {
		t.Errorf("the second room is %+v, want no cycle, anyone controls the timer, unlisted", r2)
	}
	ben.open("/lobby")
	r3 := create("Quiet corner", "owner", false)
	if r3.Cycle != nil || r3.TimerControl != "owner" || r3.Visibility != "public" {
		t.Errorf("the third room is %+v, want no cycle, only the owner controls the timer, public", r3)
	}
}

// TestLobbyHistoryUnreachable: with the server stopped and the device
// online, History and the lobby say Body Double can't be reached (offline
// only while the network is gone), never "check your connection", and
// both recover by themselves once it is back; a setting changed meanwhile
// is saved by itself once the server answers.
func TestLobbyHistoryUnreachable(t *testing.T) {
	t.Parallel()
	srv := startServer(t)
	b := newBrowser(t, srv, "ana")
	b.startAnonymously()
	eval[bool](b, `navigator.serviceWorker.ready.then((r) => !!r.active)`)
	b.visible(tid("room-card"))

	calm := func(sel string) {
		t.Helper()
		b.visible(sel)
		b.waitText(sel, "Can't reach Body Double")
		if s := strings.ToLower(b.text(sel)); strings.Contains(s, "offline") || strings.Contains(s, "check your connection") {
			t.Errorf("with the device online %s says %q", sel, s)
		}
		b.setOffline(true)
		b.waitText(sel, "You're offline")
		b.setOffline(false) // at once on 'online': a try, and the backoff starts over
		b.waitText(sel, "Can't reach Body Double")
	}

	srv.stop()
	b.click(tid("nav-history"))
	calm(tid("history-problem"))
	srv.start()
	b.gone(tid("history-problem"))
	b.visible(tid("stats-week"))

	srv.stop()
	b.click(tid("nav-lobby"))
	calm(tid("lobby-problem"))
	srv.start()
	b.gone(tid("lobby-problem"))
	b.visible(tid("room-card"))

	// Settings: the chime muted while the server is away is saved once it is back.
	b.click(tid("nav-settings"))
	b.visible(tid("setting-sound"))
	srv.stop()
	b.click(tid("setting-sound"))
	b.waitText(tid("settings-status"), "Can't reach Body Double right now. We'll save this once it answers.")
	b.setOffline(true)
	b.waitText(tid("settings-status"), "You're offline. We'll save this when your connection is back.")
	b.setOffline(false)
	srv.start()
	b.waitText(tid("settings-status"), "Saved.")
	b.waitFor("the server to keep the chime off", `fetch('/api/users/preferences').then((r) => r.json()).then((p) => p.notificationSettings.sound === false)`)
}

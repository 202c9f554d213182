package e2e

import (
	"fmt"
	"slices"
	"testing"

	"github.com/bodydouble/bodydouble/internal/rooms"
)

// TestLobbyPaging: with 125 rooms (the five starter rooms and 120 that ana
// creates) the lobby shows the first 100, the rooms with people first, and
// "Show more rooms" brings the rest, each once; "Hide full rooms" leaves out
// the full one and the category filter narrows the list, paging still.
func TestLobbyPaging(t *testing.T) {
	t.Parallel()
	srv := startServer(t)
	ana, ben, cy := newBrowser(t, srv, "ana"), newBrowser(t, srv, "ben"), newBrowser(t, srv, "cy")
	startAll(t, ana, ben, cy)

	// ana creates the rooms, so the lobby lists them although most are empty
	// (it leaves out others' empty rooms). Categories take turns.
	cats := []string{"deep-work", "study", "creative", "admin", "chores"}
	made := eval[[]string](ana, fmt.Sprintf(`(async () => {
		const cats = JSON.parse(%s), ids = [];
		for (let i = 0; i < 120; i++) {
			const r = await fetch('/api/rooms', { method: 'POST', headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
				body: JSON.stringify({ name: 'Paged ' + i, category: cats[i %% cats.length], maxCapacity: 2 }) });
			if (r.status !== 201) throw new Error('create ' + i + ': ' + r.status);
			ids.push((await r.json()).id);
		}
		return ids;
	})()`, jsString(`["deep-work","study","creative","admin","chores"]`)))
	all := slices.Clone(made)
	for _, r := range rooms.StarterRooms() {
		all = append(all, r.ID)
	}
	slices.Sort(all)

	// People in three of the newest rooms (the created order would put
	// them last): ben and ana fill room 119 (two seats), cy sits in 90.
	full, one := made[119], made[90]
	enter := func(b *browser, id string) {
		b.open("/room/" + id)
		b.visible(tid("room-title"))
	}
	enter(ben, full)
	enter(cy, one)
	enter(ana, full)
	ana.click(tid("nav-lobby"))
	ana.visible(tid("room-bar"))

	cards := fmt.Sprintf(`[...document.querySelectorAll(%s)].map((c) => c.dataset.roomId)`, jsString(tid("room-card")))
	shown := func() []string { return eval[[]string](ana, cards) }
	waitCount := func(n int) {
		t.Helper()
		ana.waitFor(fmt.Sprintf("%d room cards", n), fmt.Sprintf(`%s.length === %d`, cards, n))
	}
	// pageThrough clicks "Show more rooms" until it is gone and returns every card's room.
	pageThrough := func(first, total int) []string {
		t.Helper()
		waitCount(first)
		for n := first; n < total; {
			ana.click(tid("rooms-more"))
			n = min(n+100, total)
			waitCount(n)
		}
		ana.gone(tid("rooms-more"))
		return shown()
	}

	// The first page: 100 rooms, the busiest first, then "Show more rooms".
	waitCount(100)
	busy := eval[[]string](ana, fmt.Sprintf(`[...document.querySelectorAll('[data-testid="rooms-busy"] %s')].map((c) => c.dataset.roomId)`, tid("room-card")))
	if !slices.Equal(busy, []string{full, one}) {
		t.Errorf("working now: %v, want the full room %s then %s", busy, full, one)
	}
	ana.visible(tid("rooms-more"))
	got := pageThrough(100, len(all))
	slices.Sort(got)
	if !slices.Equal(got, all) {
		t.Errorf("paged through %d rooms, want all %d once:\n got  %v\n want %v", len(got), len(all), got, all)
	}

	// Without full rooms: a fresh first page, and the rest but the full one.
	ana.click(tid("lobby-hide-full"))
	ana.waitFor("the full room gone", fmt.Sprintf(`!document.querySelector('[data-room-id=%q]')`, full))
	got = pageThrough(100, len(all)-1)
	if slices.Contains(got, full) || len(got) != len(all)-1 {
		t.Errorf("without full rooms: %d rooms, full room listed: %v", len(got), slices.Contains(got, full))
	}

	// One category: 24 of ana's rooms and the starter room, one page.
	eval[bool](ana, fmt.Sprintf(`(() => {
		const el = document.querySelector(%s);
		el.value = 'study';
		el.dispatchEvent(new Event('change', { bubbles: true }));
		return true;
	})()`, jsString(tid("lobby-category"))))
	waitCount(25)
	ana.gone(tid("rooms-more"))
	for i, id := range made {
		if cats[i%len(cats)] == "study" && !slices.Contains(shown(), id) {
			t.Errorf("study room %d (%s) is not listed", i, id)
		}
	}
}

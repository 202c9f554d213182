package e2e

import (
	"fmt"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// TestReconnect: the server restarts (same address, same data) while two
// people are in a room. Each sees "Reconnecting…", then the room again,
// rejoined on its own, with one tile per person and the shared timer still
// running. The only console errors are the refused connections while the
// server is down: the server's goodbye (close 1012) is a clean close.
func TestReconnect(t *testing.T) {
	t.Parallel()
	srv := startServer(t)
	ana, ben := newBrowser(t, srv, "ana"), newBrowser(t, srv, "ben")
	room, anaID, benID := togetherUnder(t, "anyone", ana, ben)
	ana.click(tid("timer-start-primary"))
	sameTimer(t, "running", ana, ben)

	srv.stop()
	for _, b := range []*browser{ana, ben} {
		b.visible(tid("reconnecting"))
		b.waitText(tid("reconnecting"), "Reconnecting…")
	}
	ana.checkScreen("reconnecting")
	srv.start()

	tiles := jsString(tid("participant-tile"))
	for _, b := range []*browser{ana, ben} {
		b.gone(tid("reconnecting"))
		b.visible(tid("room-title"))
		if p := b.path(); p != "/room/"+room {
			t.Errorf("%s is at %s after reconnecting, want /room/%s", b.name, p, room)
		}
		// Rejoined: the snapshot holds both, each once.
		b.waitFor("both tiles after the rejoin", fmt.Sprintf(
			`document.querySelectorAll(%s).length === 2`, tiles))
		ids := eval[[]string](b, fmt.Sprintf(
			`[...document.querySelectorAll(%s)].map((e) => e.dataset.participantId).sort()`, tiles))
		want := []string{anaID, benID}
		if anaID > benID {
			want = []string{benID, anaID}
		}
		if len(ids) != 2 || ids[0] != want[0] || ids[1] != want[1] {
			t.Errorf("%s sees tiles %v, want %v", b.name, ids, want)
		}
	}
	// The timer was kept by the server across the restart.
	sameTimer(t, "running", ana, ben)

	// And the room is live again: a change still reaches the other, once.
	ben.clickLabel(tid("status-away"))
	ana.visible(tileOf(benID) + `[data-status="away"]`)
	if n := ana.count(tileOf(benID)); n != 1 {
		t.Errorf("ana sees ben's tile %d times, want once", n)
	}

	for _, b := range []*browser{ana, ben} {
		b.flushConsole()
		for _, m := range b.console() {
			refused := strings.Contains(m.Text, "ERR_CONNECTION_REFUSED")
			if (m.Type == chromedp.ConsoleError || m.Type == chromedp.ConsoleException) && !refused {
				t.Errorf("%s console %s: %s (%s:%d)", b.name, m.Type, m, m.URL, m.Line+1)
			}
		}
	}
}

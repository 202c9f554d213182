package e2e

import (
	"fmt"
	"github.com/chromedp/chromedp"
	"regexp"
	"strings"
	"testing"
)

// pagePost sends a JSON POST from b's page (its session cookie, its Origin)
// and returns the answer's status and body.
func (b *browser) pagePost(path string, body string) (int, map[string]any) {
	b.t.Helper()
	out := eval[struct {
		Status int            `json:"status"`
		Body   map[string]any `json:"body"`
	}](b, fmt.Sprintf(`fetch(%s, { method: 'POST', headers: { 'Content-Type': 'application/json', Accept: 'application/json' }, body: %s })
		.then(async (r) => ({ status: r.status, body: await r.json() }))`, jsString(path), jsString(body)))
	return out.Status, out.Body
}

// recordAll makes b's page keep, in window[key], every element matching sel
// that ever appears (as its outerHTML), and every text the announcer says,
// in window.__said; a negative check then covers the whole time, not only
// the moment it reads.
func (b *browser) recordAll(key, sel string) {
	b.t.Helper()
	eval[bool](b, fmt.Sprintf(`(() => {
		window[%[1]s] = [];
		window.__said = window.__said || [];
		const seen = () => {
			for (const el of document.querySelectorAll(%[2]s)) window[%[1]s].push(el.outerHTML);
			const a = document.querySelector('[data-testid="announcer"]');
			if (a && a.textContent) window.__said.push(a.textContent);
		};
		new MutationObserver(seen).observe(document.body, { subtree: true, childList: true, characterData: true, attributes: true });
		return true;
	})()`, jsString(key), jsString(sel)))
}

// TestCompanyTiles: alone in a room, ana is invited rather than apologised
// to; when ben arrives, her screen marks him as just joined; his shared goal
// and the time left in his planned block show on his tile; when he
// finishes, his tile says so.
func TestCompanyTiles(t *testing.T) {
	t.Parallel()
	srv := startServer(t)
	ana, ben := newBrowser(t, srv, "ana"), newBrowser(t, srv, "ben")
	startAll(t, ana, ben)
	anaID, benID := ana.userID(), ben.userID()

	room := ana.findRoom()
	ana.waitText("#people-title", "You're the first one here")
	ana.visible(tid("room-alone"))
	ana.visible(tid("copy-invite")) // the invite link is right there

	if got := ben.findRoom(); got != room {
		t.Fatalf("ben is in %s, ana in %s", got, room)
	}
	benTile := tileOf(benID)
	ana.visible(benTile)
	ana.gone(tid("room-alone"))
	ana.waitFor("ben marked as just joined", fmt.Sprintf(`(() => { const m = document.querySelector(%s);
		return !!m && m.dataset.mark === 'joined' && m.textContent.includes('Just joined'); })()`, jsString(benTile+" "+tid("participant-mark"))))
	if n := ana.count(tileOf(anaID) + " " + tid("participant-mark")); n != 0 {
		t.Errorf("ana's own tile carries a mark (%d), want none", n)
	}

	// Ben starts a 25-minute block with a shared goal.
	goal := "Draft the grant report"
	status, session := ben.pagePost("/api/sessions", fmt.Sprintf(`{"roomId": %q, "goals": [%q], "shareGoals": true, "plannedMinutes": 25}`, room, goal))
	if status != 201 {
		t.Fatalf("POST /api/sessions: %d %v", status, session)
	}
	ana.waitText(benTile, goal)
	ana.visible(benTile + " " + tid("participant-block"))
	left := ana.text(benTile + " " + tid("participant-block"))
	if m := regexp.MustCompile(`^(\d+) min left$`).FindStringSubmatch(left); m == nil || (m[1] != "25" && m[1] != "24") {
		t.Errorf("ben's tile says %q about his block, want 25 (or 24) min left", left)
	}
	if d := eval[string](ana, fmt.Sprintf(`[...document.querySelectorAll(%s)].find((el) => el.textContent === %s).getAttribute('dir')`,
		jsString(benTile+" [data-user-text]"), jsString(goal))); d != "auto" {
		t.Errorf("the goal's dir is %q, want auto", d)
	}

	// An open-ended block shows quietly, without a length.
	if status, body := ana.pagePost("/api/sessions", fmt.Sprintf(`{"roomId": %q, "goals": []}`, room)); status != 201 {
		t.Fatalf("ana's open-ended session: %d %v", status, body)
	}
	ben.waitText(tileOf(anaID)+" "+tid("participant-block"), "in a block")

	// Ben finishes: his tile says so on ana's screen.
	id, _ := session["id"].(string)
	if status, body := ben.pagePost("/api/sessions/"+id+"/complete", `{"achievements": ["First section"], "rating": 4}`); status != 200 {
		t.Fatalf("complete: %d %v", status, body)
	}
	ana.gone(benTile + " " + tid("participant-block"))
	ana.waitFor("ben marked as having finished a block", fmt.Sprintf(`(() => { const m = document.querySelector(%s);
		return !!m && m.dataset.mark === 'finished' && m.textContent.includes('Finished a block'); })()`, jsString(benTile+" "+tid("participant-mark"))))
}

// TestCompanyReactions: ana cheers ben silently; both see it on ben's tile,
// ben's screen reader hears who cheered him; cleo, who hid ana, never sees
// ana's cheers (while she does see ben's); a burst past the limit makes the
// buttons rest for a moment instead of showing an error, then they are
// ready again.
func TestCompanyReactions(t *testing.T) {
	t.Parallel()
	srv := startServer(t)
	ana, ben, cleo := newBrowser(t, srv, "ana"), newBrowser(t, srv, "ben"), newBrowser(t, srv, "cleo")
	startAll(t, ana, ben, cleo)
	anaID, benID, cleoID := ana.userID(), ben.userID(), cleo.userID()
	room := ana.findRoom()
	for _, b := range []*browser{ben, cleo} {
		if got := b.findRoom(); got != room {
			t.Fatalf("%s is in %s, ana in %s", b.name, got, room)
		}
	}
	for _, b := range []*browser{ana, ben, cleo} {
		b.waitFor("three tiles", fmt.Sprintf(`document.querySelectorAll(%s).length === 3`, jsString(tid("participant-tile"))))
	}
	if n := ana.count(tileOf(anaID) + " " + tid("reactions")); n != 0 {
		t.Errorf("ana can react to herself (%d reaction groups on her tile)", n)
	}

	// Cleo hides ana, then watches every reaction that ever appears.
	cleo.click(tileOf(anaID) + " " + tid("hide-participant"))
	cleo.visible(tileOf(anaID) + `[data-hidden="true"]`)
	fromAna := fmt.Sprintf(`%s[data-from=%q]`, tid("tile-reaction"), anaID)
	cleo.recordAll("__fromAna", fromAna)
	ben.recordAll("__toBen", tid("tile-reaction"))

	ana.click(tileOf(benID) + " " + tid("react-clap"))
	onBen := fmt.Sprintf(`%s %s[data-reaction="clap"][data-from=%q]`, tileOf(benID), tid("tile-reaction"), anaID)
	// Recorded as it appears, so that a slow page cannot miss its few seconds.
	ana.visible(onBen)
	ben.waitFor("ana's clap on ben's tile", fmt.Sprintf(`window.__toBen.some((h) => h.includes('data-reaction="clap"') && h.includes(%s))`, jsString(anaID)))
	anaName := strings.TrimSuffix(ana.text(tileOf(anaID)+" "+tid("participant-name")), " (you)")
	ben.waitFor("the announcer to say ana cheered ben", fmt.Sprintf(`window.__said.some((s) => s === %s)`, jsString(anaName+" cheered you 👏")))
	// Brief: it goes away by itself.
	ben.gone(onBen)

	// Ben cheers cleo: it reaches cleo, after ana's cheer did, so cleo has had
	// every chance to show ana's.
	ben.click(tileOf(cleoID) + " " + tid("react-coffee"))
	cleo.visible(fmt.Sprintf(`%s %s[data-reaction="coffee"][data-from=%q]`, tileOf(cleoID), tid("tile-reaction"), benID))
	if n := eval[int](cleo, `window.__fromAna.length`); n != 0 {
		t.Errorf("cleo, who hid ana, saw ana's reaction %d times", n)
	}

	// Past the limit (a burst of three), the buttons rest; no error shows.
	group := tileOf(cleoID) + " " + tid("reactions")
	// Three at once (in one script, so no allowance comes back between them).
	ana.visible(group + " " + tid("react-strong"))
	eval[chromedp.Void](ana, fmt.Sprintf(`(() => { const b = document.querySelector(%s); b.click(); b.click(); b.click(); })()`,
		jsString(group+" "+tid("react-strong"))))
	// Resting and its buttons aria-disabled, seen in one look: resting
	// ends by itself, so two looks could straddle its end.
	ana.waitFor("the resting buttons disabled", fmt.Sprintf(`document.querySelector(%s)?.getAttribute('aria-disabled') === 'true'`,
		jsString(group+`[data-resting="true"] `+tid("react-clap"))))
	if n := ana.count(tid("room-notice")); n != 0 {
		t.Errorf("a room notice shows after too many reactions: %q", ana.text(tid("room-notice")))
	}
	ana.visible(group + `[data-resting="false"]`) // ready again by itself
	ana.click(group + " " + tid("react-clap"))
	ana.visible(fmt.Sprintf(`%s %s[data-reaction="clap"][data-from=%q]`, tileOf(cleoID), tid("tile-reaction"), anaID))
}

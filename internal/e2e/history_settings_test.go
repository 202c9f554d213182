package e2e

import (
	"fmt"
	"strings"
	"testing"
)

// completeFocusSession starts a focus session with goal in b's room and
// completes it with the goal done and a rating.
func completeFocusSession(b *browser, goal string, rating int) {
	b.t.Helper()
	b.typeInto("#goal-0", goal)
	b.click(tid("start-focus"))
	b.click(tid("complete-session"))
	b.visible(tid("complete-dialog"))
	b.click(tid("complete-dialog") + ` fieldset input[type="checkbox"]`)
	b.clickLabel(tid(fmt.Sprintf("rating-%d", rating)))
	b.click(tid("complete-submit"))
	b.waitText(tid("focus-done"), "Nice work")
}

// TestHistory: a completed focus session shows in History with the stats
// and the 14-day chart.
func TestHistory(t *testing.T) {
	t.Parallel()
	srv := startServer(t)
	b := newBrowser(t, srv, "ana")
	b.startAnonymously()
	b.findRoom()
	completeFocusSession(b, "Pay the gas bill", 5)

	b.click(tid("nav-history"))
	b.visible(tid("session-item"))
	if n := b.count(tid("session-item")); n != 1 {
		t.Errorf("History lists %d sessions, want 1", n)
	}
	item := b.text(tid("session-item"))
	for _, want := range []string{"Pay the gas bill", "Completed", "focus 5/5"} {
		if !strings.Contains(item, want) {
			t.Errorf("the session in History says %q; want it to mention %q", item, want)
		}
	}
	b.visible(tid("stats-week"))
	if got := b.text(tid("stats-completion")); !strings.Contains(got, "100%") || !strings.Contains(got, "1 of 1") {
		t.Errorf("completion rate says %q, want 100%% and 1 of 1", got)
	}
	if got := b.text(tid("stats-streak")); !strings.Contains(got, "day") {
		t.Errorf("streak says %q", got)
	}
	if got := b.text(tid("stats-week")); !strings.Contains(got, "Focus this week") {
		t.Errorf("week stat says %q", got)
	}
	// The chart: one bar and one day label per day, 14 days.
	bars := b.count(tid("history-chart") + " rect")
	labels := b.count(tid("history-chart") + " text")
	if bars != 14 || labels != 14 {
		t.Errorf("the chart has %d bars and %d labels, want 14 of each", bars, labels)
	}
	if rows := b.count(`figure table tbody tr`); rows != 14 {
		t.Errorf("the chart's table has %d rows, want 14", rows)
	}
}

// TestSettingsDisplay: the accessibility settings turn classes on <html> on
// and off at once, and they are kept (a reload, a new visit).
func TestSettingsDisplay(t *testing.T) {
	t.Parallel()
	srv := startServer(t)
	b := newBrowser(t, srv, "ana")
	b.startAnonymously()
	b.click(tid("nav-settings"))
	b.visible(tid("setting-high-contrast"))

	hasClass := func(c string) string {
		return fmt.Sprintf(`document.documentElement.classList.contains(%s)`, jsString(c))
	}
	b.click(tid("setting-high-contrast"))
	b.waitFor("the hc class", hasClass("hc"))
	b.click(tid("setting-larger-text"))
	b.waitFor("the text-large class", hasClass("text-large"))
	b.clickLabel(tid("motion-reduce"))
	b.waitFor("the reduce-motion class", hasClass("reduce-motion"))
	b.waitText(tid("settings-status"), "Saved.")
	// Larger text is larger.
	if px := eval[float64](b, `parseFloat(getComputedStyle(document.documentElement).fontSize)`); px <= 16 {
		t.Errorf("with larger text the root font size is %vpx", px)
	}

	b.reload()
	b.visible(tid("setting-high-contrast"))
	for _, c := range []string{"hc", "text-large", "reduce-motion"} {
		if !eval[bool](b, hasClass(c)) {
			t.Errorf("after a reload <html> lacks %q", c)
		}
	}
	if !eval[bool](b, `document.querySelector('[data-testid="setting-high-contrast"]').checked`) {
		t.Errorf("after a reload High contrast is not ticked")
	}

	b.click(tid("setting-high-contrast"))
	b.waitFor("no hc class", "!"+hasClass("hc"))
	b.clickLabel(tid("motion-no-preference"))
	b.waitFor("allow-motion instead of reduce-motion", hasClass("allow-motion")+" && !"+hasClass("reduce-motion"))
	b.waitText(tid("settings-status"), "Saved.")

	// Kept by the server: the preferences the API returns.
	prefs := eval[struct {
		Accessibility struct {
			ReducedMotion string `json:"reducedMotion"`
			HighContrast  bool   `json:"highContrast"`
			LargerText    bool   `json:"largerText"`
		} `json:"accessibilitySettings"`
	}](b, `fetch('/api/users/preferences').then((r) => r.json())`)
	a := prefs.Accessibility
	if a.ReducedMotion != "no-preference" || a.HighContrast || !a.LargerText {
		t.Errorf("the server keeps %+v", a)
	}
}

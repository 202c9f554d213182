package e2e

import (
	"testing"

	"github.com/chromedp/chromedp"
)

// myNameSel is where the lobby says who you are ("You're <name>.").
const myNameSel = "#lobby-title + p strong"

// TestFirstVisit: one click on "Start anonymously" (no form) lands in the
// lobby; the session survives a reload; the generated name can be changed.
func TestFirstVisit(t *testing.T) {
	t.Parallel()
	srv := startServer(t)
	b := newBrowser(t, srv, "ana")

	b.open("/")
	b.visible(tid("start-anon"))
	if n := b.count("form, input"); n != 0 {
		t.Errorf("the landing page has %d forms or fields; it should be one click", n)
	}
	b.click(tid("start-anon"))
	b.visible(tid("find-room"))
	if got := b.waitPath("/lobby"); got != "/lobby" {
		t.Errorf("after Start anonymously the path is %q, want /lobby", got)
	}
	generated := b.text(myNameSel)
	if generated == "" {
		t.Fatal("the lobby does not say the generated name")
	}

	// The session is a cookie: a reload (also of the landing page) keeps it.
	b.reload()
	b.visible(tid("find-room"))
	if got := b.text(myNameSel); got != generated {
		t.Errorf("after a reload the name is %q, want %q", got, generated)
	}
	b.open("/")
	b.visible(tid("find-room"))
	if got := b.path(); got != "/lobby" {
		t.Errorf("a signed-in visit to / shows %q, want the lobby", got)
	}

	// Change the name in Settings.
	b.click(tid("nav-settings"))
	b.visible(tid("display-name"))
	if got := run(b, chromedp.Value(chromedp.CSS(tid("display-name")))); got != generated {
		t.Errorf("Settings shows the name %q, want %q", got, generated)
	}
	b.setField(tid("display-name"), "")
	b.typeInto(tid("display-name"), "Quiet Otter")
	b.click(tid("save-name"))
	b.waitText("#name-title ~ form [role=status]", "Saved.")
	b.click(tid("nav-lobby"))
	b.waitText(myNameSel, "Quiet Otter")

	// Kept by the server, not just on screen.
	b.reload()
	b.visible(tid("find-room"))
	if got := b.text(myNameSel); got != "Quiet Otter" {
		t.Errorf("after a reload the name is %q, want %q", got, "Quiet Otter")
	}
}

package e2e

import (
	"strings"
	"testing"
)

// TestRenameReachesTheRoom: a person who renames themself in Settings while
// in a room is shown under the new name at once on everyone's screen, their
// own tile included, without anyone rejoining.
func TestRenameReachesTheRoom(t *testing.T) {
	t.Parallel()
	srv := startServer(t)
	ana, ben := newBrowser(t, srv, "ana"), newBrowser(t, srv, "ben")
	_, _, benID := together(t, ana, ben)
	const name = "Night Owl 42"
	if got := ana.text(tileOf(benID)); strings.Contains(got, name) {
		t.Fatalf("ana sees ben's tile as %q before he renamed", got)
	}

	// Ben stays in the room while he is in Settings (the room bar).
	ben.click(tid("nav-settings"))
	ben.visible(tid("display-name"))
	ben.setField(tid("display-name"), name)
	ben.click(tid("save-name"))

	ana.waitText(tileOf(benID), name)
	ben.click(tid("room-bar-back"))
	ben.waitText(tileOf(benID), name)
}

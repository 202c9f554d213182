package e2e

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/google/uuid"

	"github.com/bodydouble/bodydouble/internal/model"
	"github.com/bodydouble/bodydouble/internal/store/sqlstore"
)

// TestScreenshots: three people in a starter room, each in a block with a
// shared goal, as the README shows them; then the end of ana's block with
// its check-in, and her History. scripts/screenshots runs it with
// BODYDOUBLE_SCREENSHOTS=1 to write docs/screenshots/readme-*.png; without
// it, it is one more three-person test of the focus loop.
func TestScreenshots(t *testing.T) {
	t.Parallel()
	srv := startServer(t)
	ana, ben, cleo := newBrowser(t, srv, "ana"), newBrowser(t, srv, "ben"), newBrowser(t, srv, "cleo")
	startAll(t, ana, ben, cleo)
	room := ana.findRoom()
	for _, b := range []*browser{ben, cleo} {
		b.open("/room/" + room)
		b.visible(tid("room-title"))
	}
	goals := map[*browser]string{
		ana:  "Draft the grant intro",
		ben:  "Clear the inbox to zero",
		cleo: "Sketch the logo, three ideas",
	}
	for _, b := range []*browser{ben, cleo, ana} {
		b.click(tid("share-goals"))
		startBlock(b, goals[b], 50)
	}
	for _, b := range []*browser{ben, cleo} {
		ana.waitText(tid("participants"), goals[b])
	}
	ana.waitFor("three tiles", fmt.Sprintf(`document.querySelectorAll(%s).length === 3`, jsString(tid("participant-tile"))))
	ana.shot("readme-room")

	// The end of ana's block: her page lives 50 minutes on.
	ana.moveClock(50*time.Minute + time.Second)
	ana.visible(tid("block-done"))
	ana.click(tid("complete-dialog") + ` fieldset input[type="checkbox"]`)
	ana.typeInto(tid("achievements"), "Sent it to Sam for a read")
	ana.clickLabel(tid("rating-4"))
	// The panel alone: the room's clock, moved on with ana's page, would
	// show a phase long over.
	ana.shotOf(tid("focus-panel"), "readme-checkin")
	ana.click(tid("complete-submit"))
	ana.visible(tid("break-remaining"))

	ana.click(tid("nav-history"))
	ana.visible(tid("session-item"))

	// History as someone who came back most days sees it: dana's two
	// weeks of blocks (her page's clock is not moved, so each block shows
	// the minutes it lasted).
	dana := newBrowser(t, srv, "dana")
	dana.startAnonymously()
	dana.open("/room/" + room)
	dana.visible(tid("room-title"))
	seedHistory(t, srv, dana.userID(), room)
	dana.click(tid("nav-history"))
	dana.visible(tid("history-chart"))
	dana.waitFor("the seeded blocks listed", fmt.Sprintf(`document.querySelectorAll(%s).length >= 11`, jsString(tid("session-item"))))
	dana.shot("readme-history")
}

// shotOf saves a screenshot of the first element matching sel, like shot.
func (b *browser) shotOf(sel, name string) {
	b.t.Helper()
	if os.Getenv("BODYDOUBLE_SCREENSHOTS") != "1" {
		return
	}
	png := run(b, chromedp.Screenshot(chromedp.CSS(sel)))
	if err := os.WriteFile(filepath.Join("..", "..", "docs", "screenshots", name+".png"), png, 0o644); err != nil {
		b.t.Fatal(err)
	}
}

// seedHistory writes two weeks of ana's past blocks into the server's
// database, so that History has a streak and a chart to show: what a
// person who came back most days would see. Each is a real session,
// started and completed through the store in the room they are in.
func seedHistory(t *testing.T, srv *server, userID, roomID string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), waitTimeout)
	defer cancel()
	st, err := sqlstore.OpenSQLite(ctx, srv.cfg.DataDir)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	past := []struct {
		daysAgo, minutes, rating int
		goal                     string
	}{
		{13, 25, 3, "Tidy the desk"}, {12, 50, 4, "Read chapter 3"}, {10, 25, 5, "Pay the gas bill"},
		{9, 75, 4, "Write the methods section"}, {8, 25, 3, "Reply to Jo"}, {6, 50, 4, "Fix the bike light"},
		{5, 50, 5, "Plan the week"}, {4, 25, 4, "Book the dentist"}, {3, 75, 5, "Draft the report"},
		{2, 50, 4, "Revise the report"}, {1, 25, 5, "Send the report"},
	}
	today := time.Now().UTC().Truncate(24 * time.Hour).Add(9 * time.Hour)
	for _, p := range past {
		start := today.AddDate(0, 0, -p.daysAgo)
		s, err := st.StartSession(ctx, model.Session{ID: uuid.NewString(), RoomID: roomID, UserID: userID,
			StartedAt: start, Goals: []string{p.goal}, Achievements: []string{}, PlannedMinutes: &p.minutes})
		if err != nil {
			t.Fatal(err)
		}
		rating := p.rating
		if _, err := st.CompleteSession(ctx, s.ID, userID, []string{p.goal}, &rating, start.Add(time.Duration(p.minutes)*time.Minute)); err != nil {
			t.Fatal(err)
		}
	}
}

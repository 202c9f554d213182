package e2e

import (
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"testing"
)

// TestLobbyFindMeARoom: the lobby groups rooms by category with "n of max";
// two people who click "Find me a room" end up in the same room and see each
// other's tiles appear live; the lobby's occupancy follows.
func TestLobbyFindMeARoom(t *testing.T) {
	t.Parallel()
	srv := startServer(t)
	ana, ben := newBrowser(t, srv, "ana"), newBrowser(t, srv, "ben")
	startAll(t, ana, ben)

	// Rooms by category, each with its occupancy.
	ana.visible(tid("room-card"))
	groups := eval[[]struct {
		Heading string   `json:"heading"`
		Counts  []string `json:"counts"`
	}](ana, `[...document.querySelectorAll('section[aria-labelledby^="cat-"]')].map((s) => ({
		heading: s.querySelector('h3').textContent,
		counts: [...s.querySelectorAll('[data-testid="room-occupancy"]')].map((o) => o.textContent.trim()),
	}))`)
	wantHeadings := []string{"Deep work", "Study", "Creative", "Admin", "Chores"}
	if len(groups) != len(wantHeadings) {
		t.Fatalf("the lobby has %d category groups, want %d: %+v", len(groups), len(wantHeadings), groups)
	}
	occupancy := regexp.MustCompile(`^\d+ of \d+ working$`)
	for i, g := range groups {
		if !strings.EqualFold(g.Heading, wantHeadings[i]) {
			t.Errorf("group %d is %q, want %q", i, g.Heading, wantHeadings[i])
		}
		if len(g.Counts) == 0 {
			t.Errorf("group %q has no rooms", g.Heading)
		}
		for _, c := range g.Counts {
			if !occupancy.MatchString(c) {
				t.Errorf("group %q: occupancy %q, want \"n of max working\"", g.Heading, c)
			}
		}
	}

	// Two newcomers, one after the other: the same room.
	anaID, benID := ana.userID(), ben.userID()
	room := ana.findRoom()
	ana.waitFor("ana's own tile", fmt.Sprintf(`document.querySelectorAll(%s).length === 1`, jsString(tid("participant-tile"))))
	if got := ben.findRoom(); got != room {
		t.Fatalf("ben was put in room %s, ana is in %s; want the same room", got, room)
	}
	// Live: ana sees ben arrive without reloading, and ben sees ana.
	ana.visible(tileOf(benID))
	ben.visible(tileOf(anaID))
	for _, b := range []*browser{ana, ben} {
		if n := b.count(tid("participant-tile")); n != 2 {
			t.Errorf("%s sees %d tiles, want 2", b.name, n)
		}
	}
	benName := strings.TrimSuffix(ben.text(tileOf(benID)+" "+tid("participant-name")), " (you)")
	ana.waitText(tileOf(benID)+" "+tid("participant-name"), benName)

	// Back in the lobby (still in the room): the card says 2 are working.
	ben.click(tid("nav-lobby"))
	ben.visible(tid("room-bar"))
	card := fmt.Sprintf(`%s[data-room-id=%q] %s`, tid("room-card"), room, tid("room-occupancy"))
	ben.waitText(card, "2 of 8 working")
	ben.click(tid("room-bar-back"))
	ben.visible(tid("room-title"))
	if n := ben.count(tid("participant-tile")); n != 2 {
		t.Errorf("back in the room ben sees %d tiles, want 2", n)
	}
}

// TestSimultaneousFindMeARoom: two newcomers clicking at the same moment
// still end up together (the server joins atomically).
func TestSimultaneousFindMeARoom(t *testing.T) {
	t.Parallel()
	srv := startServer(t)
	ana, ben := newBrowser(t, srv, "ana"), newBrowser(t, srv, "ben")
	rooms := make([]string, 2)
	var wg sync.WaitGroup
	for _, b := range []*browser{ana, ben} {
		wg.Go(func() {
			b.startAnonymously()
			b.visible(tid("room-card"))
		})
	}
	wg.Wait()
	if t.Failed() {
		t.FailNow()
	}
	// Both click in the same instant (one script turn each, in parallel).
	for i, b := range []*browser{ana, ben} {
		wg.Go(func() { rooms[i] = b.findRoom() })
	}
	wg.Wait()
	if t.Failed() {
		t.FailNow()
	}
	if rooms[0] != rooms[1] {
		t.Fatalf("ana is in %s and ben in %s; want one room", rooms[0], rooms[1])
	}
	for _, b := range []*browser{ana, ben} {
		b.waitFor("two tiles", fmt.Sprintf(`document.querySelectorAll(%s).length === 2`, jsString(tid("participant-tile"))))
	}
}

// TestFullRoom: a full room is marked in the lobby and refuses one more
// person with a clear message and a way on.
func TestFullRoom(t *testing.T) {
	t.Parallel()
	srv := startServer(t)
	owner, guest := newAPIUser(t, srv), newAPIUser(t, srv)
	var room struct {
		ID          string `json:"id"`
		MaxCapacity int    `json:"maxCapacity"`
	}
	if status := owner.call(http.MethodPost, "/api/rooms", map[string]any{
		"name": "Tiny desk", "category": "admin", "maxCapacity": 2,
	}, &room); status != http.StatusCreated {
		t.Fatalf("POST /api/rooms: %d", status)
	}
	for _, u := range []*apiUser{owner, guest} {
		if status := u.call(http.MethodPost, "/api/rooms/"+room.ID+"/join", nil, nil); status != http.StatusOK {
			t.Fatalf("join: %d", status)
		}
	}

	b := newBrowser(t, srv, "cleo")
	b.startAnonymously()
	card := fmt.Sprintf(`%s[data-room-id=%q]`, tid("room-card"), room.ID)
	b.visible(card + " " + tid("room-full"))
	if n := b.count(card + " " + tid("join-room")); n != 0 {
		t.Errorf("the full room's card has a join link")
	}
	if got := b.text(card + " " + tid("room-occupancy")); got != "2 of 2 working" {
		t.Errorf("the full room's card says %q, want \"2 of 2 working\"", got)
	}

	// A shared link to it: refused, with a clear message and a way on.
	b.open("/room/" + room.ID)
	errSel := tid("room-error")
	b.visible(errSel)
	if code := eval[string](b, `document.querySelector('[data-testid="room-error"]').dataset.code`); code != "room_full" {
		t.Errorf("room-error code %q, want room_full", code)
	}
	if msg := b.text(errSel + " [role=alert]"); !strings.Contains(msg, "full") {
		t.Errorf("the refusal says %q; want it to say the room is full", msg)
	}
	b.checkScreen("room-full")
	b.click(errSel + " " + tid("find-room"))
	b.visible(tid("room-title"))
	if got := strings.TrimPrefix(b.path(), "/room/"); got == room.ID {
		t.Errorf("Find me another room went back to the full room")
	}
}

// TestCreateRoomFieldErrors: the create-room form shows the server's own
// messages next to the fields it refused, moves the focus to the first, and
// creates and joins the room once the fields are right.
func TestCreateRoomFieldErrors(t *testing.T) {
	t.Parallel()
	srv := startServer(t)
	b := newBrowser(t, srv, "ana")
	b.startAnonymously()
	b.click(tid("create-room-open"))
	b.visible(tid("create-room-form"))

	// The name field stops at 100 characters; a script is not stopped.
	long := strings.Repeat("n", 101)
	b.setField("#room-name", long)
	b.setField("#room-maxCapacity", "")
	b.typeInto("#room-maxCapacity", "51")
	b.click(tid("create-room-submit"))
	b.visible("#room-name-error")
	b.visible("#room-maxCapacity-error")

	// The very messages the API gives for the same room.
	var p problem
	if status := newAPIUser(t, srv).call(http.MethodPost, "/api/rooms", map[string]any{
		"name": long, "category": "deep-work", "maxCapacity": 51, "micPolicy": "muted",
	}, &p); status != http.StatusBadRequest {
		t.Fatalf("POST /api/rooms with a 101-character name: %d, want 400", status)
	}
	for _, f := range []string{"name", "maxCapacity"} {
		want := p.field(f)
		if want == "" {
			t.Fatalf("the API gave no message for %s: %+v", f, p)
		}
		if got := b.text("#room-" + f + "-error"); got != want {
			t.Errorf("the form says %q under %s, the server said %q", got, f, want)
		}
		if !eval[bool](b, fmt.Sprintf(`(() => { const el = document.getElementById('room-%s');
			return el.getAttribute('aria-invalid') === 'true' && el.getAttribute('aria-describedby').includes('room-%s-error'); })()`, f, f)) {
			t.Errorf("#room-%s is not marked invalid and described by its error", f)
		}
	}
	if id := eval[string](b, `document.activeElement.id`); id != "room-name" {
		t.Errorf("after the refusal the focus is on %q, want the name field", id)
	}

	b.setField("#room-name", "Morning pages")
	b.setField("#room-maxCapacity", "4")
	b.click(tid("create-room-submit"))
	b.waitPath("/room/")
	b.waitText(tid("room-title"), "Morning pages")
	b.waitText("main", "1 of 4 here")
}

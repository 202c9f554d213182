package realtime_test

import (
	"context"
	"testing"
	"time"
)

// TestBlockKeepsSignallingAndReactionsApart: alice blocked bob. Her view
// marks him blocked (his shows nothing of it); signalling between them is
// dropped in silence both ways, and his cheers never reach her.
func TestBlockKeepsSignallingAndReactionsApart(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOptions{})
	ctx := context.Background()
	alice, bob := e.user(t), e.user(t)
	room := e.roomWithMic(t, alice.UserID, "open")
	if err := e.st.Block(ctx, alice.UserID, bob.UserID, time.Now()); err != nil {
		t.Fatal(err)
	}
	a := e.dial(t, alice)
	a.Join(room)
	b := e.dial(t, bob)
	for _, p := range b.Join(room).Field(t, "participants").([]any) {
		if _, ok := p.(map[string]any)["blocked"]; ok {
			t.Fatalf("bob's snapshot shows a block: %v", p)
		}
	}
	joined := a.Expect("participant-joined", "")
	if joined.Field(t, "participant", "id") != bob.UserID || joined.Field(t, "participant", "blocked") != true {
		t.Fatalf("alice's participant-joined %s, want bob marked blocked", joined.Data)
	}

	// bob → alice: no offer arrives and bob gets no answer; the status
	// change he sends next is the next thing either of them hears.
	b.Send("rtc-offer", map[string]any{"roomId": room, "to": alice.UserID, "sdp": videoOnlySDP}, "o")
	b.Send("send-reaction", map[string]any{"roomId": room, "to": alice.UserID, "reaction": "clap"}, "r")
	b.Expect("reaction", "r")
	b.Send("update-presence", map[string]any{"roomId": room, "status": "break"}, "s")
	b.Expect("presence-updated", "s")
	a.Expect("presence-updated", "")
	// alice → bob likewise.
	a.Send("rtc-offer", map[string]any{"roomId": room, "to": bob.UserID, "sdp": videoOnlySDP}, "o")
	a.Send("rtc-ice", map[string]any{"roomId": room, "to": bob.UserID, "candidate": nil}, "i")
	a.Send("update-presence", map[string]any{"roomId": room, "status": "break"}, "s")
	a.Expect("presence-updated", "s")
	b.Expect("presence-updated", "")

	// A later joiner's snapshot marks only the people they blocked.
	cy := e.user(t)
	if err := e.st.Block(ctx, cy.UserID, bob.UserID, time.Now()); err != nil {
		t.Fatal(err)
	}
	c := e.dial(t, cy)
	for _, p := range c.Join(room).Field(t, "participants").([]any) {
		p := p.(map[string]any)
		if want := p["id"] == bob.UserID; (p["blocked"] == true) != want {
			t.Fatalf("cy's snapshot marks %v blocked: %v", p["id"], p["blocked"])
		}
	}
	a.Expect("participant-joined", "")
	b.Expect("participant-joined", "")

	// Unblocking tells alice alone; signalling flows again.
	if err := e.st.Unblock(ctx, alice.UserID, bob.UserID); err != nil {
		t.Fatal(err)
	}
	if err := e.rooms.BlockChanged(ctx, alice.UserID, bob.UserID, false); err != nil {
		t.Fatal(err)
	}
	upd := a.Expect("participant-updated", "")
	if upd.Field(t, "participant", "id") != bob.UserID || upd.Field(t, "participant", "blocked") != nil {
		t.Fatalf("alice's participant-updated %s, want bob unmarked", upd.Data)
	}
	b.Send("rtc-offer", map[string]any{"roomId": room, "to": alice.UserID, "sdp": videoOnlySDP}, "o2")
	if got := a.Expect("rtc-offer", ""); got.Field(t, "from") != bob.UserID {
		t.Fatalf("offer %s", got.Data)
	}
	// bob heard nothing of it: his next frame answers his own request.
	b.Send("update-presence", map[string]any{"roomId": room, "status": "working"}, "s2")
	b.Expect("presence-updated", "s2")
}

// TestBlockChangedMarksForTheBlockerOnly: a block made while both sit in
// one room reaches the blocker's connections as participant-updated.
func TestBlockChangedMarksForTheBlockerOnly(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOptions{})
	ctx := context.Background()
	alice, bob, room, a, b := e.twoInRoom(t)
	if err := e.st.Block(ctx, alice.UserID, bob.UserID, time.Now()); err != nil {
		t.Fatal(err)
	}
	if err := e.rooms.BlockChanged(ctx, alice.UserID, bob.UserID, true); err != nil {
		t.Fatal(err)
	}
	upd := a.Expect("participant-updated", "")
	if upd.Field(t, "participant", "id") != bob.UserID || upd.Field(t, "participant", "blocked") != true {
		t.Fatalf("alice's participant-updated %s, want bob marked", upd.Data)
	}
	b.Send("update-presence", map[string]any{"roomId": room, "status": "away"}, "s")
	b.Expect("presence-updated", "s")
}

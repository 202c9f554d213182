package realtime_test

import (
	"fmt"
	"testing"
	"time"
)

// expectReaction checks the next frame is a reaction from → to.
func expectReaction(t *testing.T, c *client, ref, room, from, to, reaction string) {
	t.Helper()
	m := c.Expect("reaction", ref)
	for k, want := range map[string]string{"roomId": room, "from": from, "to": to, "reaction": reaction} {
		if got := m.Field(t, k); got != want {
			t.Fatalf("reaction %s = %v, want %s: %s", k, got, want, m.Data)
		}
	}
}

// expectInvalid checks the next frame is invalid naming field.
func expectInvalid(t *testing.T, c *client, ref, field string) {
	t.Helper()
	m := c.ExpectError("invalid", ref)
	errs, _ := m.Field(t, "errors").([]any)
	for _, e := range errs {
		if f, _ := e.(map[string]any); f["field"] == field {
			return
		}
	}
	t.Fatalf("invalid does not name %s: %s", field, m.Data)
}

// A reaction reaches every participant with who sent it; the sender's
// copy is the reply to its ref.
func TestReactionReachesTheRoom(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOptions{})
	alice, bob, room, a, b := e.twoInRoom(t)
	carol := e.user(t)
	c := e.dial(t, carol)
	c.Join(room)
	a.Expect("participant-joined", "")
	b.Expect("participant-joined", "")
	for i, r := range []string{"clap", "strong", "coffee"} {
		ref := fmt.Sprint("r", i)
		a.Send("send-reaction", map[string]any{"roomId": room, "to": bob.UserID, "reaction": r}, ref)
		expectReaction(t, a, ref, room, alice.UserID, bob.UserID, r)
		expectReaction(t, b, "", room, alice.UserID, bob.UserID, r)
		expectReaction(t, c, "", room, alice.UserID, bob.UserID, r)
	}
}

// Wrong reactions are refused and reach nobody: an unknown reaction, to
// oneself, to someone in another room or in none, to no one, and from a
// socket that is not in the room. A mistake costs no allowance.
func TestReactionRefusals(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOptions{})
	alice, bob, room, a, b := e.twoInRoom(t)
	stranger, nobody := e.user(t), e.user(t)
	elsewhere := e.dial(t, stranger)
	elsewhere.Join(e.room(t, stranger, 8))
	send := func(ref string, data map[string]any) {
		data["roomId"] = room
		a.Send("send-reaction", data, ref)
	}
	send("unknown", map[string]any{"to": bob.UserID, "reaction": "heart"})
	expectInvalid(t, a, "unknown", "reaction")
	send("case", map[string]any{"to": bob.UserID, "reaction": "Clap"})
	expectInvalid(t, a, "case", "reaction")
	send("self", map[string]any{"to": alice.UserID, "reaction": "clap"})
	expectInvalid(t, a, "self", "to")
	send("stranger", map[string]any{"to": stranger.UserID, "reaction": "clap"})
	expectInvalid(t, a, "stranger", "to")
	send("in no room", map[string]any{"to": nobody.UserID, "reaction": "clap"})
	expectInvalid(t, a, "in no room", "to")
	send("not an id", map[string]any{"to": "bob", "reaction": "clap"})
	expectInvalid(t, a, "not an id", "to")
	send("no one", map[string]any{"reaction": "clap"})
	expectInvalid(t, a, "no one", "to")
	send("free text", map[string]any{"to": bob.UserID, "reaction": "clap", "text": "go!"})
	expectInvalid(t, a, "free text", "text")
	// Someone outside the room cannot cheer in it.
	elsewhere.Send("send-reaction", map[string]any{"roomId": room, "to": bob.UserID, "reaction": "clap"}, "outside")
	elsewhere.ExpectError("not_in_room", "outside")
	// None of it reached bob, and alice's whole allowance is left: three
	// reactions go through, and bob's next frames are exactly those.
	for i := range 3 {
		ref := fmt.Sprint("ok", i)
		send(ref, map[string]any{"to": bob.UserID, "reaction": "clap"})
		expectReaction(t, a, ref, room, alice.UserID, bob.UserID, "clap")
		expectReaction(t, b, "", room, alice.UserID, bob.UserID, "clap")
	}
}

// A flood of reactions: a burst of 3 goes through, the rest get
// rate_limited, and nothing beyond what went through reaches anyone. The
// allowance is the sender's, whichever socket they use; others keep theirs.
func TestReactionFloodIsRateLimited(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOptions{})
	alice, bob, room, a, b := e.twoInRoom(t)
	const flood = 20
	start := time.Now()
	for i := range flood {
		a.Send("send-reaction", map[string]any{"roomId": room, "to": bob.UserID, "reaction": "strong"}, fmt.Sprint("f", i))
	}
	sent := 0
	for i := range flood {
		m := a.Next()
		if m.Ref != fmt.Sprint("f", i) {
			t.Fatalf("reply %d: %s %q %s", i, m.Event, m.Ref, m.Data)
		}
		switch {
		case m.Event == "reaction":
			sent++
		case m.Event == "error" && m.Field(t, "code") == "rate_limited":
		default:
			t.Fatalf("reply %d: %s %s", i, m.Event, m.Data)
		}
	}
	// One more every 5 s: a machine slow enough to take that long over the
	// flood lets one more through for each 5 s it took.
	allowed := 3 + int(time.Since(start)/(5*time.Second))
	if sent < 3 || sent > allowed {
		t.Fatalf("%d of %d reactions went through, want 3 (at most %d)", sent, flood, allowed)
	}
	// A second socket of alice's shares her allowance.
	a2 := e.dial(t, alice)
	a2.Join(room)
	a2.Send("send-reaction", map[string]any{"roomId": room, "to": bob.UserID, "reaction": "clap"}, "tab2")
	a2.ExpectError("rate_limited", "tab2")
	// Bob got exactly the reactions that went through, then bob's own
	// reaction (his allowance is his) is the next thing alice hears.
	for range sent {
		expectReaction(t, b, "", room, alice.UserID, bob.UserID, "strong")
	}
	b.Send("send-reaction", map[string]any{"roomId": room, "to": alice.UserID, "reaction": "coffee"}, "back")
	expectReaction(t, b, "back", room, bob.UserID, alice.UserID, "coffee")
	for {
		m := a.Next()
		if m.Event == "reaction" {
			if m.Field(t, "from") != bob.UserID {
				t.Fatalf("alice heard a reaction beyond the burst: %s", m.Data)
			}
			break
		}
		if m.Event != "participant-joined" && m.Event != "media-state" {
			t.Fatalf("alice got %s %s", m.Event, m.Data)
		}
	}
}

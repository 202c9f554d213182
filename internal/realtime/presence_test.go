package realtime_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/bodydouble/bodydouble/internal/model"
	"github.com/bodydouble/bodydouble/internal/protocol"
	"github.com/bodydouble/bodydouble/internal/seats"
	"github.com/bodydouble/bodydouble/internal/wire"
)

func TestReconnectWithinGraceIsSilent(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOptions{grace: 20 * time.Second})
	_, bob, room, a, b := e.twoInRoom(t)

	b.WS.CloseNow() // the network drops
	b2 := e.dial(t, bob)
	snap := b2.Join(room)
	if n := len(snap.Field(t, "participants").([]any)); n != 2 {
		t.Fatalf("after reconnect the room has %d participants", n)
	}
	// The next thing alice hears is bob's status, not a leave or a join.
	b2.Send("update-presence", map[string]any{"roomId": room, "status": "away"}, "p")
	b2.Expect("presence-updated", "p")
	a.Expect("presence-updated", "")
}

func TestDroppedParticipantLeavesAfterGrace(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOptions{grace: 2 * time.Second})
	alice, bob, room, a, b := e.twoInRoom(t)
	b.Send("start-focus-session", map[string]any{"roomId": room, "goals": []string{"x"}}, "s")
	id := b.Expect("focus-session-started", "s").Field(t, "session", "id").(string)
	a.Expect("focus-session-started", "")

	b.WS.CloseNow()
	ended := a.Expect("focus-session-updated", "")
	if ended.Field(t, "session", "endedAt") == nil || ended.Field(t, "session", "isCompleted") != false {
		t.Fatalf("session not ended: %s", ended.Data)
	}
	if got := a.Expect("participant-left", "").Field(t, "participantId"); got != bob.UserID {
		t.Fatalf("participant-left for %v", got)
	}
	if _, err := e.st.CurrentRoom(context.Background(), bob.UserID); !errors.Is(err, model.ErrNotFound) {
		t.Fatalf("bob still seated: %v", err)
	}
	sess, err := e.st.GetSession(context.Background(), id)
	if err != nil || sess.EndedAt == nil {
		t.Fatalf("stored session %+v %v", sess, err)
	}
	r, _ := e.st.GetRoom(context.Background(), room)
	if r.CurrentCapacity != 1 {
		t.Fatalf("seat leaked: currentCapacity %d", r.CurrentCapacity)
	}
	// Alice joined first, so her join's own hold ran out before bob's grace
	// did: her live socket is what keeps her seat.
	if cur, err := e.st.CurrentRoom(context.Background(), alice.UserID); err != nil || cur != room {
		t.Fatalf("alice lost her seat while connected: %q %v", cur, err)
	}
}

func TestRESTJoinIsOneCodePathAndHoldsTheSeat(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOptions{grace: 2 * time.Second})
	_, bob, room, a := e.oneInRoom(t)

	// What POST /api/rooms/{id}/join and POST /api/sessions call.
	if _, err := e.rooms.Join(context.Background(), bob.UserID, room, protocol.Origin{}); err != nil {
		t.Fatal(err)
	}
	if got := a.Expect("participant-joined", "").Field(t, "participant", "id"); got != bob.UserID {
		t.Fatalf("participant-joined for %v", got)
	}
	if _, err := e.rooms.StartSession(context.Background(), bob.UserID, wire.StartSessionInput{RoomID: room, Goals: []string{"read"}}, protocol.Origin{}); err != nil {
		t.Fatal(err)
	}
	a.Expect("focus-session-started", "")
	// No socket claims bob's seat, so it goes when the hold runs out.
	a.Expect("focus-session-updated", "")
	a.Expect("participant-left", "")
}

func TestSocketClaimsARESTSeat(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOptions{grace: time.Second})
	_, bob, room, a := e.oneInRoom(t)
	if _, err := e.rooms.Join(context.Background(), bob.UserID, room, protocol.Origin{}); err != nil {
		t.Fatal(err)
	}
	a.Expect("participant-joined", "")
	b := e.dial(t, bob)
	b.Join(room) // already in: silent for alice
	// Bob's socket holds the seat through several grace periods, renewed
	// by the hub; the sentinel arrives after them with bob still there.
	deadline := time.Now().Add(3 * time.Second)
	for time.Now().Before(deadline) {
		b.Send("update-presence", map[string]any{"roomId": room, "status": "working"}, "p")
		b.Expect("presence-updated", "p")
		a.Expect("presence-updated", "")
		time.Sleep(200 * time.Millisecond) // pacing the probe, not synchronisation
	}
	if cur, err := e.st.CurrentRoom(context.Background(), bob.UserID); err != nil || cur != room {
		t.Fatalf("bob lost his seat: %q %v", cur, err)
	}
}

func TestTabsOfOneUserAreOneParticipant(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOptions{})
	_, bob, room, a := e.oneInRoom(t)
	b1, b2 := e.dial(t, bob), e.dial(t, bob)
	b1.Join(room)
	a.Expect("participant-joined", "")
	snap := b2.Join(room)
	if n := len(snap.Field(t, "participants").([]any)); n != 2 {
		t.Fatalf("%d participants with two tabs", n)
	}
	b1.WS.CloseNow() // one tab closes: bob is still here
	b2.Send("leave-room", map[string]any{"roomId": room}, "l")
	b2.Expect("room-left", "l")
	// The first thing alice hears about bob is the leave: no duplicate join, no early leave.
	if got := a.Expect("participant-left", "").Field(t, "participantId"); got != bob.UserID {
		t.Fatalf("participant-left for %v", got)
	}
}

func TestLeftoverParticipantsGetGraceAtStartUp(t *testing.T) {
	t.Parallel()
	// A participant seated by an earlier run whose hold has long expired.
	st := openStore(t)
	ctx := context.Background()
	now := time.Now().UTC().Truncate(time.Millisecond)
	ghost := model.User{ID: uuid.NewString(), AnonymousID: uuid.NewString(), DisplayName: "Ghost", CreatedAt: now, UpdatedAt: now}
	room := model.Room{ID: uuid.NewString(), Name: "Old room", Category: "study", MaxCapacity: 8, MicPolicy: "muted", IsActive: true, CreatedAt: now}
	if err := st.CreateUser(ctx, ghost); err != nil {
		t.Fatal(err)
	}
	if _, err := st.CreateRoom(ctx, room); err != nil {
		t.Fatal(err)
	}
	past := now.Add(-time.Hour)
	if _, err := st.JoinRoom(ctx, room.ID, ghost.ID, past, past); err != nil {
		t.Fatal(err)
	}
	e := newEnv(t, envOptions{grace: 2 * time.Second, store: st})
	a := e.dial(t, e.user(t))
	snap := a.Join(room.ID)
	if n := len(snap.Field(t, "participants").([]any)); n != 2 {
		t.Fatalf("the leftover should still be there within its grace: %d participants", n)
	}
	if got := a.Expect("participant-left", "").Field(t, "participantId"); got != ghost.ID {
		t.Fatalf("participant-left for %v", got)
	}
}

// TestLostLeaseIsHeldAgain: an instance that paused past its lease finds it
// reaped by another instance (with its holds) when it renews; it then holds
// its users' seats again, rather than letting them go while they are
// connected.
func TestLostLeaseIsHeldAgain(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOptions{grace: 2 * time.Second})
	alice, bob, room, _, _ := e.twoInRoom(t)
	ctx := context.Background()
	later := time.Now().Add(seats.OutageTolerance + time.Minute)
	if err := e.st.ReapLeases(ctx, later); err != nil { // as another instance would, well past the lease
		t.Fatal(err)
	}
	released := func() bool {
		ps, err := e.st.ExpiredParticipants(ctx, later.Add(time.Minute))
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range ps {
			if p.RoomID == room && (p.UserID == alice.UserID || p.UserID == bob.UserID) {
				return true
			}
		}
		return false
	}
	// Reaping released them (storetest's SeatHolds shows that); the store
	// has no event to wait on, so look until they are held again.
	deadline := time.Now().Add(waitLimit)
	for released() {
		if time.Now().After(deadline) {
			t.Fatal("the seats were not held again after the lease was lost")
		}
		time.Sleep(20 * time.Millisecond) // polling the store, not pacing the server
	}
}

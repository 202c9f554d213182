package realtime_test

import (
	"context"
	"testing"

	"github.com/bodydouble/bodydouble/internal/protocol"
	"github.com/bodydouble/bodydouble/internal/rooms"
	"github.com/bodydouble/bodydouble/internal/wire"
)

const videoOnlySDP = "v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\nm=video 9 UDP/TLS/RTP/SAVPF 96\r\na=sendrecv\r\n"

func (e *env) roomWithMic(t *testing.T, owner string, policy string) string {
	t.Helper()
	capacity := 12
	r, err := e.rooms.CreateRoom(context.Background(), owner, wire.CreateRoomInput{Name: "Media", Category: "creative", MaxCapacity: &capacity, MicPolicy: &policy})
	if err != nil {
		t.Fatal(err)
	}
	return r.ID
}

func TestMediaStateIsBroadcastAndInSnapshots(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOptions{})
	alice, bob := e.user(t), e.user(t)
	room := e.roomWithMic(t, alice.UserID, "open")
	a, b := e.dial(t, alice), e.dial(t, bob)
	a.Join(room)
	b.Join(room)
	a.Expect("participant-joined", "")

	b.Send("media-state", map[string]any{"roomId": room, "camera": true, "mic": true, "watching": true}, "m")
	reply := b.Expect("media-state", "m")
	if reply.Field(t, "participantId") != bob.UserID || reply.Field(t, "camera") != true || reply.Field(t, "mic") != true {
		t.Fatalf("media-state %s", reply.Data)
	}
	a.Expect("media-state", "")

	c := e.dial(t, e.user(t))
	for _, p := range c.Join(room).Field(t, "participants").([]any) {
		p := p.(map[string]any)
		media := p["media"].(map[string]any)
		if want := p["id"] == bob.UserID; media["camera"] != want || media["watching"] != want {
			t.Fatalf("late joiner sees media %v for %v", media, p["id"])
		}
	}
}

func TestMutedRoomRefusesMicAndAudio(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOptions{})
	alice, bob := e.user(t), e.user(t)
	room := e.roomWithMic(t, alice.UserID, "muted")
	a, b := e.dial(t, alice), e.dial(t, bob)
	a.Join(room)
	b.Join(room)
	a.Expect("participant-joined", "")

	a.Send("media-state", map[string]any{"roomId": room, "camera": true, "mic": true, "watching": true}, "m")
	a.ExpectError("forbidden", "m")
	live := videoOnlySDP + "m=audio 9 UDP/TLS/RTP/SAVPF 111\r\na=sendrecv\r\n"
	a.Send("rtc-offer", map[string]any{"roomId": room, "to": bob.UserID, "sdp": live}, "o1")
	a.ExpectError("forbidden", "o1")
	// An inactive audio section is fine, and reaches bob without a reply to alice.
	inactive := videoOnlySDP + "m=audio 9 UDP/TLS/RTP/SAVPF 111\r\na=inactive\r\n"
	a.Send("rtc-offer", map[string]any{"roomId": room, "to": bob.UserID, "sdp": inactive}, "o2")
	got := b.Expect("rtc-offer", "")
	if got.Field(t, "from") != alice.UserID || got.Field(t, "sdp") != inactive {
		t.Fatalf("relayed offer %s", got.Data)
	}
	// Sentinel: alice's next frame answers this, so the offer had no reply.
	a.Send("update-presence", map[string]any{"roomId": room, "status": "working"}, "s")
	a.Expect("presence-updated", "s")
}

func TestSignallingGoesOnlyToTheMediaConnection(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOptions{})
	_, bob, room, a := e.oneInRoom(t)
	b1 := e.dial(t, bob)
	b1.Join(room)
	a.Expect("participant-joined", "")
	b2 := e.dial(t, bob)
	b2.Join(room) // the newest connection carries bob's media

	a.Send("rtc-offer", map[string]any{"roomId": room, "to": bob.UserID, "sdp": videoOnlySDP}, "")
	b2.Expect("rtc-offer", "")
	// Now the first tab takes over media.
	b1.Send("media-state", map[string]any{"roomId": room, "camera": true, "mic": false, "watching": true}, "m")
	b1.Expect("media-state", "m")
	b2.Expect("media-state", "")
	a.Expect("media-state", "")
	a.Send("rtc-ice", map[string]any{"roomId": room, "to": bob.UserID, "candidate": map[string]any{"candidate": "candidate:1 1 udp 2122260223 127.0.0.1 54321 typ host", "sdpMid": "0", "sdpMLineIndex": 0}}, "")
	if m := b1.Expect("rtc-ice", ""); m.Field(t, "candidate", "sdpMid") != "0" {
		t.Fatalf("relayed candidate %s", m.Data)
	}
	a.Send("rtc-ice", map[string]any{"roomId": room, "to": bob.UserID, "candidate": nil}, "")
	if m := b1.Expect("rtc-ice", ""); m.Field(t, "candidate") != nil {
		t.Fatalf("end of candidates %s", m.Data)
	}
	// Sentinel for b2: its next frame is this presence change, not the signalling.
	a.Send("update-presence", map[string]any{"roomId": room, "status": "break"}, "")
	a.Expect("presence-updated", "")
	b1.Expect("presence-updated", "")
	b2.Expect("presence-updated", "")
}

func TestSignallingErrors(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOptions{})
	alice, bob, carol := e.user(t), e.user(t), e.user(t)
	room := e.room(t, alice, 8)
	elsewhere := e.room(t, carol, 8)
	a, b, c := e.dial(t, alice), e.dial(t, bob), e.dial(t, carol)
	a.Join(room)
	c.Join(elsewhere)

	a.Send("rtc-offer", map[string]any{"roomId": room, "to": carol.UserID, "sdp": videoOnlySDP}, "1")
	a.ExpectError("not_in_room", "1") // carol is in another room
	b.Send("rtc-offer", map[string]any{"roomId": room, "to": alice.UserID, "sdp": videoOnlySDP}, "2")
	b.ExpectError("not_in_room", "2") // bob's socket is not in the room
	for ref, data := range map[string]map[string]any{
		"3": {"roomId": room, "to": carol.UserID, "sdp": "hello"},
		"4": {"roomId": room, "to": carol.UserID, "sdp": "v=0" + string(make([]byte, 1))},
		"5": {"roomId": room, "to": "nobody", "sdp": videoOnlySDP},
		"6": {"roomId": room, "to": alice.UserID, "sdp": videoOnlySDP},
		"7": {"roomId": room, "to": carol.UserID, "sdp": videoOnlySDP, "extra": 1},
	} {
		a.Send("rtc-offer", data, ref)
		a.ExpectError("invalid", ref)
	}
	a.Send("rtc-ice", map[string]any{"roomId": room, "to": carol.UserID, "candidate": map[string]any{"candidate": "not a candidate"}}, "8")
	a.ExpectError("invalid", "8")
	a.Send("rtc-ice", map[string]any{"roomId": room, "to": carol.UserID, "candidate": map[string]any{"candidate": "candidate:1", "bogus": true}}, "9")
	a.ExpectError("invalid", "9")
}

func TestNinthCameraIsRefused(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOptions{})
	owner := e.user(t)
	room := e.roomWithMic(t, owner.UserID, "muted")
	var clients []*client
	for range 9 {
		c := e.dial(t, e.user(t))
		c.Join(room)
		clients = append(clients, c)
	}
	for i, c := range clients {
		c.Send("media-state", map[string]any{"roomId": room, "camera": true, "mic": false, "watching": true}, "cam")
		if i < rooms.MaxCameras {
			// Skip the other people's broadcasts that arrive in between.
			for m := c.Next(); m.Ref != "cam"; m = c.Next() {
			}
		} else {
			for m := c.Next(); ; m = c.Next() {
				if m.Ref == "cam" {
					if m.Event != "error" || m.Field(t, "code") != "forbidden" {
						t.Fatalf("ninth camera: %s %s", m.Event, m.Data)
					}
					break
				}
			}
		}
	}
}

func TestCreatorRemovesAParticipant(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOptions{})
	owner, bob, carol := e.user(t), e.user(t), e.user(t)
	room := e.room(t, owner, 8)
	o, b, c := e.dial(t, owner), e.dial(t, bob), e.dial(t, carol)
	o.Join(room)
	b.Join(room)
	o.Expect("participant-joined", "")
	c.Join(room)
	o.Expect("participant-joined", "")
	b.Expect("participant-joined", "")

	c.Send("remove-participant", map[string]any{"roomId": room, "participantId": bob.UserID}, "r1")
	c.ExpectError("forbidden", "r1") // carol did not create the room

	o.Send("remove-participant", map[string]any{"roomId": room, "participantId": bob.UserID}, "r2")
	if m := o.Expect("participant-left", "r2"); m.Field(t, "participantId") != bob.UserID || m.Field(t, "reason") != "removed" {
		t.Fatalf("reply %s", m.Data)
	}
	c.Expect("participant-left", "")
	if m := b.Expect("room-left", ""); m.Field(t, "reason") != "removed" {
		t.Fatalf("removed person told %s", m.Data)
	}
	b.Send("join-room", map[string]any{"roomId": room}, "back")
	b.ExpectError("forbidden", "back")
	if _, err := e.rooms.Join(context.Background(), bob.UserID, room, protocol.Origin{}); err == nil {
		t.Fatal("rejoin over REST allowed after removal")
	}
	o.Send("remove-participant", map[string]any{"roomId": room, "participantId": bob.UserID}, "r3")
	o.ExpectError("not_in_room", "r3")
}

func TestMediaEndsWithItsConnection(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOptions{})
	_, bob, room, a, b := e.twoInRoom(t)
	b.Send("media-state", map[string]any{"roomId": room, "camera": true, "mic": false, "watching": true}, "m")
	b.Expect("media-state", "m")
	a.Expect("media-state", "")

	b.WS.CloseNow() // bob's tab crashes; his seat is held, his camera is not
	m := a.Expect("media-state", "")
	if m.Field(t, "participantId") != bob.UserID || m.Field(t, "camera") != false || m.Field(t, "watching") != false {
		t.Fatalf("media after the connection went: %s", m.Data)
	}
}

func TestSignallingHasItsOwnAllowance(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOptions{})
	_, bob, room, a, b := e.twoInRoom(t)
	// More candidates at once than the general burst of 40 allows.
	const n = 80
	for i := range n {
		a.Send("rtc-ice", map[string]any{"roomId": room, "to": bob.UserID, "candidate": map[string]any{"candidate": "candidate:" + string(rune('a'+i%26)) + " 1 udp 1 127.0.0.1 9 typ host"}}, "")
	}
	for range n {
		b.Expect("rtc-ice", "")
	}
	a.Send("update-presence", map[string]any{"roomId": room, "status": "away"}, "s")
	a.Expect("presence-updated", "s") // and no rate_limited error came before it
}

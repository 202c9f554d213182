package realtime_test

import (
	"context"
	"testing"

	"github.com/google/uuid"

	"github.com/bodydouble/bodydouble/internal/auth"
	"github.com/bodydouble/bodydouble/internal/protocol"
	"github.com/bodydouble/bodydouble/internal/rooms"
	"github.com/bodydouble/bodydouble/internal/wire"
)

// replyCase is the set-up of one state a socket can be in when an event
// arrives: c is the socket under test (of user me), room the room the
// events name, session the session they name, peer another person.
type replyCase struct {
	me      auth.Identity
	c       *client
	room    string
	session string
	peer    string
}

// noReply marks an event that answers nothing on success (rtc-*).
const noReply = "-"

// replyStates set up the states a socket can be in. Each gets a fresh
// person, so no state leaks into the next case; the event being tested is
// passed in, so that the set-up can put the timer or a session where the
// event's success needs them.
var replyStates = []struct {
	name  string
	setup func(t *testing.T, e *env, event string) replyCase
}{
	{"joined", func(t *testing.T, e *env, event string) replyCase {
		me, peer := e.user(t), e.user(t)
		room := e.room(t, me, 8) // me created it: removal is allowed
		c := e.dial(t, me)
		c.Join(room)
		p := e.dial(t, peer)
		p.Join(room)
		rc := replyCase{me: me, c: c, room: room, peer: peer.UserID, session: uuid.NewString()}
		ctx := context.Background()
		switch event {
		case "update-progress", "complete-session":
			s, err := e.rooms.StartSession(ctx, me.UserID, wire.StartSessionInput{RoomID: room, Goals: []string{"write"}}, protocol.Origin{})
			if err != nil {
				t.Fatal(err)
			}
			rc.session = s.ID
		case "pause-timer", "resume-timer", "reset-timer":
			if _, err := e.rooms.StartTimer(ctx, me.UserID, wire.StartTimerInput{RoomID: room, Duration: 600, Type: "work"}, protocol.Origin{}); err != nil {
				t.Fatal(err)
			}
			if event == "resume-timer" {
				if _, err := e.rooms.ControlTimer(ctx, me.UserID, room, rooms.Pause, protocol.Origin{}); err != nil {
					t.Fatal(err)
				}
			}
		}
		return rc
	}},
	{"not joined", func(t *testing.T, e *env, _ string) replyCase {
		me, peer := e.user(t), e.user(t)
		room := e.room(t, peer, 8)
		seat(t, e, peer, room)
		return replyCase{me: me, c: e.dial(t, me), room: room, peer: peer.UserID, session: uuid.NewString()}
	}},
	// Seated over REST, the seat held for a socket that has not joined yet.
	{"pending join", func(t *testing.T, e *env, _ string) replyCase {
		me, peer := e.user(t), e.user(t)
		room := e.room(t, peer, 8)
		seat(t, e, peer, room)
		seat(t, e, me, room)
		s, err := e.rooms.StartSession(context.Background(), me.UserID, wire.StartSessionInput{RoomID: room}, protocol.Origin{})
		if err != nil {
			t.Fatal(err)
		}
		return replyCase{me: me, c: e.dial(t, me), room: room, peer: peer.UserID, session: s.ID}
	}},
	// In the room through another tab; this one never joined.
	{"other tab joined", func(t *testing.T, e *env, _ string) replyCase {
		me, peer := e.user(t), e.user(t)
		room := e.room(t, peer, 8)
		seat(t, e, peer, room)
		e.dial(t, me).Join(room)
		s, err := e.rooms.StartSession(context.Background(), me.UserID, wire.StartSessionInput{RoomID: room}, protocol.Origin{})
		if err != nil {
			t.Fatal(err)
		}
		return replyCase{me: me, c: e.dial(t, me), room: room, peer: peer.UserID, session: s.ID}
	}},
	// The socket is in another room; the events name a room it left, and
	// a session that ended when it moved.
	{"joined another room", func(t *testing.T, e *env, _ string) replyCase {
		me, peer := e.user(t), e.user(t)
		room, other := e.room(t, peer, 8), e.room(t, peer, 8)
		seat(t, e, peer, room)
		c := e.dial(t, me)
		c.Join(room)
		s, err := e.rooms.StartSession(context.Background(), me.UserID, wire.StartSessionInput{RoomID: room}, protocol.Origin{})
		if err != nil {
			t.Fatal(err)
		}
		c.Send("join-room", map[string]any{"roomId": other}, "move")
		for m := c.Next(); m.Ref != "move"; m = c.Next() { // past the session's broadcast
		}
		return replyCase{me: me, c: c, room: room, peer: peer.UserID, session: s.ID}
	}},
	// The room does not exist (the socket is in one that does).
	{"room gone", func(t *testing.T, e *env, _ string) replyCase {
		me, peer := e.user(t), e.user(t)
		c := e.dial(t, me)
		c.Join(e.room(t, me, 8))
		return replyCase{me: me, c: c, room: uuid.NewString(), peer: peer.UserID, session: uuid.NewString()}
	}},
	// Joined, and the event's data is wrong: an error from the decoder.
	{"bad data", func(t *testing.T, e *env, _ string) replyCase {
		me, peer := e.user(t), e.user(t)
		room := e.room(t, me, 8)
		c := e.dial(t, me)
		c.Join(room)
		seat(t, e, peer, room)
		return replyCase{me: me, c: c, room: room, peer: peer.UserID, session: uuid.NewString()}
	}},
}

// seat puts id in room over the service (as REST does), with no socket.
func seat(t *testing.T, e *env, id auth.Identity, room string) {
	t.Helper()
	if _, err := e.rooms.Join(context.Background(), id.UserID, room, protocol.Origin{}); err != nil {
		t.Fatal(err)
	}
}

// replyEvents are every client event with its data in a state, and the
// reply it must get when the socket is in the room (noReply for none).
var replyEvents = []struct {
	event string
	data  func(rc replyCase) map[string]any
	reply string
}{
	{"join-room", func(rc replyCase) map[string]any { return map[string]any{"roomId": rc.room} }, "room-joined"},
	{"leave-room", func(rc replyCase) map[string]any { return map[string]any{"roomId": rc.room} }, "room-left"},
	{"update-presence", func(rc replyCase) map[string]any { return map[string]any{"roomId": rc.room, "status": "break"} }, "presence-updated"},
	{"start-focus-session", func(rc replyCase) map[string]any {
		return map[string]any{"roomId": rc.room, "goals": []string{"write"}}
	}, "focus-session-started"},
	{"update-progress", func(rc replyCase) map[string]any { return map[string]any{"sessionId": rc.session, "progress": 50} }, "focus-session-updated"},
	{"complete-session", func(rc replyCase) map[string]any {
		return map[string]any{"sessionId": rc.session, "achievements": []string{"done"}}
	}, "focus-session-completed"},
	{"start-timer", func(rc replyCase) map[string]any {
		return map[string]any{"roomId": rc.room, "duration": 60, "type": "work"}
	}, "timer-started"},
	{"pause-timer", func(rc replyCase) map[string]any { return map[string]any{"roomId": rc.room} }, "timer-updated"},
	{"resume-timer", func(rc replyCase) map[string]any { return map[string]any{"roomId": rc.room} }, "timer-updated"},
	{"reset-timer", func(rc replyCase) map[string]any { return map[string]any{"roomId": rc.room} }, "timer-updated"},
	{"media-state", func(rc replyCase) map[string]any {
		return map[string]any{"roomId": rc.room, "camera": true, "mic": false, "watching": true}
	}, "media-state"},
	{"rtc-offer", func(rc replyCase) map[string]any {
		return map[string]any{"roomId": rc.room, "to": rc.peer, "sdp": videoOnlySDP}
	}, noReply},
	{"rtc-answer", func(rc replyCase) map[string]any {
		return map[string]any{"roomId": rc.room, "to": rc.peer, "sdp": videoOnlySDP}
	}, noReply},
	{"rtc-ice", func(rc replyCase) map[string]any {
		return map[string]any{"roomId": rc.room, "to": rc.peer, "candidate": map[string]any{"candidate": "candidate:1 1 udp 2122260223 127.0.0.1 54321 typ host"}}
	}, noReply},
	{"send-reaction", func(rc replyCase) map[string]any {
		return map[string]any{"roomId": rc.room, "to": rc.peer, "reaction": "clap"}
	}, "reaction"},
	{"remove-participant", func(rc replyCase) map[string]any { return map[string]any{"roomId": rc.room, "participantId": rc.peer} }, "participant-left"},
	{"no-such-event", func(rc replyCase) map[string]any { return map[string]any{} }, "error"},
}

// replyWanted is the reply an event gets in a state: the success reply
// when joined, room-left for leave-room whenever the room exists, the
// snapshot for join-room, the owner's session update wherever the person
// is in the session's room, and error otherwise.
func replyWanted(state, event, success string) string {
	switch {
	case state == "bad data":
		return "error"
	case state == "joined":
		return success
	case event == "join-room" && state != "room gone":
		return "room-joined"
	case event == "leave-room" && state != "room gone":
		return "room-left"
	case (event == "update-progress" || event == "complete-session") && (state == "pending join" || state == "other tab joined"):
		return success
	}
	return "error"
}

// Every client event with a ref gets exactly one reply in every state
// (docs/protocol.md "Replies"), and rtc-* none on success. The marker
// event sent after it is answered after any reply to it (one socket's
// events are handled in order), so reading up to the marker's answer
// proves there is no second reply without waiting for time to pass.
func TestEveryRefGetsExactlyOneReply(t *testing.T) {
	t.Parallel()
	for _, st := range replyStates {
		t.Run(st.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, envOptions{})
			for _, ev := range replyEvents {
				t.Run(ev.event, func(t *testing.T) {
					rc := st.setup(t, e, ev.event)
					data := ev.data(rc)
					if st.name == "bad data" {
						data["bogus"] = true
					}
					rc.c.Send(ev.event, data, "x")
					rc.c.Send("marker", nil, "marker")
					var replies []msg
					for m := rc.c.Next(); m.Ref != "marker"; m = rc.c.Next() {
						if m.Ref == "x" {
							replies = append(replies, m)
						}
					}
					want := replyWanted(st.name, ev.event, ev.reply)
					if want == noReply {
						if len(replies) != 0 {
							t.Fatalf("%d replies on success, want none: %v", len(replies), replies)
						}
						return
					}
					if len(replies) != 1 {
						t.Fatalf("%d replies, want exactly one (%s): %v", len(replies), want, replies)
					}
					if replies[0].Event != want {
						t.Fatalf("reply %s %s, want %s", replies[0].Event, replies[0].Data, want)
					}
				})
			}
		})
	}
}

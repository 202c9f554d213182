package realtime

import (
	"context"
	"encoding/json"
	"errors"

	"github.com/bodydouble/bodydouble/internal/apperr"
	"github.com/bodydouble/bodydouble/internal/model"
	"github.com/bodydouble/bodydouble/internal/protocol"
	"github.com/bodydouble/bodydouble/internal/rooms"
	"github.com/bodydouble/bodydouble/internal/wire"
)

// handle runs one client event. The most frequent ones take their data
// from the fast path's members when it read them (f.fields), and decode
// Data strictly otherwise. Its reply is either sent here (room-joined,
// errors) or is the sender's copy of the room broadcast the change causes.
func (c *conn) handle(ctx context.Context, f frame) {
	o := protocol.Origin{Conn: c.id, Ref: f.Ref}
	if c.hub.obs != nil {
		c.hub.obs.FrameIn(f.Event)
	}
	var err error
	switch f.Event {
	case protocol.EvJoinRoom:
		var in wire.JoinRoomInput
		if err = decode(f.Data, &in); err == nil {
			err = c.timedJoin(ctx, in.RoomID, f.Ref)
		}
	case protocol.EvLeaveRoom:
		var in wire.RoomRef
		if err = decode(f.Data, &in); err == nil {
			err = c.leaveRoom(ctx, in.RoomID, f.Ref)
		}
	case protocol.EvUpdatePresence:
		var in wire.PresenceInput
		if v, ok := f.fields("roomId", "status"); ok {
			in.RoomID, in.Status = v[0], v[1]
		} else {
			err = decode(f.Data, &in)
		}
		if err == nil {
			if err = c.inRoom(in.RoomID); err == nil {
				err = c.hub.rooms.SetStatus(ctx, c.user.UserID, in.RoomID, in.Status, o)
			}
		}
	case protocol.EvStartSession:
		var in wire.StartSessionInput
		if err = decode(f.Data, &in); err == nil {
			if err = c.inRoom(in.RoomID); err == nil {
				_, err = c.hub.rooms.StartSession(ctx, c.user.UserID, in, o)
			}
		}
	case protocol.EvUpdateProgress:
		var in wire.ProgressInput
		if err = decode(f.Data, &in); err == nil {
			if in.Progress == nil {
				err = apperr.Field("progress", "is required")
			} else {
				before := c.hub.roomOf(c)
				var sess model.Session
				sess, err = c.hub.rooms.UpdateSession(ctx, c.user.UserID, in.SessionID, wire.UpdateSessionInput{Progress: in.Progress}, o)
				if err == nil {
					c.replyOutside(before, f.Ref, protocol.EvSessionUpdated, sess)
				}
			}
		}
	case protocol.EvCompleteSession:
		var in wire.CompleteInput
		if err = decode(f.Data, &in); err == nil {
			before := c.hub.roomOf(c)
			var sess model.Session
			sess, err = c.hub.rooms.CompleteSession(ctx, c.user.UserID, in.SessionID, in.CompleteSessionInput, o)
			if err == nil {
				c.replyOutside(before, f.Ref, protocol.EvSessionCompleted, sess)
			}
		}
	case protocol.EvStartTimer:
		var in wire.StartTimerInput
		if err = decode(f.Data, &in); err == nil {
			if err = c.inRoom(in.RoomID); err == nil {
				_, err = c.hub.rooms.StartTimer(ctx, c.user.UserID, in, o)
			}
		}
	case protocol.EvPauseTimer, protocol.EvResumeTimer, protocol.EvResetTimer:
		var in wire.RoomRef
		if v, ok := f.fields("roomId"); ok {
			in.RoomID = v[0]
		} else {
			err = decode(f.Data, &in)
		}
		if err == nil {
			if err = c.inRoom(in.RoomID); err == nil {
				action := map[string]rooms.TimerAction{protocol.EvPauseTimer: rooms.Pause, protocol.EvResumeTimer: rooms.Resume, protocol.EvResetTimer: rooms.Reset}[f.Event]
				_, err = c.hub.rooms.ControlTimer(ctx, c.user.UserID, in.RoomID, action, o)
			}
		}
	case protocol.EvMediaState:
		var in wire.MediaStateInput
		if err = decode(f.Data, &in); err == nil {
			if err = c.inRoom(in.RoomID); err == nil {
				err = c.hub.rooms.MediaState(ctx, c.user.UserID, c.id, in, o)
			}
		}
	case protocol.EvRTCOffer, protocol.EvRTCAnswer, protocol.EvRTCIce:
		var in wire.RTCInput
		if err = decode(f.Data, &in); err == nil {
			if err = c.inRoom(in.RoomID); err == nil {
				err = c.hub.rooms.Relay(ctx, c.user.UserID, f.Event, in)
			}
		}
	case protocol.EvSendReaction:
		var in wire.ReactionInput
		if err = decode(f.Data, &in); err == nil {
			if err = c.inRoom(in.RoomID); err == nil {
				err = c.hub.rooms.SendReaction(ctx, c.user.UserID, in, c.hub.reactions.allow(c.user.UserID), o)
			}
		}
	case protocol.EvRemoveParticipant:
		var in wire.RemoveInput
		if err = decode(f.Data, &in); err == nil {
			if err = c.inRoom(in.RoomID); err == nil {
				err = c.hub.rooms.RemoveParticipant(ctx, c.user.UserID, in.RoomID, in.ParticipantID, o)
			}
		}
	default:
		err = apperr.New(apperr.UnknownEvent, "Unknown event %s.", quote(f.Event))
	}
	if err != nil {
		c.fail(f.Ref, apperr.From(err))
	}
}

// decode parses event data; a nil *apperr.Error must become a nil error.
func decode(data json.RawMessage, v any) error {
	if e := decodeData(data, v); e != nil {
		return e
	}
	return nil
}

// inRoom checks that this connection is in roomID.
func (c *conn) inRoom(roomID string) error {
	if roomID == "" {
		return apperr.Field("roomId", "is required")
	}
	if c.hub.roomOf(c) != roomID {
		return apperr.New(apperr.NotInRoom, "Join the room first.")
	}
	return nil
}

// join enters a room through the same service call as REST, then sends the
// snapshot as the reply.
func (c *conn) join(ctx context.Context, roomID, ref string) error {
	if roomID == "" {
		return apperr.Field("roomId", "is required")
	}
	if err := c.hub.enter(ctx, c, roomID); err != nil {
		return err
	}
	snap, err := c.joinAndSnapshot(ctx, roomID)
	if err != nil {
		c.hub.leave(c)
		return err
	}
	b, err := json.Marshal(snap)
	if err != nil {
		c.hub.leave(c)
		return err
	}
	c.hub.ready(c, encodeFrame(protocol.EvRoomJoined, b, ref, nowMillis()))
	c.hub.replied(protocol.EvRoomJoined)
	return nil
}

func (c *conn) joinAndSnapshot(ctx context.Context, roomID string) (wire.Snapshot, error) {
	if _, err := c.hub.rooms.Join(ctx, c.user.UserID, roomID, protocol.Origin{Conn: c.id}); err != nil {
		return wire.Snapshot{}, err
	}
	// The newest connection carries the person's media until one says otherwise.
	if err := c.hub.rooms.ClaimMedia(ctx, c.user.UserID, roomID, c.id); err != nil {
		return wire.Snapshot{}, err
	}
	return c.hub.rooms.SnapshotFor(ctx, c.user.UserID, roomID)
}

// leaveRoom leaves through the service; when this connection is in the
// room, the participant-left broadcast comes back to it as its room-left.
// Otherwise (nothing to leave, or the person is in the room through another
// tab or over REST, so the broadcast reaches only the room's members)
// room-left is sent directly, so the ref gets its one reply either way.
func (c *conn) leaveRoom(ctx context.Context, roomID, ref string) error {
	if roomID == "" {
		return apperr.Field("roomId", "is required")
	}
	// Only this connection's own join can put it in roomID, and it is
	// handling this event, so a connection not in roomID now stays out of
	// it (and out of reach of the broadcast) until Leave returns.
	member := c.hub.roomOf(c) == roomID
	_, announced, err := c.hub.rooms.Leave(ctx, c.user.UserID, roomID, protocol.Origin{Conn: c.id, Ref: ref})
	if err != nil && !errors.Is(err, context.Canceled) {
		return err
	}
	if !announced || !member {
		if c.hub.roomOf(c) == roomID {
			c.hub.leave(c)
		}
		c.reply(ref, protocol.EvRoomLeft, protocol.RoomLeftData(roomID, ""))
	}
	return nil
}

// replyOutside answers a session change of a connection that was not in
// the session's room when it asked (before is the room it was in then):
// the broadcast that is the reply elsewhere goes only to the room's
// members, so the owner's view is sent to it directly, with the ref. Only
// this connection's own join changes which room it is in, so a connection
// outside the room stayed outside while the change was made.
func (c *conn) replyOutside(before, ref, event string, sess model.Session) {
	if ref == "" || before == sess.RoomID {
		return
	}
	b, err := json.Marshal(wire.SessionEvent{RoomID: sess.RoomID, Session: wire.FromSession(sess)})
	if err != nil {
		c.fail(ref, apperr.From(err))
		return
	}
	c.reply(ref, event, b)
}

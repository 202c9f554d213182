// Package protocol is Body Double's socket protocol in one place
// (docs/protocol.md): the names of the events clients send and the events
// the server sends, the broker envelope in which a room event travels
// between instances (Event, Encode, DecodeEvent, RoomChannel), and the
// routing rule that decides which connection gets what of an event
// (Event.Route). Package rooms builds and publishes events; package
// realtime decodes them, routes them with Route and writes the frames.
// It depends on nothing of the application.
package protocol

// Events clients send. The server answers each that carries a ref exactly
// once: with its own reply, an error, or the sender's copy of the
// broadcast the change causes.
const (
	EvJoinRoom          = "join-room"
	EvLeaveRoom         = "leave-room"
	EvUpdatePresence    = "update-presence"
	EvStartSession      = "start-focus-session"
	EvUpdateProgress    = "update-progress"
	EvCompleteSession   = "complete-session"
	EvStartTimer        = "start-timer"
	EvPauseTimer        = "pause-timer"
	EvResumeTimer       = "resume-timer"
	EvResetTimer        = "reset-timer"
	EvRemoveParticipant = "remove-participant"
	// EvSendReaction cheers one participant silently (no free text); the
	// room gets EvReaction.
	EvSendReaction = "send-reaction"
)

// Events both ways: a client sends them, and the room (or, for the
// signalling events, one person's media connection) gets them under the
// same name.
const (
	EvMediaState = "media-state"
	EvRTCOffer   = "rtc-offer"
	EvRTCAnswer  = "rtc-answer"
	EvRTCIce     = "rtc-ice"
)

// Events the server sends: replies to one connection (room-joined,
// room-left, error) and room broadcasts.
const (
	EvRoomJoined        = "room-joined"
	EvRoomLeft          = "room-left"
	EvError             = "error"
	EvParticipantJoined = "participant-joined"
	EvParticipantLeft   = "participant-left"
	EvPresenceUpdated   = "presence-updated"
	EvSessionStarted    = "focus-session-started"
	EvSessionUpdated    = "focus-session-updated"
	EvSessionCompleted  = "focus-session-completed"
	EvTimerStarted      = "timer-started"
	EvTimerUpdated      = "timer-updated"
	EvTimerCompleted    = "timer-completed"

	// EvParticipantUpdated tells a room that a participant changed their
	// display name or avatar (PUT /api/users/profile).
	EvParticipantUpdated = "participant-updated"

	// EvReaction is a reaction one participant sent another, for the
	// whole room to show; it is not stored.
	EvReaction = "reaction"
)

// ReasonRemoved is the reason of a participant-left (and of the removed
// person's own room-left) caused by remove-participant.
const ReasonRemoved = "removed"

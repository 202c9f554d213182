package wire

import "github.com/bodydouble/bodydouble/internal/apperr"

// What the server sends besides the resources of wire.go: response
// envelopes of the REST API and the data of socket events.

// Problem is an RFC 9457 problem document with Body Double's extensions:
// the body of every REST error (application/problem+json).
type Problem struct {
	Type      string              `json:"type"`
	Title     string              `json:"title"`
	Status    int                 `json:"status"`
	Code      string              `json:"code"`
	Message   string              `json:"message"`
	Errors    []apperr.FieldError `json:"errors,omitempty"`
	SessionID string              `json:"sessionId,omitempty"`
	// Reason and Until are a ban's (code banned); Until is absent for a
	// ban until lifted.
	Reason    string `json:"reason,omitempty"`
	Until     *Time  `json:"until,omitempty"`
	RequestID string `json:"requestId"`
}

// AuthSession answers POST /api/auth/anonymous and GET /api/auth/session.
type AuthSession struct {
	Token     string `json:"token"`
	ExpiresAt Time   `json:"expiresAt"`
	User      User   `json:"user"`
}

// RoomPage is one page of GET /api/rooms.
type RoomPage struct {
	Rooms      []Room  `json:"rooms"`
	NextCursor *string `json:"nextCursor"`
}

// SessionPage is one page of GET /api/sessions/history.
type SessionPage struct {
	Sessions   []Session `json:"sessions"`
	NextCursor *string   `json:"nextCursor"`
}

// DayMinutes is the focus time of one calendar day.
type DayMinutes struct {
	Date    string `json:"date"`
	Minutes int    `json:"minutes"`
}

// Stats summarises a person's recent focus for the history screen.
type Stats struct {
	WeekMinutes    int          `json:"weekMinutes"`
	StreakDays     int          `json:"streakDays"`
	CompletionRate float64      `json:"completionRate"`
	CompletedCount int          `json:"completedCount"`
	TotalCount     int          `json:"totalCount"`
	Days           []DayMinutes `json:"days"`
}

// Snapshot is the full state of a room, sent as room-joined.
type Snapshot struct {
	Room         Room          `json:"room"`
	Participants []Participant `json:"participants"`
	Timer        Timer         `json:"timer"`
}

// ParticipantJoined is the data of participant-joined.
type ParticipantJoined struct {
	RoomID      string      `json:"roomId"`
	Participant Participant `json:"participant"`
}

// ParticipantUpdated is the data of participant-updated: the whole
// participant as the room sees them after they changed their display
// name or avatar, in the shape of participant-joined.
type ParticipantUpdated struct {
	RoomID      string      `json:"roomId"`
	Participant Participant `json:"participant"`
}

// ParticipantLeft is the data of participant-left; Reason is "removed"
// when the room's creator asked the person to leave.
type ParticipantLeft struct {
	RoomID        string `json:"roomId"`
	ParticipantID string `json:"participantId"`
	Reason        string `json:"reason,omitempty"`
}

// SessionEvent is the data of focus-session-started, -updated and
// -completed.
type SessionEvent struct {
	RoomID  string  `json:"roomId"`
	Session Session `json:"session"`
}

// Reaction is the data of reaction: From cheered To.
type Reaction struct {
	RoomID   string `json:"roomId"`
	From     string `json:"from"`
	To       string `json:"to"`
	Reaction string `json:"reaction"`
}

// TimerEvent is the data of timer-started and timer-updated: the room's
// timer with its room.
type TimerEvent struct {
	RoomID string `json:"roomId"`
	Timer
}

// TimerCompleted is the data of timer-completed.
type TimerCompleted struct {
	RoomID  string `json:"roomId"`
	Type    string `json:"type"`
	Version int64  `json:"version"`
}

// MediaState is the data of the server's media-state: what a participant
// shares.
type MediaState struct {
	RoomID        string `json:"roomId"`
	ParticipantID string `json:"participantId"`
	Camera        bool   `json:"camera"`
	Mic           bool   `json:"mic"`
	Watching      bool   `json:"watching"`
}

// RTCDescription is the data of a relayed rtc-offer or rtc-answer.
type RTCDescription struct {
	RoomID string `json:"roomId"`
	From   string `json:"from"`
	SDP    string `json:"sdp"`
}

// RTCCandidate is the data of a relayed rtc-ice; a nil Candidate is the
// end of candidates.
type RTCCandidate struct {
	RoomID    string        `json:"roomId"`
	From      string        `json:"from"`
	Candidate *ICECandidate `json:"candidate"`
}

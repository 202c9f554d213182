package wire

import "encoding/json"

// What clients send: the bodies of REST requests and the data of socket
// events. Each is decoded strictly (DecodeStrict: unknown fields refused)
// and validated by the domain service that takes it.

// CreateRoomInput is a new room as a person asks for it.
type CreateRoomInput struct {
	Name        string  `json:"name"`
	Description *string `json:"description"`
	Category    string  `json:"category"`
	MaxCapacity *int    `json:"maxCapacity"`
	MicPolicy   *string `json:"micPolicy"`
	// Visibility is "public" (the default) or "unlisted": a room only its
	// link finds.
	Visibility *string `json:"visibility"`
	// TimerControl is "owner" (the default) or "anyone".
	TimerControl *string `json:"timerControl"`
	// Cycle is the room's rhythm ({work 5–240, break 1–60} minutes), or
	// null/absent for a timer people control.
	Cycle *Cycle `json:"cycle"`
}

// StartSessionInput opens a focus session.
type StartSessionInput struct {
	RoomID     string   `json:"roomId"`
	Goals      []string `json:"goals"`
	ShareGoals *bool    `json:"shareGoals"`
	// PlannedMinutes is the block's length, 5–240, or null/absent for an
	// open-ended one.
	PlannedMinutes *int `json:"plannedMinutes"`
}

// UpdateSessionInput is a partial update of an open session.
type UpdateSessionInput struct {
	Goals      []string `json:"goals"`
	Progress   *int     `json:"progress"`
	ShareGoals *bool    `json:"shareGoals"`
}

// CompleteSessionInput ends a session with what got done.
type CompleteSessionInput struct {
	Achievements []string `json:"achievements"`
	Rating       *int     `json:"rating"`
}

// StartTimerInput starts (or replaces) a room's timer.
type StartTimerInput struct {
	RoomID   string `json:"roomId"`
	Duration int    `json:"duration"`
	Type     string `json:"type"`
}

// MediaStateInput is what a person shares.
type MediaStateInput struct {
	RoomID   string `json:"roomId"`
	Camera   bool   `json:"camera"`
	Mic      bool   `json:"mic"`
	Watching bool   `json:"watching"`
}

// RTCInput is one signalling message: an offer or answer (SDP) or an ICE
// candidate (Candidate, which may be JSON null).
type RTCInput struct {
	RoomID    string          `json:"roomId"`
	To        string          `json:"to"`
	SDP       string          `json:"sdp"`
	Candidate json.RawMessage `json:"candidate"`
}

// ICECandidate is an RTCIceCandidateInit.
type ICECandidate struct {
	Candidate        string  `json:"candidate"`
	SDPMid           *string `json:"sdpMid"`
	SDPMLineIndex    *int    `json:"sdpMLineIndex"`
	UsernameFragment *string `json:"usernameFragment"`
}

// Optional distinguishes a JSON field that was absent, null, or set.
type Optional[T any] struct {
	Set   bool
	Null  bool
	Value T
}

// UnmarshalJSON records that the field was present.
func (o *Optional[T]) UnmarshalJSON(b []byte) error {
	o.Set = true
	if string(b) == "null" {
		o.Null = true
		return nil
	}
	return DecodeStrict(b, &o.Value)
}

// ProfileInput is a partial profile update.
type ProfileInput struct {
	DisplayName Optional[string] `json:"displayName"`
	AvatarURL   Optional[string] `json:"avatarUrl"`
}

// PreferencesInput is a partial preferences update; null resets a field to its default.
type PreferencesInput struct {
	WorkStyle               Optional[string]             `json:"workStyle"`
	PreferredRoomCategories Optional[[]string]           `json:"preferredRoomCategories"`
	NotificationSettings    Optional[NotificationInput]  `json:"notificationSettings"`
	AccessibilitySettings   Optional[AccessibilityInput] `json:"accessibilitySettings"`
}

// NotificationInput is a partial update of notification settings.
type NotificationInput struct {
	Sound  *bool `json:"sound"`
	System *bool `json:"system"`
}

// AccessibilityInput is a partial update of accessibility settings.
type AccessibilityInput struct {
	ReducedMotion *string `json:"reducedMotion"`
	HighContrast  *bool   `json:"highContrast"`
	LargerText    *bool   `json:"largerText"`
	Theme         *string `json:"theme"`
}

// RoomRef names a room: the data of leave-room and of the timer controls.
type RoomRef struct {
	RoomID string `json:"roomId"`
}

// JoinRoomInput is the data of join-room.
type JoinRoomInput struct {
	RoomID string `json:"roomId"`
	// UserPreferences is the seed's field; accepted and ignored.
	UserPreferences json.RawMessage `json:"userPreferences"`
}

// PresenceInput is the data of update-presence.
type PresenceInput struct {
	RoomID string `json:"roomId"`
	Status string `json:"status"`
}

// ProgressInput is the data of update-progress.
type ProgressInput struct {
	SessionID string `json:"sessionId"`
	Progress  *int   `json:"progress"`
}

// CompleteInput is the data of complete-session.
type CompleteInput struct {
	SessionID string `json:"sessionId"`
	CompleteSessionInput
}

// ReactionInput is the data of send-reaction: a reaction (clap, strong or
// coffee) to the participant To of the same room.
type ReactionInput struct {
	RoomID   string `json:"roomId"`
	To       string `json:"to"`
	Reaction string `json:"reaction"`
}

// RemoveInput is the data of remove-participant.
type RemoveInput struct {
	RoomID        string `json:"roomId"`
	ParticipantID string `json:"participantId"`
}

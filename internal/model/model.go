// Package model is Body Double's domain: the types every other package
// speaks (users, rooms, participants, focus sessions, timers, preferences),
// the rules that belong to them (Categories, DefaultPreferences,
// AvatarVersion) and the sentinel errors of the domain's vocabulary.
//
// It imports nothing of this module and only the standard library, so that
// every layer may use it: the store persists these types, the domain
// services (rooms, auth, users) apply rules to them, package wire turns
// them into what clients see, and package apperr turns the errors below
// into client error codes. Times held here are UTC, truncated to
// milliseconds.
package model

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"time"
)

// Sentinel errors. Implementations wrap them with %w; callers test with errors.Is.
var (
	// ErrNotFound means the row does not exist (or belongs to someone else
	// where the method says so).
	ErrNotFound = errors.New("model: not found")
	// ErrRoomFull means a join would exceed the room's maxCapacity.
	ErrRoomFull = errors.New("model: room full")
	// ErrNotInRoom means the user is not an active participant of the room.
	ErrNotInRoom = errors.New("model: not in room")
	// ErrConflict means a compare-and-swap lost (for example a timer version).
	ErrConflict = errors.New("model: conflict")
	// ErrRoomInactive means the room exists but is closed.
	ErrRoomInactive = errors.New("model: room inactive")
	// ErrBanned means the user was removed from the room and may not rejoin yet.
	ErrBanned = errors.New("model: banned from room")
)

// SessionActiveError is returned by StartSession when the user already has an
// open focus session; it names that session. errors.Is(err, ErrSessionActive) holds.
type SessionActiveError struct{ SessionID string }

func (e *SessionActiveError) Error() string { return "model: session active: " + e.SessionID }

// Is reports whether target is ErrSessionActive.
func (e *SessionActiveError) Is(target error) bool { return target == ErrSessionActive }

// ErrSessionActive is the sentinel matched by *SessionActiveError.
var ErrSessionActive = errors.New("model: session active")

// Categories lists the room categories, in display order.
var Categories = []string{"deep-work", "study", "creative", "admin", "chores"}

// User is an anonymous identity. AnonymousID is random and never shown to others.
type User struct {
	ID          string
	AnonymousID string
	DisplayName string
	// AvatarURL is the avatar picture as stored (a data: URL of up to 32
	// KB), or nil. CreateUser stores it; GetUser and UpdateUser leave it
	// nil and fill AvatarVersion instead, so that reading a profile never
	// costs the picture's bytes: only UserAvatar returns them.
	AvatarURL *string
	// AvatarVersion is AvatarVersion of the stored avatar, nil without one.
	// The store computes it whenever the avatar is written; what is passed
	// in is ignored.
	AvatarVersion *string
	CreatedAt     time.Time
	UpdatedAt     time.Time
	// Role is RoleMember, RoleModerator or RoleAdmin, as stored; what
	// CreateUser is given is ignored (everyone starts a member).
	Role string
}

// AvatarVersion names one version of a stored avatar: 16 hex digits of the
// SHA-256 of its data: URL. Stores keep it beside the picture, so that
// everything that shows an avatar by URL (room snapshots of dozens of
// people) reads 16 bytes per person instead of up to 32 KB and a hash; it
// must never change for an unchanged picture, as browsers cache avatar
// URLs carrying it for good.
func AvatarVersion(stored string) string {
	sum := sha256.Sum256([]byte(stored))
	return hex.EncodeToString(sum[:8])
}

// UserUpdate is a partial update; nil fields are kept. ClearAvatar sets
// avatar_url (and its version) NULL.
type UserUpdate struct {
	DisplayName *string
	AvatarURL   *string
	ClearAvatar bool
}

// NotificationSettings says how the app tells a person their timer ended.
type NotificationSettings struct {
	Sound  bool `json:"sound"`
	System bool `json:"system"`
}

// AccessibilitySettings are per-person display preferences.
type AccessibilitySettings struct {
	ReducedMotion string `json:"reducedMotion"` // system | reduce | no-preference
	HighContrast  bool   `json:"highContrast"`
	LargerText    bool   `json:"largerText"`
	// Theme is the colour scheme: system (follow the device), light or
	// dark. Rows saved before it existed lack the key and read as system.
	Theme string `json:"theme"`
}

// Preferences are a user's settings. A user without a stored row has DefaultPreferences.
type Preferences struct {
	WorkStyle               string // quiet | music | check-ins
	PreferredRoomCategories []string
	Notifications           NotificationSettings
	Accessibility           AccessibilitySettings
}

// DefaultPreferences returns the preferences of a user who never saved any.
// The end-of-block chime is on (one tap mutes it); system notifications
// are off until the person grants the permission. Stored rows keep what
// they stored.
func DefaultPreferences() Preferences {
	return Preferences{
		WorkStyle:               "quiet",
		PreferredRoomCategories: []string{},
		Notifications:           NotificationSettings{Sound: true},
		Accessibility:           AccessibilitySettings{ReducedMotion: "system", Theme: "system"},
	}
}

// Room is a place people work together. CurrentCapacity is always the number
// of active participants, computed by the store.
type Room struct {
	ID              string
	Name            string
	Description     *string
	Category        string
	MaxCapacity     int
	CurrentCapacity int
	MicPolicy       string // muted | open
	IsActive        bool
	CreatedBy       *string
	CreatedAt       time.Time
	// Unlisted rooms are found only through their link: the lobby
	// (ListRooms) and quick-join never show or pick them.
	Unlisted bool
	// TimerControl says who may control the timer of a room without a
	// cycle: TimerOwner (the creator) or TimerAnyone.
	TimerControl string
	// Cycle is the room's clock-aligned rhythm, or nil for a room whose
	// timer people control.
	Cycle *Cycle
}

// Who may control a room's timer (Room.TimerControl).
const (
	TimerOwner  = "owner"
	TimerAnyone = "anyone"
)

// Cycle is a room's rhythm: Work minutes of focus, then Break minutes of
// rest, back to back, each work phase starting at a whole multiple of
// Work+Break minutes since 00:00 UTC.
type Cycle struct {
	Work  int
	Break int
}

// ListRoomsOptions filters and pages ListRooms. Rooms are ordered by
// (created_at, id) ascending, or with OrderPeople by the number of people
// in them, most first, then (created_at, id); After is the id of the last
// room of the previous page ("" for the first page), and with OrderPeople
// AfterPeople is how many people that room had when the page was read (the
// count moves, so the position is the count the previous page saw).
type ListRoomsOptions struct {
	Category    string // "" for all
	After       string
	AfterPeople int
	Limit       int
	Order       string // OrderCreated ("" too) or OrderPeople
	HideFull    bool   // leave out rooms with as many people as seats
}

// Orders of ListRooms (ListRoomsOptions.Order).
const (
	OrderCreated = "created"
	OrderPeople  = "people"
)

// Participant is an active member of a room, joined with its user's profile.
type Participant struct {
	RoomID      string
	UserID      string
	DisplayName string
	// AvatarURL is always nil: participant reads never load the picture
	// (see AvatarVersion). Kept so that existing code still compiles.
	AvatarURL *string
	// AvatarVersion is the user's User.AvatarVersion: nil without an avatar.
	AvatarVersion *string
	Status        string // working | break | away
	JoinedAt      time.Time
	Media         Media
}

// Media is what a participant shares: camera, microphone, and whether they
// watch others' video.
type Media struct {
	Camera   bool
	Mic      bool
	Watching bool
}

// StatusUpdate is one participant's new status.
type StatusUpdate struct {
	RoomID string
	UserID string
	Status string // working | break | away
}

// JoinResult describes what JoinRoom changed.
type JoinResult struct {
	Room Room
	// AlreadyIn is true when the user was already an active participant (nothing changed).
	AlreadyIn bool
	// Left is the room the user was moved out of, if any, with the session
	// that move ended (nil if none).
	Left *LeaveResult
}

// LeaveResult describes what LeaveRoom changed.
type LeaveResult struct {
	Room Room
	// WasIn is false when the user was not an active participant (nothing changed).
	WasIn bool
	// EndedSession is the user's open focus session in that room, now ended
	// (EndedAt set, IsCompleted false), or nil.
	EndedSession *Session
}

// Session is a focus session.
type Session struct {
	ID              string
	RoomID          string
	UserID          string
	StartedAt       time.Time
	EndedAt         *time.Time
	DurationMinutes *int
	Goals           []string
	Achievements    []string
	Progress        int
	Rating          *int
	ShareGoals      bool
	IsCompleted     bool
	// PlannedMinutes is the length of the person's own block (5–240), or
	// nil when they did not choose one.
	PlannedMinutes *int
}

// SessionUpdate is a partial update of an open session; nil fields are kept.
type SessionUpdate struct {
	Goals      []string // nil keeps, non-nil replaces
	Progress   *int
	ShareGoals *bool
}

// HistoryOptions pages History: newest first by (started_at, id); Before is
// the id of the last session of the previous page ("" for the first page).
type HistoryOptions struct {
	Before string
	Limit  int
}

// Timer is a room's shared timer. Version grows by one on every change.
type Timer struct {
	RoomID    string
	State     string // idle | running | paused
	Type      string // work | break; "" when idle
	Duration  int    // seconds
	Remaining int    // seconds left when paused; when running derive from EndsAt
	EndsAt    *time.Time
	By        *string
	Version   int64
}

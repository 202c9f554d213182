// Package store defines Body Double's persistent state: the domain types and
// the Store interface that the SQLite and PostgreSQL implementations satisfy.
//
// Every method takes a context first and returns one of the sentinel errors
// below (possibly wrapped) for conditions a caller must handle. Times passed
// in and returned are UTC and truncated to milliseconds.
package store

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"time"
)

// Sentinel errors. Implementations wrap them with %w; callers test with errors.Is.
var (
	// ErrNotFound means the row does not exist (or belongs to someone else
	// where the method says so).
	ErrNotFound = errors.New("store: not found")
	// ErrRoomFull means a join would exceed the room's maxCapacity.
	ErrRoomFull = errors.New("store: room full")
	// ErrNotInRoom means the user is not an active participant of the room.
	ErrNotInRoom = errors.New("store: not in room")
	// ErrConflict means a compare-and-swap lost (for example a timer version).
	ErrConflict = errors.New("store: conflict")
	// ErrRoomInactive means the room exists but is closed.
	ErrRoomInactive = errors.New("store: room inactive")
	// ErrBanned means the user was removed from the room and may not rejoin yet.
	ErrBanned = errors.New("store: banned from room")
)

// SessionActiveError is returned by StartSession when the user already has an
// open focus session; it names that session. errors.Is(err, ErrSessionActive) holds.
type SessionActiveError struct{ SessionID string }

func (e *SessionActiveError) Error() string { return "store: session active: " + e.SessionID }

// Is reports whether target is ErrSessionActive.
func (e *SessionActiveError) Is(target error) bool { return target == ErrSessionActive }

// ErrSessionActive is the sentinel matched by *SessionActiveError.
var ErrSessionActive = errors.New("store: session active")

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
}

// Preferences are a user's settings. A user without a stored row has DefaultPreferences.
type Preferences struct {
	WorkStyle               string // quiet | music | check-ins
	PreferredRoomCategories []string
	Notifications           NotificationSettings
	Accessibility           AccessibilitySettings
}

// DefaultPreferences returns the preferences of a user who never saved any.
func DefaultPreferences() Preferences {
	return Preferences{
		WorkStyle:               "quiet",
		PreferredRoomCategories: []string{},
		Accessibility:           AccessibilitySettings{ReducedMotion: "system"},
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
}

// ListRoomsOptions filters and pages ListRooms. Rooms are ordered by
// (created_at, id) ascending; After is the id of the last room of the
// previous page ("" for the first page).
type ListRoomsOptions struct {
	Category string // "" for all
	After    string
	Limit    int
}

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

// Store is everything Body Double keeps. Implementations must be safe for
// concurrent use by many goroutines and many processes sharing one database.
type Store interface {
	// Close releases the database.
	Close() error

	// Secret returns the token-signing secret kept in the database, creating
	// it with generate() the first time. Concurrent first calls from several
	// processes all return the same value.
	Secret(ctx context.Context, generate func() string) (string, error)

	CreateUser(ctx context.Context, u User) error
	// GetUser returns a user with AvatarVersion, never the picture's bytes.
	GetUser(ctx context.Context, id string) (User, error)
	// UpdateUser applies upd and returns the user as GetUser does; writing
	// or clearing the avatar writes or clears its version with it.
	UpdateUser(ctx context.Context, id string, upd UserUpdate, now time.Time) (User, error)
	// UserAvatar returns a user's stored avatar (the data: URL);
	// ErrNotFound when there is no such user or they have none. It is the
	// one read that loads the picture: for serving it.
	UserAvatar(ctx context.Context, id string) (string, error)
	GetPreferences(ctx context.Context, userID string) (Preferences, error)
	PutPreferences(ctx context.Context, userID string, p Preferences, now time.Time) error

	// RevokeToken records a token id as revoked until expiresAt.
	RevokeToken(ctx context.Context, tokenID string, expiresAt time.Time) error
	// TokenRevoked reports whether tokenID was revoked.
	TokenRevoked(ctx context.Context, tokenID string) (bool, error)

	// SeedRooms inserts rooms whose ids do not exist yet; existing ids are left alone.
	SeedRooms(ctx context.Context, rooms []Room) error
	CreateRoom(ctx context.Context, r Room) (Room, error)
	GetRoom(ctx context.Context, id string) (Room, error)
	// ListRooms returns a page of rooms. The slice may be shared with other
	// callers (an implementation may keep answers): treat it as read-only.
	ListRooms(ctx context.Context, opts ListRoomsOptions) ([]Room, error)

	// JoinRoom makes userID an active participant of roomID, atomically:
	// leaving any other room first (ending the open session there), and
	// failing with ErrRoomFull when MaxCapacity active participants are
	// already in (ErrRoomInactive for a closed room, ErrNotFound for none,
	// ErrBanned while a Ban holds). A join starts with media off.
	// Joining a room one is already in changes nothing but extends
	// seen_until to holdUntil. A rejoin after leaving resets status to
	// working and joined_at to now. The seat is held until holdUntil unless
	// TouchParticipants extends it.
	JoinRoom(ctx context.Context, roomID, userID string, now, holdUntil time.Time) (JoinResult, error)
	// QuickJoin atomically picks and joins a room for userID: among active
	// rooms with a free seat, the one with the most active participants,
	// preferring categories in preferred among rooms that have participants
	// (ties: oldest room), never one the user is banned from. The user's
	// current room counts as a candidate
	// (and is returned with AlreadyIn if chosen). When every active room is
	// full, it creates fallback and joins it. Two concurrent QuickJoins by
	// different users must end up in the same room when a seat is free.
	QuickJoin(ctx context.Context, userID string, preferred []string, fallback Room, now, holdUntil time.Time) (JoinResult, error)
	// LeaveRoom ends userID's participation (left_at = now) and their open
	// focus session in that room. Leaving a room one is not in changes nothing.
	LeaveRoom(ctx context.Context, roomID, userID string, now time.Time) (LeaveResult, error)
	// CurrentRoom returns the room userID is active in, or ErrNotFound.
	CurrentRoom(ctx context.Context, userID string) (string, error)
	// Participants lists the active participants of a room, oldest join first.
	Participants(ctx context.Context, roomID string) ([]Participant, error)
	// AllParticipants lists every active participant of every room.
	AllParticipants(ctx context.Context) ([]Participant, error)
	// TouchParticipants extends seen_until to until for the active
	// participations of the given users (never shortening it).
	TouchParticipants(ctx context.Context, userIDs []string, until time.Time) error
	// ExpiredParticipants lists active participants whose seen_until is
	// before now (never one a running lease holds).
	ExpiredParticipants(ctx context.Context, now time.Time) ([]Participant, error)
	// ExpireParticipant leaves roomID for userID only if that participation
	// is still active with seen_until before now and no running lease holds
	// it; otherwise WasIn is false and
	// nothing changes. Several processes may race; exactly one sees WasIn.
	ExpireParticipant(ctx context.Context, roomID, userID string, now time.Time) (LeaveResult, error)

	// Seat holds. An instance with a live socket of a user in a room holds
	// that user's seat (whichever room it is in) for as long as the
	// instance's lease runs: the seat's seen_until stays beyond any sweep
	// while a hold of a running lease exists, and gets a grace period when
	// the last one goes. A live socket thus costs one write when it sits
	// down and one when it goes, and an instance one lease renewal per
	// period, however many sockets it has.
	//
	// RenewLease records that instanceID runs until until. It reports
	// whether the instance still had a lease: false the first time, and
	// after ReapLeases found it ended (its holds are gone, and its sockets'
	// seats must be held again).
	RenewLease(ctx context.Context, instanceID string, until time.Time) (bool, error)
	// HoldSeats makes instanceID a holder of the seats of userIDs, and
	// registers the instance with leaseUntil if it has no lease yet.
	// Holding again is harmless; unknown users are skipped. A seat a user
	// takes later while held (JoinRoom, QuickJoin) starts held.
	HoldSeats(ctx context.Context, instanceID string, userIDs []string, leaseUntil time.Time) error
	// ReleaseSeats drops instanceID's holds of userIDs; the seats no running
	// lease holds any more get seen_until = until, the grace period after a
	// user's last socket goes.
	ReleaseSeats(ctx context.Context, instanceID string, userIDs []string, now, until time.Time) error
	// EndLease ends instanceID's lease and releases all its holds as
	// ReleaseSeats does: a clean shutdown.
	EndLease(ctx context.Context, instanceID string, now, until time.Time) error
	// ReapLeases forgets the instances whose lease ended before now, with
	// their holds; the seats only they held expire (seen_until = now).
	ReapLeases(ctx context.Context, now time.Time) error
	// SetMedia records an active participant's media connection and, when
	// m is not nil, what they share. ErrNotInRoom otherwise.
	SetMedia(ctx context.Context, roomID, userID, conn string, m *Media) error
	// ClearMedia turns off what an active participant shares if conn is
	// still their media connection, and reports whether anything was on.
	ClearMedia(ctx context.Context, roomID, userID, conn string) (bool, error)
	// MediaConn returns the media connection of an active participant ("" if
	// none recorded), or ErrNotInRoom.
	MediaConn(ctx context.Context, roomID, userID string) (string, error)
	// Ban keeps userID out of roomID until the given time.
	Ban(ctx context.Context, roomID, userID string, until time.Time) error

	// SetStatuses stores participants' statuses in one transaction, at most
	// one update per participant. Updates
	// for someone no longer active in that room are skipped: status changes
	// are written behind, and the person may have left meanwhile.
	SetStatuses(ctx context.Context, updates []StatusUpdate) error

	// StartSession opens a focus session. The user must be an active
	// participant of s.RoomID (ErrNotInRoom) and have no open session
	// (*SessionActiveError). The store fills ID if empty.
	StartSession(ctx context.Context, s Session) (Session, error)
	GetSession(ctx context.Context, id string) (Session, error)
	// UpdateSession changes an open session owned by userID. ErrNotFound if
	// it does not exist or is not theirs; ErrConflict if it has ended.
	UpdateSession(ctx context.Context, id, userID string, upd SessionUpdate) (Session, error)
	// CompleteSession ends an open session owned by userID with achievements
	// and rating, setting EndedAt, DurationMinutes and IsCompleted.
	// ErrNotFound as UpdateSession; ErrConflict if it has already ended.
	CompleteSession(ctx context.Context, id, userID string, achievements []string, rating *int, now time.Time) (Session, error)
	// OpenSessions returns the open sessions of a room's participants.
	OpenSessions(ctx context.Context, roomID string) ([]Session, error)
	// History returns userID's sessions, newest first.
	History(ctx context.Context, userID string, opts HistoryOptions) ([]Session, error)
	// SessionsSince returns all of userID's sessions started at or after since, oldest first.
	SessionsSince(ctx context.Context, userID string, since time.Time) ([]Session, error)

	// GetTimer returns a room's timer; a room that never had one is idle at version 0.
	GetTimer(ctx context.Context, roomID string) (Timer, error)
	// SaveTimer stores t if the stored version is still prevVersion, else ErrConflict.
	// t.Version must be prevVersion+1.
	SaveTimer(ctx context.Context, t Timer, prevVersion int64) error
	// RunningTimers lists every timer in state running.
	RunningTimers(ctx context.Context) ([]Timer, error)
}

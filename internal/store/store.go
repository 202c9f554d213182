// Package store defines how Body Double keeps its state: the Store
// interface that the SQLite and PostgreSQL implementations (package
// sqlstore) satisfy, over the domain types of package model.
//
// Every method takes a context first and returns one of model's sentinel
// errors (possibly wrapped) for conditions a caller must handle. Times
// passed in and returned are UTC and truncated to milliseconds.
package store

import (
	"context"
	"time"

	"github.com/bodydouble/bodydouble/internal/model"
)

// Store is everything Body Double keeps. Implementations must be safe for
// concurrent use by many goroutines and many processes sharing one database.
type Store interface {
	// Blocks and reports (safety.go).
	SafetyStore
	PrivacyStore // export and erasure (privacy.go)
	// The retention job's reads and batches (retention.go).
	RetentionStore

	// Close releases the database.
	Close() error

	// Secret returns the token-signing secret kept in the database, creating
	// it with generate() the first time. Concurrent first calls from several
	// processes all return the same value.
	Secret(ctx context.Context, generate func() string) (string, error)

	CreateUser(ctx context.Context, u model.User) error
	// GetUser returns a user with model.AvatarVersion, never the picture's bytes.
	GetUser(ctx context.Context, id string) (model.User, error)
	// UpdateUser applies upd and returns the user as GetUser does; writing
	// or clearing the avatar writes or clears its version with it.
	UpdateUser(ctx context.Context, id string, upd model.UserUpdate, now time.Time) (model.User, error)
	// UserAvatar returns a user's stored avatar (the data: URL);
	// model.ErrNotFound when there is no such user or they have none. It is the
	// one read that loads the picture: for serving it.
	UserAvatar(ctx context.Context, id string) (string, error)
	GetPreferences(ctx context.Context, userID string) (model.Preferences, error)
	PutPreferences(ctx context.Context, userID string, p model.Preferences, now time.Time) error

	// RevokeToken records a token id as revoked until expiresAt.
	RevokeToken(ctx context.Context, tokenID string, expiresAt time.Time) error
	// TokenRevoked reports whether tokenID was revoked, or the person
	// userID it names was erased (EraseUser): an erased person's tokens on
	// other devices are refused too. userID may be empty (only the token
	// is asked about).
	TokenRevoked(ctx context.Context, tokenID, userID string) (bool, error)

	// SeedRooms inserts rooms whose ids do not exist yet; existing ids are left alone.
	SeedRooms(ctx context.Context, rooms []model.Room) error
	// CreateRoom stores r, Unlisted included.
	CreateRoom(ctx context.Context, r model.Room) (model.Room, error)
	// CountRoomsCreatedBy counts the rooms userID created that are still
	// open (is_active), and those created after since, open or not: the
	// per-user caps on creating rooms.
	CountRoomsCreatedBy(ctx context.Context, userID string, since time.Time) (RoomCounts, error)
	// GetRoom returns any room by id, unlisted ones too (the link finds them).
	GetRoom(ctx context.Context, id string) (model.Room, error)
	// ListRooms returns a page of listed rooms: never an unlisted one. The
	// slice may be shared with other callers (an implementation may keep
	// answers): treat it as read-only.
	ListRooms(ctx context.Context, opts model.ListRoomsOptions) ([]model.Room, error)
	// CloseEmptyRooms makes inactive the open rooms a person created
	// (CreatedBy set: starter rooms never) that nobody has been in since
	// emptySince: created at or before it, nobody in them, and nobody left
	// after it. It returns their ids, each once even when several
	// processes run it at once. Nothing is audited.
	CloseEmptyRooms(ctx context.Context, emptySince, now time.Time) ([]string, error)

	// JoinRoom makes userID an active participant of roomID, atomically:
	// leaving any other room first (ending the open session there), and
	// failing with model.ErrRoomFull when MaxCapacity active participants are
	// already in (model.ErrRoomInactive for a closed room, model.ErrNotFound for none,
	// model.ErrBanned while a Ban holds). A join starts with media off.
	// Joining a room one is already in changes nothing but extends
	// seen_until to holdUntil. A rejoin after leaving resets status to
	// working and joined_at to now. The seat is held until holdUntil unless
	// TouchParticipants extends it.
	JoinRoom(ctx context.Context, roomID, userID string, now, holdUntil time.Time) (model.JoinResult, error)
	// QuickJoin atomically picks and joins a room for userID: among active,
	// listed rooms with a free seat (never an unlisted one), the one with the most active participants,
	// preferring categories in preferred among rooms that have participants
	// (ties: oldest room), never one the user is banned from. The room the
	// user just left (the room of their latest leave, if at or after
	// leftSince) is chosen only when no other room has a seat for them. The
	// user's current room counts as a candidate
	// (and is returned with AlreadyIn if chosen). When every active room is
	// full, it creates fallback and joins it. Two concurrent QuickJoins by
	// different users must end up in the same room when a seat is free.
	QuickJoin(ctx context.Context, userID string, preferred []string, fallback model.Room, now, holdUntil, leftSince time.Time) (model.JoinResult, error)
	// LeaveRoom ends userID's participation (left_at = now) and their open
	// focus session in that room. Leaving a room one is not in changes nothing.
	LeaveRoom(ctx context.Context, roomID, userID string, now time.Time) (model.LeaveResult, error)
	// CurrentRoom returns the room userID is active in, or model.ErrNotFound.
	CurrentRoom(ctx context.Context, userID string) (string, error)
	// Participants lists the active participants of a room, oldest join first.
	Participants(ctx context.Context, roomID string) ([]model.Participant, error)
	// AllParticipants lists every active participant of every room.
	AllParticipants(ctx context.Context) ([]model.Participant, error)
	// TouchParticipants extends seen_until to until for the active
	// participations of the given users (never shortening it).
	TouchParticipants(ctx context.Context, userIDs []string, until time.Time) error
	// ExpiredParticipants lists active participants whose seen_until is
	// before now (never one a running lease holds).
	ExpiredParticipants(ctx context.Context, now time.Time) ([]model.Participant, error)
	// ExpireParticipant leaves roomID for userID only if that participation
	// is still active with seen_until before now and no running lease holds
	// it; otherwise WasIn is false and
	// nothing changes. Several processes may race; exactly one sees WasIn.
	ExpireParticipant(ctx context.Context, roomID, userID string, now time.Time) (model.LeaveResult, error)

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
	// m is not nil, what they share. model.ErrNotInRoom otherwise.
	SetMedia(ctx context.Context, roomID, userID, conn string, m *model.Media) error
	// ClearMedia turns off what an active participant shares if conn is
	// still their media connection, and reports whether anything was on.
	ClearMedia(ctx context.Context, roomID, userID, conn string) (bool, error)
	// MediaConn returns the media connection of an active participant ("" if
	// none recorded), or model.ErrNotInRoom.
	MediaConn(ctx context.Context, roomID, userID string) (string, error)
	// Ban keeps userID out of roomID until the given time.
	Ban(ctx context.Context, roomID, userID string, until time.Time) error

	// SetStatuses stores participants' statuses in one transaction, at most
	// one update per participant. Updates
	// for someone no longer active in that room are skipped: status changes
	// are written behind, and the person may have left meanwhile.
	SetStatuses(ctx context.Context, updates []model.StatusUpdate) error

	// StartSession opens a focus session. The user must be an active
	// participant of s.RoomID (model.ErrNotInRoom) and have no open session
	// (*model.SessionActiveError). The store fills ID if empty.
	StartSession(ctx context.Context, s model.Session) (model.Session, error)
	GetSession(ctx context.Context, id string) (model.Session, error)
	// UpdateSession changes an open session owned by userID. model.ErrNotFound if
	// it does not exist or is not theirs; model.ErrConflict if it has ended.
	UpdateSession(ctx context.Context, id, userID string, upd model.SessionUpdate) (model.Session, error)
	// CompleteSession ends an open session owned by userID with achievements
	// and rating, setting EndedAt, DurationMinutes and IsCompleted.
	// model.ErrNotFound as UpdateSession; model.ErrConflict if it has already ended.
	CompleteSession(ctx context.Context, id, userID string, achievements []string, rating *int, now time.Time) (model.Session, error)
	// OpenSessions returns the open sessions of a room's participants.
	OpenSessions(ctx context.Context, roomID string) ([]model.Session, error)
	// History returns userID's sessions, newest first.
	History(ctx context.Context, userID string, opts model.HistoryOptions) ([]model.Session, error)
	// SessionsSince returns all of userID's sessions started at or after since, oldest first.
	SessionsSince(ctx context.Context, userID string, since time.Time) ([]model.Session, error)

	// GetTimer returns a room's timer; a room that never had one is idle at version 0.
	GetTimer(ctx context.Context, roomID string) (model.Timer, error)
	// SaveTimer stores t if the stored version is still prevVersion, else model.ErrConflict.
	// t.Version must be prevVersion+1.
	SaveTimer(ctx context.Context, t model.Timer, prevVersion int64) error
	// RunningTimers lists every timer in state running.
	RunningTimers(ctx context.Context) ([]model.Timer, error)

	// Moderation. Every change below writes its audit entry in the same
	// transaction, so the log never misses a change nor records one that
	// did not happen.
	//
	// UserRole returns a user's role, or model.ErrNotFound.
	UserRole(ctx context.Context, userID string) (string, error)
	// SetUserRole changes a user's role (model.ErrNotFound for none).
	SetUserRole(ctx context.Context, userID, role string, a model.AuditEntry) error
	// CreateUserBan stores b (the store fills ID if empty); model.ErrNotFound
	// when the user does not exist.
	CreateUserBan(ctx context.Context, b model.UserBan, a model.AuditEntry) (model.UserBan, error)
	// ActiveUserBan returns the ban of userID in force at now that lasts
	// longest, or model.ErrNotFound.
	ActiveUserBan(ctx context.Context, userID string, now time.Time) (model.UserBan, error)
	// UserBans lists the bans in force at now, newest first.
	UserBans(ctx context.Context, now time.Time) ([]model.UserBan, error)
	// LiftUserBan deletes a ban and returns it; model.ErrNotFound for none.
	// An empty a.TargetID is the ban's user.
	LiftUserBan(ctx context.Context, id string, a model.AuditEntry) (model.UserBan, error)
	// CloseRoom makes a room inactive (model.ErrNotFound for none); its
	// participants are not touched (the caller has them leave).
	CloseRoom(ctx context.Context, roomID string, a model.AuditEntry) error
	// AddAudit appends an entry; its ID is assigned by the store.
	AddAudit(ctx context.Context, a model.AuditEntry) error
	// AuditLog returns up to limit entries, newest first, with ids below
	// beforeID when it is not "" (the previous page's last id).
	AuditLog(ctx context.Context, beforeID string, limit int) ([]model.AuditEntry, error)
	// PurgeAudit deletes the entries older than before and says how many.
	PurgeAudit(ctx context.Context, before time.Time) (int64, error)
}

// RoomCounts is what CountRoomsCreatedBy counts of one creator's rooms.
type RoomCounts struct {
	Open   int // rooms still open (is_active)
	Recent int // rooms created after since, open or closed
	// OldestRecent is the creation time of the oldest recent room (zero
	// when Recent is 0): when it leaves the window, Recent drops by one.
	OldestRecent time.Time
}

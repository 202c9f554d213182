// Package moderation is the site's safety tools: roles, site-wide bans,
// closing rooms, resetting names, and the audit log that records every
// one of them. Roles are read from the store on every request, never from
// a token, so that a change holds at once on every instance.
package moderation

import (
	"context"
	"errors"
	"log/slog"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"

	"github.com/bodydouble/bodydouble/internal/apperr"
	"github.com/bodydouble/bodydouble/internal/auth"
	"github.com/bodydouble/bodydouble/internal/broker"
	"github.com/bodydouble/bodydouble/internal/model"
	"github.com/bodydouble/bodydouble/internal/protocol"
	"github.com/bodydouble/bodydouble/internal/rooms"
	"github.com/bodydouble/bodydouble/internal/store"
)

// Audit actions. (Removals and closings are rooms' ActionRemove and
// ActionCloseRoom.)
const (
	ActionRole      = "role.set"
	ActionBan       = "user.ban"
	ActionUnban     = "user.unban"
	ActionResetName = "user.reset-name"
)

// CLIActor is the actor of changes made with the command line.
const CLIActor = "cli"

// Limits of the inputs.
const (
	MaxReason   = 500
	MaxBanHours = 10 * 365 * 24
	MaxPage     = 100
)

// Options configure a Service.
type Options struct {
	Store  store.Store
	Rooms  *rooms.Service
	Broker broker.Broker
	Logger *slog.Logger
	Now    func() time.Time
}

// Service runs moderation. It is safe for concurrent use.
type Service struct {
	store  store.Store
	rooms  *rooms.Service
	broker broker.Broker
	log    *slog.Logger
	now    func() time.Time
	bans   *banCache
	events banListeners
}

// New returns a Service. Call Run so that bans made on other instances
// reach this one at once.
func New(o Options) *Service {
	s := &Service{store: o.Store, rooms: o.Rooms, broker: o.Broker, log: o.Logger, now: o.Now}
	if s.log == nil {
		s.log = slog.Default()
	}
	if s.now == nil {
		s.now = time.Now
	}
	s.bans = newBanCache(s.now)
	return s
}

func (s *Service) clock() time.Time { return s.now().UTC().Truncate(time.Millisecond) }

var (
	errForbidden = apperr.New(apperr.Forbidden, "Only moderators can do this.")
	errNotAdmin  = apperr.New(apperr.Forbidden, "Only admins can change roles.")
)

// role reads userID's role; an unknown user is a member of nothing.
func (s *Service) role(ctx context.Context, userID string) (string, error) {
	role, err := s.store.UserRole(ctx, userID)
	if errors.Is(err, model.ErrNotFound) {
		return "", nil
	}
	if err != nil {
		return "", apperr.From(err)
	}
	return role, nil
}

// RequireStaff fails with forbidden unless actor is a moderator or admin.
func (s *Service) RequireStaff(ctx context.Context, actor string) error {
	return s.requireStaff(ctx, actor)
}

// RequireAdmin fails with forbidden unless actor is an admin.
func (s *Service) RequireAdmin(ctx context.Context, actor string) error {
	r, err := s.role(ctx, actor)
	if err != nil {
		return err
	}
	if r != model.RoleAdmin {
		return errNotAdmin
	}
	return nil
}

// requireStaff fails with forbidden unless actor is a moderator or admin.
func (s *Service) requireStaff(ctx context.Context, actor string) error {
	role, err := s.role(ctx, actor)
	if err != nil {
		return err
	}
	if !model.IsStaff(role) {
		return errForbidden
	}
	return nil
}

// reason checks a required reason: 1-500 characters after trimming.
func reason(field, r string) (string, error) {
	r = strings.TrimSpace(r)
	if r == "" || utf8.RuneCountInString(r) > MaxReason {
		return "", apperr.Field(field, "must be 1-500 characters")
	}
	return r, nil
}

// userID checks a target user id.
func userID(field, id string) error {
	if uuid.Validate(id) != nil {
		return apperr.Field(field, "must be a user id")
	}
	return nil
}

// SetRole is an admin's change of userID's role.
func (s *Service) SetRole(ctx context.Context, actor, target, role string) error {
	if err := s.RequireAdmin(ctx, actor); err != nil {
		return err
	}
	return s.setRole(ctx, actor, target, role)
}

// SetRoleCLI is the command line's change of a role: whoever runs it on
// the server's machine is trusted.
func (s *Service) SetRoleCLI(ctx context.Context, target, role string) error {
	return s.setRole(ctx, CLIActor, target, role)
}

func (s *Service) setRole(ctx context.Context, actor, target, role string) error {
	if err := userID("id", target); err != nil {
		return apperr.From(model.ErrNotFound)
	}
	if !slices.Contains(model.Roles, role) {
		return apperr.Field("role", "must be member, moderator or admin")
	}
	err := s.store.SetUserRole(ctx, target, role, model.AuditEntry{
		At: s.clock(), ActorID: actor, Action: ActionRole, TargetType: "user", TargetID: target, Reason: role,
	})
	if err != nil {
		return apperr.From(err)
	}
	return nil
}

// ResetName gives userID a fresh generated display name.
func (s *Service) ResetName(ctx context.Context, actor, target string) (model.User, error) {
	if err := s.requireStaff(ctx, actor); err != nil {
		return model.User{}, err
	}
	if userID("id", target) != nil {
		return model.User{}, apperr.From(model.ErrNotFound)
	}
	name := auth.RandomName()
	u, err := s.store.UpdateUser(ctx, target, model.UserUpdate{DisplayName: &name}, s.clock())
	if err != nil {
		return model.User{}, apperr.From(err)
	}
	s.audit(ctx, model.AuditEntry{ActorID: actor, Action: ActionResetName, TargetType: "user", TargetID: target})
	// The room they are in shows the new name at once, as after their own
	// profile change.
	if s.rooms != nil {
		if err := s.rooms.ProfileChanged(ctx, target); err != nil {
			s.log.Warn("moderation: tell the room of a reset name", "err", err)
		}
	}
	return u, nil
}

// CloseRoom closes a room: everyone leaves, and it becomes inactive.
func (s *Service) CloseRoom(ctx context.Context, actor, roomID, why string) error {
	if err := s.requireStaff(ctx, actor); err != nil {
		return err
	}
	why, err := reason("reason", why)
	if err != nil {
		return err
	}
	return s.rooms.CloseRoom(ctx, roomID, model.AuditEntry{At: s.clock(), ActorID: actor, Reason: why})
}

// RemoveParticipant is a moderator's removal, as the room's creator's
// (rooms checks the role and records it).
func (s *Service) RemoveParticipant(ctx context.Context, actor, roomID, participantID string) error {
	if err := s.requireStaff(ctx, actor); err != nil {
		return err
	}
	return s.rooms.RemoveParticipant(ctx, actor, roomID, participantID, protocol.Origin{})
}

// Audit returns a page of the audit log, newest first, and the cursor of
// the next page ("" at the end).
func (s *Service) Audit(ctx context.Context, actor, cursor string, limit int) ([]model.AuditEntry, string, error) {
	if err := s.requireStaff(ctx, actor); err != nil {
		return nil, "", err
	}
	if limit < 1 || limit > MaxPage {
		return nil, "", apperr.Field("limit", "must be 1-100")
	}
	if n, err := strconv.ParseInt(cursor, 10, 64); cursor != "" && (err != nil || n < 1) {
		return nil, "", apperr.Field("cursor", "is not a cursor this server gave out")
	}
	entries, err := s.store.AuditLog(ctx, cursor, limit+1)
	if err != nil {
		return nil, "", apperr.From(err)
	}
	next := ""
	if len(entries) > limit {
		entries = entries[:limit]
		next = entries[limit-1].ID
	}
	return entries, next, nil
}

// PurgeAudit deletes the entries older than retain.
func (s *Service) PurgeAudit(ctx context.Context, retain time.Duration) (int64, error) {
	return s.store.PurgeAudit(ctx, s.clock().Add(-retain))
}

// audit records an entry of a change already made; a failure is logged.
func (s *Service) audit(ctx context.Context, a model.AuditEntry) {
	a.At = s.clock()
	if err := s.store.AddAudit(ctx, a); err != nil {
		s.log.Error("moderation: audit", "action", a.Action, "err", err)
	}
}

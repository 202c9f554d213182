package rooms

import (
	"context"
	"errors"

	"github.com/bodydouble/bodydouble/internal/apperr"
	"github.com/bodydouble/bodydouble/internal/model"
)

// Audit actions written by rooms.
const (
	ActionRemove    = "participant.remove"
	ActionCloseRoom = "room.close"
)

// isStaff reports whether userID is a moderator or admin, read from the
// store every time so that a role change holds at once everywhere.
func (s *Service) isStaff(ctx context.Context, userID string) (bool, error) {
	role, err := s.store.UserRole(ctx, userID)
	if errors.Is(err, model.ErrNotFound) {
		return false, nil
	}
	if err != nil {
		return false, apperr.From(err)
	}
	return model.IsStaff(role), nil
}

// auditRemoval records a moderator's removal of someone from a room that
// is not theirs. The removal has happened: a failure here is logged.
func (s *Service) auditRemoval(ctx context.Context, byUser, roomID, participantID string) {
	err := s.store.AddAudit(ctx, model.AuditEntry{
		At: s.clock(), ActorID: byUser, Action: ActionRemove,
		TargetType: "user", TargetID: participantID, Reason: "removed from room " + roomID,
	})
	if err != nil {
		s.log.Error("rooms: audit a removal", "room", roomID, "err", err)
	}
}

// CloseRoom is a moderator's closing of a room (the caller checked the
// role): the room becomes inactive, a is recorded with it, and everyone
// in it leaves, told participant-left with reason removed.
func (s *Service) CloseRoom(ctx context.Context, roomID string, a model.AuditEntry) error {
	if err := checkID(roomID); err != nil {
		return err
	}
	a.Action, a.TargetType, a.TargetID = ActionCloseRoom, "room", roomID
	if err := s.store.CloseRoom(ctx, roomID, a); err != nil {
		return apperr.From(err)
	}
	return s.emptyClosed(ctx, roomID)
}

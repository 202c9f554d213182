package users

import (
	"context"

	"github.com/google/uuid"

	"github.com/bodydouble/bodydouble/internal/apperr"
	"github.com/bodydouble/bodydouble/internal/model"
)

// Export returns everything stored about userID (docs/api.md "Your
// data"): their own rows, never what others stored about them.
func (s *Service) Export(ctx context.Context, userID string) (model.UserExport, error) {
	x, err := s.store.ExportUser(ctx, userID)
	if err != nil {
		return model.UserExport{}, apperr.From(err)
	}
	return x, nil
}

// Erase removes userID from the database for good and returns the id
// of the stand-in that replaces them in the reports and the audit log
// (store.PrivacyStore.EraseUser). The caller leaves their room first, so
// the room hears them go, and afterwards ends their tokens and sockets.
// Ids are random and never reused, so an erased id never comes back.
func (s *Service) Erase(ctx context.Context, userID string) (string, error) {
	stand := uuid.NewString()
	if err := s.store.EraseUser(ctx, userID, stand, s.now().UTC()); err != nil {
		return "", apperr.From(err)
	}
	return stand, nil
}

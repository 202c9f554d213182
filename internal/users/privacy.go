package users

import (
	"context"
	"encoding/base64"
	"strings"

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
	// An uploaded picture is stored as a reference to the blob store;
	// the export carries the picture itself, as a data: URL like the
	// avatars kept in the database.
	if ref := x.User.AvatarURL; ref != nil && strings.HasPrefix(*ref, blobRef) {
		a, err := s.blobAvatar(ctx, *ref)
		switch {
		case err != nil && apperr.From(err).Code == apperr.NotFound:
			x.User.AvatarURL = nil // the file is gone: there is no picture to give
		case err != nil:
			return model.UserExport{}, err
		default:
			u := "data:" + a.ContentType + ";base64," + base64.StdEncoding.EncodeToString(a.Data)
			x.User.AvatarURL = &u
		}
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

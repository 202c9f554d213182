package api

import (
	"errors"
	"io"
	"net/http"

	"github.com/bodydouble/bodydouble/internal/apperr"
	"github.com/bodydouble/bodydouble/internal/users"
	"github.com/bodydouble/bodydouble/internal/wire"
)

// avatarUploadPath is the one route whose body may be larger than
// maxBody: a picture of up to users.MaxUploadBytes.
const avatarUploadPath = "/api/users/me/avatar"

// bodyLimit is the largest body r may send (middleware.go).
func bodyLimit(r *http.Request) int64 {
	if r.URL.Path == avatarUploadPath && r.Method == http.MethodPut {
		return users.MaxUploadBytes
	}
	return maxBody
}

// clientConfig is GET /api/config: what the server lets the app offer.
func (s *server) clientConfig(w http.ResponseWriter, r *http.Request) error {
	return writeJSON(w, http.StatusOK, struct {
		AvatarUploads bool `json:"avatarUploads"`
	}{s.users.UploadsEnabled()})
}

// uploadAvatar is PUT /api/users/me/avatar: the body is the picture
// (Content-Type image/png, image/jpeg or image/webp, at most 2 MB). It is
// cropped and re-encoded to 256 × 256 (users.ProcessAvatar) and becomes
// the caller's avatar; their room is told, as after a profile change.
// Forbidden unless --avatar-uploads is on.
func (s *server) uploadAvatar(w http.ResponseWriter, r *http.Request) error {
	if r.ContentLength > users.MaxUploadBytes {
		return apperr.New(apperr.TooLarge, "Use a picture of at most 2 MB.")
	}
	data, err := io.ReadAll(r.Body)
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) {
		return apperr.New(apperr.TooLarge, "Use a picture of at most 2 MB.")
	}
	if err != nil {
		return apperr.Field("body", "could not be read")
	}
	if !s.users.UploadsEnabled() {
		return apperr.New(apperr.Forbidden, "Uploading pictures is turned off on this server.")
	}
	id := identity(r).UserID
	u, err := s.users.UploadAvatar(r.Context(), id, r.Header.Get("Content-Type"), data)
	if err == nil {
		s.profileChanged(r, id)
	}
	return answer(w, http.StatusOK, u, err, wire.FromUser)
}

// modRemoveAvatar is DELETE /api/mod/users/{id}/avatar: a moderator
// removes someone's avatar (uploaded or not); it is audited and their
// room is told. The answer is the user without it.
func (s *server) modRemoveAvatar(w http.ResponseWriter, r *http.Request) error {
	actor := identity(r).UserID
	if err := s.mod.RequireStaff(r.Context(), actor); err != nil {
		return err
	}
	target, err := pathID(r)
	if err != nil {
		return err
	}
	u, err := s.users.ModeratorRemoveAvatar(r.Context(), actor, target)
	if err == nil {
		s.profileChanged(r, target)
	}
	return answer(w, http.StatusOK, u, err, wire.FromUser)
}

// profileChanged tells userID's room, if any, of a new avatar; a failure
// is only logged, since later snapshots show it.
func (s *server) profileChanged(r *http.Request, userID string) {
	if err := s.rooms.ProfileChanged(r.Context(), userID); err != nil {
		s.log.Warn("api: tell the room of an avatar change", "user", userID, "err", err)
	}
}

// eraseAvatarBlob deletes the uploaded picture ref names (users.AvatarRef,
// read before the person was erased); a failure is logged, the person is
// erased already.
func (s *server) eraseAvatarBlob(r *http.Request, ref string) {
	if err := s.users.DropAvatarBlob(r.Context(), ref); err != nil {
		s.log.Error("api: delete the avatar of an erased person", "requestId", info(r).id, "err", err)
	}
}

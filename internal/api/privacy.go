package api

import (
	"net/http"

	"github.com/bodydouble/bodydouble/internal/protocol"
	"github.com/bodydouble/bodydouble/internal/wire"
)

// exportMe is GET /api/users/me/export: everything stored about the
// caller as one JSON download named with the day (UTC). Banned people may
// use it (bannedMayUse).
func (s *server) exportMe(w http.ResponseWriter, r *http.Request) error {
	x, err := s.users.Export(r.Context(), identity(r).UserID)
	if err != nil {
		return err
	}
	now := s.now().UTC()
	w.Header().Set("Content-Disposition", `attachment; filename="body-double-export-`+now.Format("2006-01-02")+`.json"`)
	return writeJSON(w, http.StatusOK, wire.FromExport(x, wire.Time(now)))
}

// eraseMe is DELETE /api/users/me: the caller is erased for good. They
// leave their room first (so it hears them go, and their open session
// ends), then their data goes in one transaction (users.Erase), then the
// token they used is revoked, the cookie cleared and every socket of
// theirs, on every instance, closed with 4401. Banned people may use it.
func (s *server) eraseMe(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	id := identity(r)
	room, err := s.rooms.CurrentRoom(ctx, id.UserID)
	if err != nil {
		return err
	}
	if room != "" {
		if _, _, err := s.rooms.Leave(ctx, id.UserID, room, protocol.Origin{}); err != nil {
			return err
		}
	}
	avatar, err := s.users.AvatarRef(ctx, id.UserID)
	if err != nil {
		return err
	}
	if _, err := s.users.Erase(ctx, id.UserID); err != nil {
		return err
	}
	s.eraseAvatarBlob(r, avatar)
	if err := s.auth.Revoke(ctx, id); err != nil {
		// They are erased already: the token now names nobody. Say so in
		// the log, and still close what is theirs.
		s.log.Error("api: revoke the token of an erased person", "requestId", info(r).id, "err", err)
	}
	if s.onLogout != nil {
		s.onLogout(ctx, id)
	}
	if s.onErase != nil {
		s.onErase(ctx, id.UserID)
	}
	s.clearCookie(w, r)
	w.WriteHeader(http.StatusNoContent)
	return nil
}

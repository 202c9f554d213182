package api

import (
	"context"
	"net/http"

	"github.com/bodydouble/bodydouble/internal/apperr"
	"github.com/bodydouble/bodydouble/internal/moderation"
	"github.com/bodydouble/bodydouble/internal/wire"
)

// Moderation routes (moderators and admins; forbidden otherwise). The
// role is read from the store on every request by package moderation.

// createBan is POST /api/mod/bans.
func (s *server) createBan(w http.ResponseWriter, r *http.Request) error {
	in, err := decoded[wire.BanInput](r)
	if err != nil {
		return s.bodyError(r, err, s.mod.RequireStaff)
	}
	b, err := s.mod.Ban(r.Context(), identity(r).UserID, in.UserID, in.Reason, in.DurationHours)
	return answer(w, http.StatusCreated, b, err, wire.FromBan)
}

// listBans is GET /api/mod/bans: the bans in force, newest first.
func (s *server) listBans(w http.ResponseWriter, r *http.Request) error {
	bans, err := s.mod.Bans(r.Context(), identity(r).UserID)
	if err != nil {
		return err
	}
	out := wire.BanList{Bans: make([]wire.Ban, 0, len(bans))}
	for _, b := range bans {
		out.Bans = append(out.Bans, wire.FromBan(b))
	}
	return writeJSON(w, http.StatusOK, out)
}

// deleteBan is DELETE /api/mod/bans/{id}.
func (s *server) deleteBan(w http.ResponseWriter, r *http.Request) error {
	if err := s.mod.Unban(r.Context(), identity(r).UserID, r.PathValue("id")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// closeRoom is POST /api/mod/rooms/{id}/close: everyone leaves, and the
// room becomes inactive.
func (s *server) closeRoom(w http.ResponseWriter, r *http.Request) error {
	in, err := decoded[wire.ReasonInput](r)
	if err != nil {
		return s.bodyError(r, err, s.mod.RequireStaff)
	}
	if err := s.mod.CloseRoom(r.Context(), identity(r).UserID, r.PathValue("id"), in.Reason); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// resetName is POST /api/mod/users/{id}/reset-name: a fresh generated
// name; the answer is the user with it.
func (s *server) resetName(w http.ResponseWriter, r *http.Request) error {
	u, err := s.mod.ResetName(r.Context(), identity(r).UserID, r.PathValue("id"))
	return answer(w, http.StatusOK, u, err, wire.FromUser)
}

// audit is GET /api/mod/audit?cursor=&limit=: the audit log, newest first.
func (s *server) audit(w http.ResponseWriter, r *http.Request) error {
	if err := s.mod.RequireStaff(r.Context(), identity(r).UserID); err != nil {
		return err
	}
	limit, err := pageLimit(r)
	if err != nil {
		return err
	}
	entries, next, err := s.mod.Audit(r.Context(), identity(r).UserID, r.URL.Query().Get("cursor"), limit)
	if err != nil {
		return err
	}
	page := wire.AuditPage{Entries: make([]wire.AuditEntry, 0, len(entries)), NextCursor: cursor(next)}
	for _, a := range entries {
		page.Entries = append(page.Entries, wire.FromAudit(a))
	}
	return writeJSON(w, http.StatusOK, page)
}

// bannedMayUse are the routes a banned person may still use: to see that
// they are signed in (and banned), to sign out, and to take their data
// with them or erase it.
var bannedMayUse = map[string]bool{
	http.MethodGet + " /api/auth/session":    true,
	http.MethodPost + " /api/auth/logout":    true,
	http.MethodGet + " /api/users/me/export": true,
	http.MethodDelete + " /api/users/me":     true,
}

// refuseBanned answers banned for a banned caller of any other route. The
// check is a cached lookup (package moderation), cheap on every request.
func (s *server) refuseBanned(r *http.Request, rt route) error {
	if s.mod == nil || bannedMayUse[rt.method+" "+rt.path] {
		return nil
	}
	b, err := s.mod.Banned(r.Context(), identity(r).UserID)
	if err != nil {
		return err
	}
	if b != nil {
		return moderation.BannedError(*b)
	}
	return nil
}

// bodyError is the answer to a moderation request whose body could not be
// decoded: too_large as on every route, else forbidden for someone without
// the role (who learns nothing of the body's rules), else the decode error.
func (s *server) bodyError(r *http.Request, err error, require func(context.Context, string) error) error {
	if apperr.From(err).Code == apperr.TooLarge {
		return err
	}
	if rerr := require(r.Context(), identity(r).UserID); rerr != nil {
		return rerr
	}
	return err
}

package api

import (
	"errors"
	"net/http"

	"github.com/bodydouble/bodydouble/internal/apperr"
	"github.com/bodydouble/bodydouble/internal/auth"
	"github.com/bodydouble/bodydouble/internal/httpx"
	"github.com/bodydouble/bodydouble/internal/model"
	"github.com/bodydouble/bodydouble/internal/wire"
)

// anonymous is POST /api/auth/anonymous: a new anonymous identity (201),
// or, when the caller already has a valid session, that same identity
// (200), so a second click never loses anyone's history.
func (s *server) anonymous(w http.ResponseWriter, r *http.Request) error {
	token, fromCookie := httpx.Token(r)
	// A browser sends Origin on every POST: a foreign one must not mint
	// or refresh our cookie; a cookie without Origin/Referer is refused
	// as on every other cookie-authenticated POST.
	if (fromCookie || r.Header.Get("Origin") != "") && !s.sameOrigin(r) {
		return errCrossOrigin
	}
	if token != "" {
		id, err := s.auth.Verify(r.Context(), token)
		switch {
		case err == nil:
			u, err := s.users.Profile(r.Context(), id.UserID)
			if err != nil {
				if apperr.From(err).Code == apperr.NotFound {
					break // the user is gone: start afresh below
				}
				return err
			}
			if id, err = s.renewed(id); err != nil {
				return err
			}
			s.setCookie(w, r, id)
			return writeJSON(w, http.StatusOK, wire.AuthSession{Token: id.Token, ExpiresAt: wire.Time(id.ExpiresAt), User: ownUser(u)})
		case !errors.Is(err, auth.ErrUnauthorized):
			return err
		}
	}
	if err := s.allowIdentity(w, r); err != nil {
		return err
	}
	u, id, err := s.auth.CreateAnonymous(r.Context())
	if err != nil {
		return err
	}
	s.setCookie(w, r, id)
	return writeJSON(w, http.StatusCreated, wire.AuthSession{Token: id.Token, ExpiresAt: wire.Time(id.ExpiresAt), User: ownUser(u)})
}

// session is GET /api/auth/session: who the caller is, with their token,
// marking them active for retention. A Bearer client whose token is in the second half of its life gets a
// fresh one here (cookie clients got theirs in the middleware).
func (s *server) session(w http.ResponseWriter, r *http.Request) error {
	id, err := s.renewed(identity(r))
	if err != nil {
		return err
	}
	u, err := s.users.Profile(r.Context(), id.UserID)
	if err != nil {
		return err
	}
	// The app asks this on every start: the person is active (retention
	// counts from here and from room joins). A failure only costs the mark.
	if err := s.users.MarkActive(r.Context(), id.UserID); err != nil && r.Context().Err() == nil {
		s.log.Warn("api: mark active", "requestId", info(r).id, "err", err)
	}
	return writeJSON(w, http.StatusOK, wire.AuthSession{Token: id.Token, ExpiresAt: wire.Time(id.ExpiresAt), User: ownUser(u)})
}

// renewed returns id, or a fresh identity for the same user when id is in
// the second half of its life.
func (s *server) renewed(id auth.Identity) (auth.Identity, error) {
	if !s.auth.NeedsRenewal(id) {
		return id, nil
	}
	return s.auth.Issue(id.UserID)
}

// logout is POST /api/auth/logout: the token is revoked in the database
// (so on every instance), the cookie cleared, and the sockets opened with
// the token are closed with 4401.
func (s *server) logout(w http.ResponseWriter, r *http.Request) error {
	id := identity(r)
	if err := s.auth.Revoke(r.Context(), id); err != nil {
		return err
	}
	if s.onLogout != nil {
		s.onLogout(r.Context(), id)
	}
	s.clearCookie(w, r)
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// ownUser is the caller's own user: the only user object that carries a
// role (an anonymous user made just now is a member).
func ownUser(u model.User) wire.User {
	w := wire.FromUser(u)
	w.Role = u.Role
	if w.Role == "" {
		w.Role = model.RoleMember
	}
	return w
}

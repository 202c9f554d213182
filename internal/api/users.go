package api

import (
	"bytes"
	"net/http"
	"time"

	"github.com/bodydouble/bodydouble/internal/wire"
)

// getProfile is GET /api/users/profile: the caller's own profile.
func (s *server) getProfile(w http.ResponseWriter, r *http.Request) error {
	u, err := s.users.Profile(r.Context(), identity(r).UserID)
	return answer(w, http.StatusOK, u, err, wire.FromUser)
}

// putProfile is PUT /api/users/profile, a partial update: omitted fields
// are kept, avatarUrl null removes the avatar. The caller's room, if any,
// is told at once (participant-updated); a failure to tell it is only
// logged, since the profile is saved and later snapshots show it.
func (s *server) putProfile(w http.ResponseWriter, r *http.Request) error {
	in, err := decoded[wire.ProfileInput](r)
	if err != nil {
		return err
	}
	id := identity(r).UserID
	u, err := s.users.UpdateProfile(r.Context(), id, in)
	if err == nil && (in.DisplayName.Set || in.AvatarURL.Set) {
		if err := s.rooms.ProfileChanged(r.Context(), id); err != nil {
			s.log.Warn("api: tell the room of a profile change", "user", id, "err", err)
		}
	}
	return answer(w, http.StatusOK, u, err, wire.FromUser)
}

// Header values of an avatar answer, shared like those in middleware.go.
var (
	avatarCacheForever = []string{"private, max-age=31536000, immutable"}
	avatarRevalidate   = []string{"private, no-cache"}
	avatarCSP          = []string{"default-src 'none'"}
)

// getAvatar is GET /api/users/{id}/avatar: the picture behind the
// avatarUrl every User and Participant carries (wire.AvatarPath). Its v
// names one version of the picture, so that answer may be cached for
// good; a v that is not the current one (the picture changed since the
// URL was sent) gets the current picture, to be revalidated every time.
// nosniff and a CSP that allows nothing keep the bytes an image even if
// someone opens the URL directly.
func (s *server) getAvatar(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	a, err := s.users.Avatar(r.Context(), id)
	if err != nil {
		return err
	}
	h := w.Header()
	h["Content-Type"] = []string{a.ContentType}
	h["Content-Security-Policy"] = avatarCSP
	h["X-Content-Type-Options"] = noSniff
	h["Etag"] = []string{`"` + a.Version + `"`}
	if r.URL.Query().Get("v") == a.Version {
		h["Cache-Control"] = avatarCacheForever
	} else {
		h["Cache-Control"] = avatarRevalidate
	}
	// ServeContent answers If-None-Match with 304, and HEAD and Range too.
	http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(a.Data))
	return nil
}

// getPreferences is GET /api/users/preferences (defaults until saved).
func (s *server) getPreferences(w http.ResponseWriter, r *http.Request) error {
	p, err := s.users.Preferences(r.Context(), identity(r).UserID)
	return answer(w, http.StatusOK, p, err, wire.FromPreferences)
}

// putPreferences is PUT /api/users/preferences, a partial update: omitted
// fields are kept, null resets a field to its default.
func (s *server) putPreferences(w http.ResponseWriter, r *http.Request) error {
	in, err := decoded[wire.PreferencesInput](r)
	if err != nil {
		return err
	}
	p, err := s.users.UpdatePreferences(r.Context(), identity(r).UserID, in)
	return answer(w, http.StatusOK, p, err, wire.FromPreferences)
}

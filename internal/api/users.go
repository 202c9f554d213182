package api

import (
	"net/http"

	"github.com/bodydouble/bodydouble/internal/users"
	"github.com/bodydouble/bodydouble/internal/wire"
)

// getProfile is GET /api/users/profile: the caller's own profile.
func (s *server) getProfile(w http.ResponseWriter, r *http.Request) error {
	u, err := s.users.Profile(r.Context(), identity(r).UserID)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, wire.FromUser(u))
}

// putProfile is PUT /api/users/profile, a partial update: omitted fields
// are kept, avatarUrl null removes the avatar.
func (s *server) putProfile(w http.ResponseWriter, r *http.Request) error {
	var in users.ProfileInput
	if err := decode(r, &in); err != nil {
		return err
	}
	u, err := s.users.UpdateProfile(r.Context(), identity(r).UserID, in)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, wire.FromUser(u))
}

// getPreferences is GET /api/users/preferences (defaults until saved).
func (s *server) getPreferences(w http.ResponseWriter, r *http.Request) error {
	p, err := s.users.Preferences(r.Context(), identity(r).UserID)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, wire.FromPreferences(p))
}

// putPreferences is PUT /api/users/preferences, a partial update: omitted
// fields are kept, null resets a field to its default.
func (s *server) putPreferences(w http.ResponseWriter, r *http.Request) error {
	var in users.PreferencesInput
	if err := decode(r, &in); err != nil {
		return err
	}
	p, err := s.users.UpdatePreferences(r.Context(), identity(r).UserID, in)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, wire.FromPreferences(p))
}

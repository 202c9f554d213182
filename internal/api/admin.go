package api

import (
	"net/http"

	"github.com/bodydouble/bodydouble/internal/wire"
)

// setRole is PUT /api/admin/users/{id}/role {role}: admins only.
func (s *server) setRole(w http.ResponseWriter, r *http.Request) error {
	in, err := decoded[wire.RoleInput](r)
	if err != nil {
		return s.bodyError(r, err, s.mod.RequireAdmin)
	}
	if err := s.mod.SetRole(r.Context(), identity(r).UserID, r.PathValue("id"), in.Role); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

package api

import (
	"net/http"

	"github.com/bodydouble/bodydouble/internal/wire"
)

// listBlocks is GET /api/blocks: whom the caller blocks, newest first.
func (s *server) listBlocks(w http.ResponseWriter, r *http.Request) error {
	bs, err := s.safety.Blocks(r.Context(), identity(r).UserID)
	return answer(w, http.StatusOK, bs, err, wire.FromBlocks)
}

// block is POST /api/blocks: 204, and the same again for a repeat.
func (s *server) block(w http.ResponseWriter, r *http.Request) error {
	in, err := decoded[wire.BlockInput](r)
	if err != nil {
		return err
	}
	if err := s.safety.Block(r.Context(), identity(r).UserID, in); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// unblock is DELETE /api/blocks/{userId}: 204 whether or not there was a
// block.
func (s *server) unblock(w http.ResponseWriter, r *http.Request) error {
	if err := s.safety.Unblock(r.Context(), identity(r).UserID, r.PathValue("userId")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

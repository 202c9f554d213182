package api

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"

	"github.com/bodydouble/bodydouble/internal/apperr"
	"github.com/bodydouble/bodydouble/internal/wire"
)

// codeMethodNotAllowed is the code of a 405, which only REST has and so is
// not part of the shared vocabulary in apperr.
const codeMethodNotAllowed = "method_not_allowed"

// problem answers r with err as a problem document. Errors that are not
// *apperr.Error are internal: their cause is logged with the request id
// and never shown.
func (s *server) problem(w http.ResponseWriter, r *http.Request, err error) {
	e := apperr.From(err)
	s.writeProblem(w, r, e.Status(), e)
}

func (s *server) writeProblem(w http.ResponseWriter, r *http.Request, status int, e *apperr.Error) {
	in := info(r)
	if e.Code == apperr.Internal {
		level := s.log.Error
		if errors.Is(e, context.Canceled) && r.Context().Err() != nil {
			level = s.log.Debug // the client went away; nothing is wrong here
		}
		level("api: internal error", "requestId", in.id, "route", in.pattern, "err", e.Cause)
	}
	p := wire.Problem{
		Type: "about:blank", Title: http.StatusText(status), Status: status,
		Code: e.Code, Message: e.Message, SessionID: e.SessionID, RequestID: in.id,
	}
	if e.Code == apperr.Invalid {
		p.Errors = e.Capped()
	}
	if e.Ban != nil {
		p.Reason = e.Ban.Reason
		if e.Ban.Until != nil {
			u := wire.Time(*e.Ban.Until)
			p.Until = &u
		}
	}
	b, _ := json.Marshal(p) // a problem always encodes
	w.Header().Set("Content-Type", "application/problem+json")
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

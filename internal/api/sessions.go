package api

import (
	"net/http"
	"time"
	_ "time/tzdata" // stats accept any IANA zone, even where the system has no zoneinfo

	"github.com/bodydouble/bodydouble/internal/apperr"
	"github.com/bodydouble/bodydouble/internal/protocol"
	"github.com/bodydouble/bodydouble/internal/wire"
)

// startSession is POST /api/sessions: a focus session in the room the
// caller is in (409 not_in_room otherwise; 409 session_active, naming it,
// when one is open already).
func (s *server) startSession(w http.ResponseWriter, r *http.Request) error {
	in, err := decoded[wire.StartSessionInput](r)
	if err != nil {
		return err
	}
	sess, err := s.rooms.StartSession(r.Context(), identity(r).UserID, in, protocol.Origin{})
	if err != nil {
		return err
	}
	w.Header().Set("Location", "/api/sessions/"+sess.ID)
	return writeJSON(w, http.StatusCreated, wire.FromSession(sess))
}

// getSession is GET /api/sessions/{id}; someone else's session is not found.
func (s *server) getSession(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	sess, err := s.rooms.GetSession(r.Context(), identity(r).UserID, id)
	return answer(w, http.StatusOK, sess, err, wire.FromSession)
}

// updateSession is PUT /api/sessions/{id}: goals, progress or shareGoals
// of an open session, partially.
func (s *server) updateSession(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	in, err := decoded[wire.UpdateSessionInput](r)
	if err != nil {
		return err
	}
	sess, err := s.rooms.UpdateSession(r.Context(), identity(r).UserID, id, in, protocol.Origin{})
	return answer(w, http.StatusOK, sess, err, wire.FromSession)
}

// completeSession is POST /api/sessions/{id}/complete: what got done and
// an optional rating; sets endedAt and durationMinutes.
func (s *server) completeSession(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	in, err := decoded[wire.CompleteSessionInput](r)
	if err != nil {
		return err
	}
	sess, err := s.rooms.CompleteSession(r.Context(), identity(r).UserID, id, in, protocol.Origin{})
	return answer(w, http.StatusOK, sess, err, wire.FromSession)
}

// history is GET /api/sessions/history?cursor=&limit=: the caller's own
// sessions, newest first.
func (s *server) history(w http.ResponseWriter, r *http.Request) error {
	limit, err := pageLimit(r)
	if err != nil {
		return err
	}
	list, next, err := s.rooms.History(r.Context(), identity(r).UserID, r.URL.Query().Get("cursor"), limit)
	if err != nil {
		return err
	}
	page := wire.SessionPage{Sessions: make([]wire.Session, 0, len(list)), NextCursor: cursor(next)}
	for _, sess := range list {
		page.Sessions = append(page.Sessions, wire.FromSession(sess))
	}
	return writeJSON(w, http.StatusOK, page)
}

// stats is GET /api/sessions/stats?tz=: focus minutes, streak and
// completion, with days counted in the IANA zone tz (default UTC).
func (s *server) stats(w http.ResponseWriter, r *http.Request) error {
	loc := time.UTC
	if tz := r.URL.Query().Get("tz"); tz != "" {
		var err error
		// "Local" would be the server's zone, which means nothing to a client.
		if loc, err = time.LoadLocation(tz); err != nil || tz == "Local" {
			return apperr.Field("tz", "must be an IANA time zone such as Europe/Berlin")
		}
	}
	st, err := s.rooms.Stats(r.Context(), identity(r).UserID, loc)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, st)
}

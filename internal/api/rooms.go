package api

import (
	"net/http"

	"github.com/bodydouble/bodydouble/internal/rooms"
	"github.com/bodydouble/bodydouble/internal/wire"
)

// roomPage is the answer of GET /api/rooms.
type roomPage struct {
	Rooms      []wire.Room `json:"rooms"`
	NextCursor *string     `json:"nextCursor"`
}

// listRooms is GET /api/rooms?category=&cursor=&limit=: rooms in a stable
// order (oldest first), a page at a time.
func (s *server) listRooms(w http.ResponseWriter, r *http.Request) error {
	limit, err := pageLimit(r)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	list, next, err := s.rooms.ListRooms(r.Context(), q.Get("category"), q.Get("cursor"), limit)
	if err != nil {
		return err
	}
	page := roomPage{Rooms: make([]wire.Room, 0, len(list)), NextCursor: cursor(next)}
	for _, room := range list {
		page.Rooms = append(page.Rooms, wire.FromRoom(room))
	}
	return writeJSON(w, http.StatusOK, page)
}

// createRoom is POST /api/rooms. Creating a room does not join it.
func (s *server) createRoom(w http.ResponseWriter, r *http.Request) error {
	var in rooms.CreateRoomInput
	if err := decode(r, &in); err != nil {
		return err
	}
	room, err := s.rooms.CreateRoom(r.Context(), identity(r).UserID, in)
	if err != nil {
		return err
	}
	w.Header().Set("Location", "/api/rooms/"+room.ID)
	return writeJSON(w, http.StatusCreated, wire.FromRoom(room))
}

// getRoom is GET /api/rooms/{id}.
func (s *server) getRoom(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	room, err := s.rooms.GetRoom(r.Context(), id)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, wire.FromRoom(room))
}

// joinRoom is POST /api/rooms/{id}/join: idempotent; joining another room
// leaves the current one. The seat is held for a socket to claim it.
func (s *server) joinRoom(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	res, err := s.rooms.Join(r.Context(), identity(r).UserID, id, rooms.Origin{})
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, wire.FromRoom(res.Room))
}

// leaveRoom is POST /api/rooms/{id}/leave: idempotent; it ends the
// caller's open focus session in that room.
func (s *server) leaveRoom(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	room, _, err := s.rooms.Leave(r.Context(), identity(r).UserID, id, rooms.Origin{})
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, wire.FromRoom(room))
}

// quickJoin is POST /api/rooms/quick-join, the app's "Find me a room".
func (s *server) quickJoin(w http.ResponseWriter, r *http.Request) error {
	res, err := s.rooms.QuickJoin(r.Context(), identity(r).UserID, rooms.Origin{})
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, wire.FromRoom(res.Room))
}

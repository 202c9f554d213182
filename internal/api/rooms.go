package api

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"sync"

	"github.com/bodydouble/bodydouble/internal/model"
	"github.com/bodydouble/bodydouble/internal/protocol"
	"github.com/bodydouble/bodydouble/internal/wire"
)

// listRooms is GET /api/rooms?category=&cursor=&limit=: rooms in a stable
// order (oldest first), a page at a time.
func (s *server) listRooms(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	limit, err := limitOf(q)
	if err != nil {
		return err
	}
	key := pageKey{category: q.Get("category"), cursor: q.Get("cursor"), limit: limit}
	list, next, err := s.rooms.ListRooms(r.Context(), key.category, key.cursor, limit)
	if err != nil {
		return err
	}
	if body, ok := s.pages.get(key, list, next); ok {
		return writeBody(w, http.StatusOK, body)
	}
	page := wire.RoomPage{Rooms: make([]wire.Room, 0, len(list)), NextCursor: cursor(next)}
	for _, room := range list {
		page.Rooms = append(page.Rooms, wire.FromRoom(room))
	}
	body, err := json.Marshal(page)
	if err != nil {
		return fmt.Errorf("api: encode rooms: %w", err)
	}
	s.pages.put(key, list, next, body)
	return writeBody(w, http.StatusOK, body)
}

// pageCache remembers the last encoding of each room-list query. The lobby
// is asked for far more often than it changes, and encoding twenty rooms
// costs more than the rest of the request; an answer whose rooms equal the
// remembered ones (field by field, pointers included: the store's own
// cache hands out the same strings until something changes) reuses it.
type pageCache struct {
	mu    sync.Mutex
	pages map[pageKey]encodedPage
}

type pageKey struct {
	category, cursor string
	limit            int
}

type encodedPage struct {
	rooms []model.Room
	next  string
	body  []byte
}

// maxPages bounds the remembered encodings.
const maxPages = 256

func (c *pageCache) get(k pageKey, rooms []model.Room, next string) ([]byte, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	p, ok := c.pages[k]
	if !ok || p.next != next || !slices.Equal(p.rooms, rooms) {
		return nil, false
	}
	return p.body, true
}

func (c *pageCache) put(k pageKey, rooms []model.Room, next string, body []byte) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.pages == nil || len(c.pages) >= maxPages {
		c.pages = map[pageKey]encodedPage{}
	}
	c.pages[k] = encodedPage{rooms: slices.Clone(rooms), next: next, body: body}
}

// createRoom is POST /api/rooms. Creating a room does not join it.
func (s *server) createRoom(w http.ResponseWriter, r *http.Request) error {
	var in wire.CreateRoomInput
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
	res, err := s.rooms.Join(r.Context(), identity(r).UserID, id, protocol.Origin{})
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
	room, _, err := s.rooms.Leave(r.Context(), identity(r).UserID, id, protocol.Origin{})
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, wire.FromRoom(room))
}

// quickJoin is POST /api/rooms/quick-join, the app's "Find me a room".
func (s *server) quickJoin(w http.ResponseWriter, r *http.Request) error {
	res, err := s.rooms.QuickJoin(r.Context(), identity(r).UserID, protocol.Origin{})
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, wire.FromRoom(res.Room))
}

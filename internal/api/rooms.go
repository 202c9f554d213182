package api

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"sync"

	"github.com/bodydouble/bodydouble/internal/apperr"
	"github.com/bodydouble/bodydouble/internal/model"
	"github.com/bodydouble/bodydouble/internal/protocol"
	"github.com/bodydouble/bodydouble/internal/rooms"
	"github.com/bodydouble/bodydouble/internal/wire"
)

// listRooms is GET /api/rooms?category=&order=&hideFull=&cursor=&limit=:
// rooms in a stable order (oldest first, or with order=people the most
// people first), a page at a time.
func (s *server) listRooms(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	limit, err := limitOf(q)
	if err != nil {
		return err
	}
	hideFull, err := boolOf(q, "hideFull")
	if err != nil {
		return err
	}
	key := pageKey{category: q.Get("category"), cursor: q.Get("cursor"), limit: limit, order: q.Get("order"), hideFull: hideFull}
	list, next, err := s.rooms.ListLobby(r.Context(), rooms.LobbyQuery{
		Category: key.category, Cursor: key.cursor, Order: key.order, HideFull: hideFull, Limit: limit,
	})
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
// costs more than the rest of the request. An encoding is reused only
// while the rooms the store returns have the values it was made from:
// every field wire.FromRoom writes, compared by value from a copy the
// cache keeps, so it neither depends on the store handing out the same
// strings again nor goes stale if a string it was made from changed. It
// is one of the caches on the lobby path listed, with what invalidates
// each, in docs/performance.md "Caches".
type pageCache struct {
	mu    sync.Mutex
	pages map[pageKey]encodedPage
}

type pageKey struct {
	category, cursor, order string
	limit                   int
	hideFull                bool
}

// boolOf reads an optional true/false query parameter (absent is false).
func boolOf(query url.Values, name string) (bool, error) {
	switch query.Get(name) {
	case "", "false":
		return false, nil
	case "true":
		return true, nil
	}
	return false, apperr.Field(name, "must be true or false")
}

type encodedPage struct {
	rooms []roomValue
	next  string
	body  []byte
}

// roomValue is what the client sees of a model.Room, held by value: no
// pointers, and the creation time as an instant, so == compares exactly
// what decides the encoding.
type roomValue struct {
	id, name, category, micPolicy string
	description, createdBy        optString
	maxCapacity, currentCapacity  int
	isActive, unlisted            bool
	createdSec                    int64 // CreatedAt as Unix seconds and nanoseconds:
	createdNsec                   int   // the same instant in any time.Location
	timerControl                  string
	cycle                         model.Cycle // the zero Cycle for none (work is never 0)
}

// cycleOf is a room's cycle by value.
func cycleOf(c *model.Cycle) model.Cycle {
	if c == nil {
		return model.Cycle{}
	}
	return *c
}

// optString is a *string by value: nil and "" differ, as they do in JSON.
type optString struct {
	set bool
	s   string
}

func optOf(p *string) optString {
	if p == nil {
		return optString{}
	}
	return optString{set: true, s: *p}
}

// is reports whether o holds s, by value.
func (o optString) is(s *string) bool {
	if s == nil {
		return !o.set
	}
	return o.set && o.s == *s
}

// is reports whether v is what r's client sees: the comparison of
// valueOf(r) == v, without building the copy.
func (v *roomValue) is(r *model.Room) bool {
	return v.id == r.ID && v.currentCapacity == r.CurrentCapacity && v.name == r.Name &&
		v.category == r.Category && v.micPolicy == r.MicPolicy &&
		v.maxCapacity == r.MaxCapacity && v.isActive == r.IsActive && v.unlisted == r.Unlisted &&
		v.description.is(r.Description) && v.createdBy.is(r.CreatedBy) &&
		v.createdSec == r.CreatedAt.Unix() && v.createdNsec == r.CreatedAt.Nanosecond() &&
		v.timerControl == r.TimerControl && v.cycle == cycleOf(r.Cycle)
}

func valueOf(r model.Room) roomValue {
	return roomValue{
		id: r.ID, name: r.Name, category: r.Category, micPolicy: r.MicPolicy,
		description: optOf(r.Description), createdBy: optOf(r.CreatedBy),
		maxCapacity: r.MaxCapacity, currentCapacity: r.CurrentCapacity, isActive: r.IsActive,
		unlisted:   r.Unlisted,
		createdSec: r.CreatedAt.Unix(), createdNsec: r.CreatedAt.Nanosecond(),
		timerControl: r.TimerControl, cycle: cycleOf(r.Cycle),
	}
}

// maxPages bounds the remembered encodings.
const maxPages = 256

func (c *pageCache) get(k pageKey, rooms []model.Room, next string) ([]byte, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	p, ok := c.pages[k]
	if !ok || p.next != next || len(p.rooms) != len(rooms) {
		return nil, false
	}
	for i := range rooms {
		if !p.rooms[i].is(&rooms[i]) {
			return nil, false
		}
	}
	return p.body, true
}

func (c *pageCache) put(k pageKey, rooms []model.Room, next string, body []byte) {
	values := make([]roomValue, len(rooms))
	for i, r := range rooms {
		values[i] = valueOf(r)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.pages == nil || len(c.pages) >= maxPages {
		c.pages = map[pageKey]encodedPage{}
	}
	c.pages[k] = encodedPage{rooms: values, next: next, body: body}
}

// createRoom is POST /api/rooms. Creating a room does not join it.
func (s *server) createRoom(w http.ResponseWriter, r *http.Request) error {
	var in wire.CreateRoomInput
	if err := decode(r, &in); err != nil {
		return err
	}
	room, err := s.rooms.CreateRoom(r.Context(), identity(r).UserID, in)
	if err != nil {
		var limited *rooms.RetryAfterError
		if errors.As(err, &limited) {
			w.Header().Set("Retry-After", strconv.Itoa(retryAfterSeconds(limited.After)))
		}
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

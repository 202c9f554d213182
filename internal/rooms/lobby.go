package rooms

import (
	"context"
	"encoding/base64"
	"slices"
	"strconv"
	"strings"

	"github.com/bodydouble/bodydouble/internal/apperr"
	"github.com/bodydouble/bodydouble/internal/model"
)

// LobbyQuery is a page of the lobby as GET /api/rooms asks for it.
type LobbyQuery struct {
	Category string // "" for all
	Cursor   string // "" for the first page
	Order    string // model.OrderCreated ("" too) or model.OrderPeople
	HideFull bool
	Limit    int
}

// ListLobby returns a page of listed rooms in q's order and the cursor of
// the next page ("" on the last). A cursor is valid only with the order it
// was given for; the category and HideFull may differ between pages.
//
// The people order's cursor holds the last room's count as that page saw
// it, so a room whose count did not change between pages is never listed
// twice or skipped; a room whose count changed may move past the cursor
// (and be missed) or back before it (and come again).
func (s *Service) ListLobby(ctx context.Context, q LobbyQuery) ([]model.Room, string, error) {
	if q.Category != "" && !slices.Contains(model.Categories, q.Category) {
		return nil, "", apperr.Field("category", "Unknown category.")
	}
	opts := model.ListRoomsOptions{Category: q.Category, HideFull: q.HideFull, Order: q.Order}
	switch q.Order {
	case "", model.OrderCreated:
		return readPage(q.Cursor, q.Limit, decodeRoomCursor, encodeRoomCursor, func(r model.Room) string { return r.ID },
			func(after string, n int) ([]model.Room, error) {
				opts.After, opts.Limit = after, n
				return s.store.ListRooms(ctx, opts)
			})
	case model.OrderPeople:
		return readPage(q.Cursor, q.Limit, decodePeopleCursor, encodeRoomCursor, peopleKey,
			func(after string, n int) ([]model.Room, error) {
				if after != "" {
					opts.AfterPeople, opts.After, _ = splitPeopleKey(after)
				}
				opts.Limit = n
				return s.store.ListRooms(ctx, opts)
			})
	}
	return nil, "", apperr.Field("order", `Order by "created" or "people".`)
}

// peopleKey is a room's position in the people order, "<count>:<id>": the
// creation time that breaks ties is the room's, read again by the store.
func peopleKey(r model.Room) string { return strconv.Itoa(r.CurrentCapacity) + ":" + r.ID }

// splitPeopleKey reads a peopleKey; ok is false for anything peopleKey
// does not write (a sign, leading zeros, a non-canonical id).
func splitPeopleKey(k string) (people int, id string, ok bool) {
	n, id, found := strings.Cut(k, ":")
	people, err := strconv.Atoi(n)
	if !found || err != nil || people < 0 || strconv.Itoa(people) != n || !canonicalUUID(id) {
		return 0, "", false
	}
	return people, id, true
}

// decodePeopleCursor returns the peopleKey in a cursor of the people order
// (written as encodeRoomCursor(peopleKey(room))).
func decodePeopleCursor(c string) (string, bool) {
	b, err := base64.RawURLEncoding.Strict().DecodeString(c)
	if err != nil || encodeRoomCursor(string(b)) != c {
		return "", false
	}
	if _, _, ok := splitPeopleKey(string(b)); !ok {
		return "", false
	}
	return string(b), true
}

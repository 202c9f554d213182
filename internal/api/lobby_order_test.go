package api

import (
	"encoding/base64"
	"fmt"
	"net/http"
	"slices"
	"testing"

	"github.com/bodydouble/bodydouble/internal/wire"
)

// TestListRoomsByPeople: order=people lists the rooms with the most people
// first, then oldest first, through pages of any size; hideFull=true leaves
// out full rooms in either order; a cursor works only with its order.
func TestListRoomsByPeople(t *testing.T) {
	t.Parallel()
	eachBackend(t, func(t *testing.T, e *testEnv) {
		me := e.signup(t)
		var made []wire.Room
		for i := range 6 {
			made = append(made, me.createRoom(t, map[string]any{
				"name": fmt.Sprintf("Room %d", i), "category": []string{"study", "admin"}[i%2], "maxCapacity": 2,
			}))
		}
		// Room 4 gets two people (full), rooms 1 and 3 one each.
		for _, i := range []int{4, 4, 1, 3} {
			e.signup(t).do(t, "POST", "/api/rooms/"+made[i].ID+"/join", nil).want(t, http.StatusOK)
		}
		created := names(pageAll[wire.Room](t, me, "/api/rooms?limit=100", "rooms"))
		// Rooms 1 and 3 tie, so they keep the created order (rooms made in
		// the same millisecond order by id).
		ones := slices.DeleteFunc(slices.Clone(created), func(n string) bool { return n != "Room 1" && n != "Room 3" })
		want := append(append([]string{"Room 4"}, ones...), slices.DeleteFunc(slices.Clone(created), func(n string) bool {
			return n == "Room 4" || n == "Room 1" || n == "Room 3"
		})...)
		for _, limit := range []int{1, 2, 5, 100} {
			got := names(pageAll[wire.Room](t, me, fmt.Sprintf("/api/rooms?order=people&limit=%d", limit), "rooms"))
			if !slices.Equal(got, want) {
				t.Errorf("order=people, pages of %d:\n got  %v\n want %v", limit, got, want)
			}
		}
		notFull := slices.DeleteFunc(slices.Clone(want), func(n string) bool { return n == "Room 4" })
		if got := names(pageAll[wire.Room](t, me, "/api/rooms?order=people&hideFull=true&limit=2", "rooms")); !slices.Equal(got, notFull) {
			t.Errorf("order=people&hideFull=true:\n got  %v\n want %v", got, notFull)
		}
		createdNotFull := slices.DeleteFunc(slices.Clone(created), func(n string) bool { return n == "Room 4" })
		if got := names(pageAll[wire.Room](t, me, "/api/rooms?hideFull=true&limit=3", "rooms")); !slices.Equal(got, createdNotFull) {
			t.Errorf("hideFull=true:\n got  %v\n want %v", got, createdNotFull)
		}
		study := names(pageAll[wire.Room](t, me, "/api/rooms?order=people&category=study&limit=1", "rooms"))
		if len(study) != 4 || study[0] != "Room 4" {
			t.Errorf("study rooms by people: %v, want Room 4 first of 4", study)
		}

		// A cursor is valid only with the order it was given for.
		byPeople := *pageCursor(t, me, "/api/rooms?order=people&limit=1")
		byCreated := *pageCursor(t, me, "/api/rooms?limit=1")
		runScenarios(t, e.url, me, []scenario{
			{name: "unknown order", method: "GET", path: "/api/rooms?order=busy", field: "order"},
			{name: "hideFull not a boolean", method: "GET", path: "/api/rooms?hideFull=yes", field: "hideFull"},
			{name: "people cursor in the created order", method: "GET", path: "/api/rooms?cursor=" + byPeople, field: "cursor"},
			{name: "created cursor in the people order", method: "GET", path: "/api/rooms?order=people&cursor=" + byCreated, field: "cursor"},
			{name: "people cursor with a negative count", method: "GET", path: "/api/rooms?order=people&cursor=" + peopleCursor("-1:"+made[0].ID), field: "cursor"},
			{name: "people cursor with a leading zero", method: "GET", path: "/api/rooms?order=people&cursor=" + peopleCursor("01:"+made[0].ID), field: "cursor"},
			{name: "people cursor of an unknown room", method: "GET", path: "/api/rooms?order=people&cursor=" + peopleCursor("1:"+unknownID), field: "cursor"},
		})
		me.do(t, "GET", "/api/rooms?order=people&cursor="+peopleCursor("1:"+made[0].ID), nil).want(t, http.StatusOK)
	})
}

// peopleCursor writes a cursor of the people order around key.
func peopleCursor(key string) string { return base64.RawURLEncoding.EncodeToString([]byte(key)) }

// names are the rooms' names, in order.
func names(rs []wire.Room) []string {
	out := make([]string, 0, len(rs))
	for _, r := range rs {
		out = append(out, r.Name)
	}
	return out
}

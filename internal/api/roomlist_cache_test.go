package api

import (
	"net/http"
	"testing"
)

// The room list is kept encoded (and, on SQLite, read from a cache): every
// join and leave, made on this instance or another one sharing the
// database, must show in the very next list.
func TestRoomListFollowsEveryJoinAndLeave(t *testing.T) {
	eachBackend(t, func(t *testing.T, e *testEnv) {
		other := e.instance(t, nil)
		viewer, alice, bob := e.signup(t), e.signup(t), signupAt(t, other)
		occupancy := func() int {
			t.Helper()
			var page struct {
				Rooms []struct {
					ID              string `json:"id"`
					CurrentCapacity int    `json:"currentCapacity"`
				} `json:"rooms"`
			}
			viewer.do(t, "GET", "/api/rooms", nil).want(t, http.StatusOK).decode(t, &page)
			n := 0
			for _, r := range page.Rooms {
				n += r.CurrentCapacity
			}
			return n
		}
		var page struct {
			Rooms []struct {
				ID string `json:"id"`
			} `json:"rooms"`
		}
		viewer.do(t, "GET", "/api/rooms", nil).want(t, http.StatusOK).decode(t, &page)
		room := page.Rooms[0].ID
		if n := occupancy(); n != 0 {
			t.Fatalf("occupancy %d before any join", n)
		}
		occupancy() // answered from what was kept
		alice.do(t, "POST", "/api/rooms/"+room+"/join", nil).want(t, http.StatusOK)
		if n := occupancy(); n != 1 {
			t.Fatalf("occupancy %d after a join on this instance, want 1", n)
		}
		bob.do(t, "POST", "/api/rooms/"+room+"/join", nil).want(t, http.StatusOK)
		if n := occupancy(); n != 2 {
			t.Fatalf("occupancy %d after a join on another instance, want 2", n)
		}
		bob.do(t, "POST", "/api/rooms/"+room+"/leave", nil).want(t, http.StatusOK)
		if n := occupancy(); n != 1 {
			t.Fatalf("occupancy %d after a leave on another instance, want 1", n)
		}
	})
}

// A token logged out on one instance is refused by the next request on
// every other one, however often it was accepted there before.
func TestLogoutIsSeenAtOnceByAnotherInstance(t *testing.T) {
	eachBackend(t, func(t *testing.T, e *testEnv) {
		other := e.instance(t, nil)
		alice := e.signup(t)
		there := alice.at(other)
		for range 3 {
			there.do(t, "GET", "/api/rooms", nil).want(t, http.StatusOK)
		}
		alice.do(t, "POST", "/api/auth/logout", nil).want(t, http.StatusNoContent)
		there.do(t, "GET", "/api/rooms", nil).problem(t, http.StatusUnauthorized, "unauthorized")
		alice.do(t, "GET", "/api/rooms", nil).problem(t, http.StatusUnauthorized, "unauthorized")
	})
}

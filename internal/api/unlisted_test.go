package api

import (
	"net/http"
	"strings"
	"testing"

	"github.com/bodydouble/bodydouble/internal/wire"
)

// An unlisted room is found only through its link: it is never listed and
// quick-join never lands in it, even when it is the only room with people
// in it, while GET and join by id work for anyone.
func TestUnlistedRoom(t *testing.T) {
	t.Parallel()
	eachBackend(t, func(t *testing.T, e *testEnv) {
		host, friend, stranger := e.signup(t), e.signup(t), e.signup(t)

		resp := host.do(t, "POST", "/api/rooms", map[string]any{"name": "Just us", "category": "study", "visibility": "unlisted"}).
			want(t, http.StatusCreated)
		var hidden wire.Room
		resp.decode(t, &hidden)
		if hidden.Visibility != "unlisted" || !strings.Contains(string(resp.body), `"visibility":"unlisted"`) {
			t.Fatalf("created unlisted room = %s", resp.body)
		}
		resp = host.do(t, "POST", "/api/rooms", map[string]any{"name": "Open door", "category": "study", "visibility": "public"}).
			want(t, http.StatusCreated)
		var listed wire.Room
		resp.decode(t, &listed)
		if listed.Visibility != "public" || strings.Contains(string(resp.body), `"unlisted"`) {
			t.Fatalf("created listed room = %s, want visibility public and no unlisted field", resp.body)
		}

		// The link works: anyone with the id sees and joins the room.
		if r := host.join(t, hidden.ID); r.ID != hidden.ID || r.Visibility != "unlisted" || r.CurrentCapacity != 1 {
			t.Fatalf("host's join = %+v", r)
		}
		if r := friend.room(t, hidden.ID); r.Visibility != "unlisted" || r.CurrentCapacity != 1 {
			t.Fatalf("friend's GET = %+v", r)
		}
		if r := friend.join(t, hidden.ID); r.ID != hidden.ID || r.CurrentCapacity != 2 {
			t.Fatalf("friend's join = %+v", r)
		}

		// The lobby never lists it, in any category filter, though it is
		// the only room with people.
		for _, path := range []string{"/api/rooms?limit=100", "/api/rooms?limit=1", "/api/rooms?category=study&limit=100"} {
			sawListed := false
			for _, r := range pageAll[wire.Room](t, stranger, path, "rooms") {
				if r.ID == hidden.ID || r.Visibility != "public" {
					t.Fatalf("%s listed the unlisted room", path)
				}
				sawListed = sawListed || r.ID == listed.ID
			}
			if !sawListed {
				t.Errorf("%s did not list the listed room", path)
			}
		}

		// Quick-join never lands in it: not for a stranger, for whom it is
		// the only room with company, nor for someone sitting in it.
		for name, c := range map[string]*client{"stranger": stranger, "friend inside": friend} {
			var r wire.Room
			c.do(t, "POST", "/api/rooms/quick-join", nil).want(t, http.StatusOK).decode(t, &r)
			if r.ID == hidden.ID || r.Visibility != "public" {
				t.Errorf("quick-join of %s landed in the unlisted room", name)
			}
		}
		if r := host.room(t, hidden.ID); r.CurrentCapacity != 1 {
			t.Errorf("unlisted room after quick-joins has %d people, want the host alone", r.CurrentCapacity)
		}
	})
}

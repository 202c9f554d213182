package app

// Lobby cache tests: GET /api/rooms is answered through four caches (the
// verified-token cache in auth, the per-request read memo, SQLite's
// data_version room-list and revocation caches, and the API's encoded
// pages; docs/performance.md "Caches" lists them with what invalidates
// each). Each test warms them all with the same viewer's lobby, twice, then
// changes a room through one path and checks that the viewer's lobby shows
// the change: at once on the instance that made it, and within a bounded
// wait on another one.

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"os"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/bodydouble/bodydouble/internal/config"
	"github.com/bodydouble/bodydouble/internal/model"
	"github.com/bodydouble/bodydouble/internal/realtime/wstest"
	"github.com/bodydouble/bodydouble/internal/store/sqlstore"
	"github.com/bodydouble/bodydouble/internal/store/storetest"
)

// lobbyWait bounds how long another instance may take to show a change
// (it reads the same database, so it should show it at once).
const lobbyWait = 10 * time.Second

// lobbyView is a lobby as a viewer sees it: each room's currentCapacity.
type lobbyView map[string]int

// lobbyOf fetches viewer's GET /api/rooms (the app's first page, the one
// the caches keep) and returns its status and rooms.
func lobbyOf(t *testing.T, viewer session) (int, lobbyView) {
	t.Helper()
	var page struct {
		Rooms []struct {
			ID              string `json:"id"`
			CurrentCapacity int    `json:"currentCapacity"`
		} `json:"rooms"`
		NextCursor *string `json:"nextCursor"`
	}
	req, _ := http.NewRequest("GET", viewer.base+"/api/rooms", nil)
	req.Header.Set("Authorization", "Bearer "+viewer.token)
	res, err := (&http.Client{Timeout: wstest.WaitLimit}).Do(req)
	if err != nil {
		t.Fatalf("GET /api/rooms: %v", err)
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		return res.StatusCode, nil
	}
	if err := json.NewDecoder(res.Body).Decode(&page); err != nil {
		t.Fatalf("GET /api/rooms: %v", err)
	}
	if page.NextCursor != nil {
		t.Fatalf("the lobby has more than one page (next %q): the test expects every room on the first", *page.NextCursor)
	}
	v := lobbyView{}
	for _, r := range page.Rooms {
		v[r.ID] = r.CurrentCapacity
	}
	return res.StatusCode, v
}

// lobbyWant is what the viewer's next GET /api/rooms must answer.
type lobbyWant struct {
	status int
	rooms  lobbyView // nil unless status is 200
}

// lobbyStep is one change; apply makes it and records in want what the
// viewer's lobby must show afterwards.
type lobbyStep struct {
	name  string
	apply func(t *testing.T, want *lobbyWant)
}

// runLobbySteps checks each step in turn: the viewer's lobby shows want
// twice (the second answer comes from the caches), the step changes a
// room, and the viewer's next lobby shows the change: at once when
// sameInstance, else within lobbyWait.
func runLobbySteps(t *testing.T, viewer session, sameInstance bool, steps []lobbyStep) {
	t.Helper()
	code, rooms := lobbyOf(t, viewer)
	if code != http.StatusOK || len(rooms) == 0 {
		t.Fatalf("lobby before any change: %d %v", code, rooms)
	}
	want := lobbyWant{status: code, rooms: rooms}
	shows := func(code int, got lobbyView) bool {
		return code == want.status && maps.Equal(got, want.rooms)
	}
	for _, step := range steps {
		for range 2 { // warm every cache on the path with the state before
			if code, got := lobbyOf(t, viewer); !shows(code, got) {
				t.Fatalf("before %s: lobby %d %v, want %d %v", step.name, code, got, want.status, want.rooms)
			}
		}
		step.apply(t, &want)
		code, got := lobbyOf(t, viewer)
		if !sameInstance {
			deadline := time.Now().Add(lobbyWait)
			for !shows(code, got) && time.Now().Before(deadline) {
				time.Sleep(20 * time.Millisecond) // polling the other instance, not pacing the server
				code, got = lobbyOf(t, viewer)
			}
		}
		if !shows(code, got) {
			where := "at once"
			if !sameInstance {
				where = fmt.Sprint("within ", lobbyWait)
			}
			t.Fatalf("after %s the lobby did not show it %s: %d %v, want %d %v",
				step.name, where, code, got, want.status, want.rooms)
		}
	}
}

// roomSteps changes rooms on the instance of alice and bob (both signed up
// there) through every path: REST join and leave, join-room and leave-room
// on a socket, and a new room.
func roomSteps(t *testing.T, ws string, alice, bob session) []lobbyStep {
	room := firstRoom(t, alice)
	var bobSocket *wstest.Client
	return []lobbyStep{
		{"a REST join", func(t *testing.T, want *lobbyWant) {
			if code := alice.do(t, "POST", "/api/rooms/"+room+"/join", nil, nil); code != http.StatusOK {
				t.Fatalf("join: %d", code)
			}
			want.rooms[room]++
		}},
		{"a REST leave", func(t *testing.T, want *lobbyWant) {
			if code := alice.do(t, "POST", "/api/rooms/"+room+"/leave", nil, nil); code != http.StatusOK {
				t.Fatalf("leave: %d", code)
			}
			want.rooms[room]--
		}},
		{"join-room on a socket", func(t *testing.T, want *lobbyWant) {
			bobSocket = wstest.Dial(t, ws, bob.token)
			bobSocket.Join(room)
			want.rooms[room]++
		}},
		{"leave-room on a socket", func(t *testing.T, want *lobbyWant) {
			bobSocket.Send("leave-room", map[string]any{"roomId": room}, "leave")
			bobSocket.Expect("room-left", "leave")
			want.rooms[room]--
		}},
		{"a REST room creation", func(t *testing.T, want *lobbyWant) {
			var created struct {
				ID              string `json:"id"`
				CurrentCapacity int    `json:"currentCapacity"`
			}
			in := map[string]any{"name": "Cache test", "category": "study", "maxCapacity": 4}
			if code := alice.do(t, "POST", "/api/rooms", in, &created); code != http.StatusCreated || created.ID == "" {
				t.Fatalf("create room: %d %+v", code, created)
			}
			want.rooms[created.ID] = created.CurrentCapacity
		}},
	}
}

// logoutStep logs viewer's token out on the instance at base: the token
// cache must not let the viewer see the lobby afterwards.
func logoutStep(viewer session, base string) lobbyStep {
	return lobbyStep{"the viewer's logout", func(t *testing.T, want *lobbyWant) {
		there := session{base: base, token: viewer.token, userID: viewer.userID}
		if code := there.do(t, "POST", "/api/auth/logout", nil, nil); code != http.StatusNoContent && code != http.StatusOK {
			t.Fatalf("logout: %d", code)
		}
		*want = lobbyWant{status: http.StatusUnauthorized}
	}}
}

// On SQLite, every path that changes a room on this instance shows in the
// very next lobby request, and so does a room written to the same database
// file by another process (here another store on the file, as a second
// instance on the same data directory would be).
func TestLobbySeesEveryChangeOnSQLite(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	a, _, _ := startApp(t, func(c *config.Config) {
		c.DataDir, c.TURNAddr, c.RateLimit = dir, config.TURNOff, false
	})
	viewer, alice, bob := signUp(t, a), signUp(t, a), signUp(t, a)
	steps := roomSteps(t, wsOf(a), alice, bob)

	steps = append(steps, lobbyStep{"a room written by another process", func(t *testing.T, want *lobbyWant) {
		other, err := sqlstore.OpenSQLite(context.Background(), dir)
		if err != nil {
			t.Fatal(err)
		}
		defer other.Close()
		r, err := other.CreateRoom(context.Background(), model.Room{
			ID: uuid.NewString(), Name: "Written elsewhere", Category: "admin", MaxCapacity: 8,
			MicPolicy: "muted", IsActive: true, CreatedAt: time.Now().UTC().Truncate(time.Millisecond),
		})
		if err != nil {
			t.Fatal(err)
		}
		want.rooms[r.ID] = 0
	}})
	steps = append(steps, logoutStep(viewer, viewer.base))
	runLobbySteps(t, viewer, true, steps)
}

// With two instances on PostgreSQL and Redis, a change made through any
// path on instance B shows in the lobby of a viewer on instance A, whose
// caches were warm.
func TestLobbySeesEveryChangeOnAnotherInstance(t *testing.T) {
	t.Parallel()
	redisURL := os.Getenv("BODYDOUBLE_TEST_REDIS_URL")
	if redisURL == "" {
		t.Skip("BODYDOUBLE_TEST_REDIS_URL is not set")
	}
	dbURL := storetest.PostgresURL(t) // skips without BODYDOUBLE_TEST_DATABASE_URL
	prefix := "bdtest-" + uuid.NewString() + ":"
	configure := func(c *config.Config) {
		c.DatabaseURL, c.RedisURL, c.RedisPrefix = dbURL, redisURL, prefix
		c.TURNAddr, c.RateLimit = config.TURNOff, false
	}
	a, _, _ := startApp(t, configure)
	b, _, _ := startApp(t, configure)
	viewer := signUp(t, a)
	alice, bob := signUp(t, b), signUp(t, b)
	steps := append(roomSteps(t, wsOf(b), alice, bob), logoutStep(viewer, bob.base))
	runLobbySteps(t, viewer, false, steps)
}

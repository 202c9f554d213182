package api

import (
	"fmt"
	"net/http"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/bodydouble/bodydouble/internal/broker"
	"github.com/bodydouble/bodydouble/internal/model"
	"github.com/bodydouble/bodydouble/internal/rooms"
	"github.com/bodydouble/bodydouble/internal/store"
	"github.com/bodydouble/bodydouble/internal/wire"
)

// starterRoom returns the id of the seeded room of category.
func starterRoom(t *testing.T, _ *testEnv, category string) string {
	t.Helper()
	for _, r := range rooms.StarterRooms() {
		if r.Category == category {
			return r.ID
		}
	}
	t.Fatalf("no starter room of %q", category)
	return ""
}

// createRoom creates a room as c and returns it.
func (c *client) createRoom(t *testing.T, body map[string]any) wire.Room {
	t.Helper()
	var r wire.Room
	c.do(t, "POST", "/api/rooms", body).want(t, http.StatusCreated).decode(t, &r)
	return r
}

func (c *client) room(t *testing.T, id string) wire.Room {
	t.Helper()
	var r wire.Room
	c.do(t, "GET", "/api/rooms/"+id, nil).want(t, http.StatusOK).decode(t, &r)
	return r
}

func (c *client) join(t *testing.T, id string) wire.Room {
	t.Helper()
	var r wire.Room
	c.do(t, "POST", "/api/rooms/"+id+"/join", nil).want(t, http.StatusOK).decode(t, &r)
	return r
}

const unknownID = "00000000-0000-4000-8000-000000000000"

func TestRoomErrors(t *testing.T) {
	t.Parallel()
	eachBackend(t, func(t *testing.T, e *testEnv) {
		me := e.signup(t)
		long := strings.Repeat("x", 101)
		runScenarios(t, e.url, nil, []scenario{
			{name: "list without session", method: "GET", path: "/api/rooms", status: 401, code: "unauthorized"},
			{name: "create without session", method: "POST", path: "/api/rooms", body: map[string]any{"name": "A", "category": "study"}, status: 401, code: "unauthorized"},
			{name: "get without session", method: "GET", path: "/api/rooms/" + unknownID, status: 401, code: "unauthorized"},
			{name: "join without session", method: "POST", path: "/api/rooms/" + unknownID + "/join", status: 401, code: "unauthorized"},
			{name: "leave without session", method: "POST", path: "/api/rooms/" + unknownID + "/leave", status: 401, code: "unauthorized"},
			{name: "quick-join without session", method: "POST", path: "/api/rooms/quick-join", status: 401, code: "unauthorized"},
		})
		runScenarios(t, e.url, me, []scenario{
			{name: "unknown category", method: "GET", path: "/api/rooms?category=naps", field: "category"},
			{name: "limit 0", method: "GET", path: "/api/rooms?limit=0", field: "limit"},
			{name: "limit 101", method: "GET", path: "/api/rooms?limit=101", field: "limit"},
			{name: "limit not a number", method: "GET", path: "/api/rooms?limit=ten", field: "limit"},
			{name: "forged cursor", method: "GET", path: "/api/rooms?cursor=bm90LWEtY3Vyc29y", field: "cursor"},
			{name: "cursor not base64", method: "GET", path: "/api/rooms?cursor=%25%25", field: "cursor"},
			{name: "no body", method: "POST", path: "/api/rooms", field: "body"},
			{name: "body not an object", method: "POST", path: "/api/rooms", body: `["Room"]`, field: "body"},
			{name: "body null", method: "POST", path: "/api/rooms", body: `null`, field: "body"},
			{name: "broken JSON", method: "POST", path: "/api/rooms", body: `{"name":`, field: "body"},
			{name: "trailing data", method: "POST", path: "/api/rooms", body: `{"name":"A","category":"study"} {}`, field: "body"},
			{name: "missing name", method: "POST", path: "/api/rooms", body: map[string]any{"category": "study"}, field: "name"},
			{name: "blank name", method: "POST", path: "/api/rooms", body: map[string]any{"name": "   ", "category": "study"}, field: "name"},
			{name: "name too long", method: "POST", path: "/api/rooms", body: map[string]any{"name": long, "category": "study"}, field: "name"},
			{name: "name with control characters", method: "POST", path: "/api/rooms", body: map[string]any{"name": "a\u0000b", "category": "study"}, field: "name"},
			{name: "description too long", method: "POST", path: "/api/rooms", body: map[string]any{"name": "A", "category": "study", "description": strings.Repeat("d", 501)}, field: "description"},
			{name: "unknown category in body", method: "POST", path: "/api/rooms", body: map[string]any{"name": "A", "category": "naps"}, field: "category"},
			{name: "capacity 1", method: "POST", path: "/api/rooms", body: map[string]any{"name": "A", "category": "study", "maxCapacity": 1}, field: "maxCapacity"},
			{name: "capacity 51", method: "POST", path: "/api/rooms", body: map[string]any{"name": "A", "category": "study", "maxCapacity": 51}, field: "maxCapacity"},
			{name: "capacity a string", method: "POST", path: "/api/rooms", body: map[string]any{"name": "A", "category": "study", "maxCapacity": "8"}, field: "maxCapacity"},
			{name: "capacity a fraction", method: "POST", path: "/api/rooms", body: `{"name":"A","category":"study","maxCapacity":2.5}`, field: "maxCapacity"},
			{name: "unknown mic policy", method: "POST", path: "/api/rooms", body: map[string]any{"name": "A", "category": "study", "micPolicy": "loud"}, field: "micPolicy"},
			{name: "unknown field", method: "POST", path: "/api/rooms", body: map[string]any{"name": "A", "category": "study", "owner": "me"}, field: "owner"},
			{name: "name a number", method: "POST", path: "/api/rooms", body: map[string]any{"name": 5, "category": "study"}, field: "name"},
			{name: "the old unlisted flag", method: "POST", path: "/api/rooms", body: map[string]any{"name": "A", "category": "study", "unlisted": true}, field: "unlisted"},
			{name: "unknown visibility", method: "POST", path: "/api/rooms", body: map[string]any{"name": "A", "category": "study", "visibility": "private"}, field: "visibility"},
			{name: "visibility a boolean", method: "POST", path: "/api/rooms", body: map[string]any{"name": "A", "category": "study", "visibility": true}, field: "visibility"},
			{name: "unknown timer control", method: "POST", path: "/api/rooms", body: map[string]any{"name": "A", "category": "study", "timerControl": "everyone"}, field: "timerControl"},
			{name: "work too short", method: "POST", path: "/api/rooms", body: map[string]any{"name": "A", "category": "study", "cycle": map[string]any{"work": 4, "break": 5}}, field: "cycle.work"},
			{name: "work too long", method: "POST", path: "/api/rooms", body: map[string]any{"name": "A", "category": "study", "cycle": map[string]any{"work": 241, "break": 5}}, field: "cycle.work"},
			{name: "no break", method: "POST", path: "/api/rooms", body: map[string]any{"name": "A", "category": "study", "cycle": map[string]any{"work": 25, "break": 0}}, field: "cycle.break"},
			{name: "break too long", method: "POST", path: "/api/rooms", body: map[string]any{"name": "A", "category": "study", "cycle": map[string]any{"work": 25, "break": 61}}, field: "cycle.break"},
			{name: "cycle missing break", method: "POST", path: "/api/rooms", body: map[string]any{"name": "A", "category": "study", "cycle": map[string]any{"work": 25}}, field: "cycle.break"},
			{name: "cycle with an unknown field", method: "POST", path: "/api/rooms", body: map[string]any{"name": "A", "category": "study", "cycle": map[string]any{"work": 25, "break": 5, "long": 15}}, field: "long"},
			{name: "cycle a number", method: "POST", path: "/api/rooms", body: map[string]any{"name": "A", "category": "study", "cycle": 25}, field: "cycle"},
			{name: "get malformed id", method: "GET", path: "/api/rooms/not-a-uuid", status: 404, code: "not_found"},
			{name: "get unknown id", method: "GET", path: "/api/rooms/" + unknownID, status: 404, code: "not_found"},
			{name: "join malformed id", method: "POST", path: "/api/rooms/%00/join", status: 404, code: "not_found"},
			{name: "join unknown id", method: "POST", path: "/api/rooms/" + unknownID + "/join", status: 404, code: "not_found"},
			{name: "leave unknown id", method: "POST", path: "/api/rooms/" + unknownID + "/leave", status: 404, code: "not_found"},
			{name: "get quick-join", method: "GET", path: "/api/rooms/quick-join", status: 404, code: "not_found"},
		})
		// None of that created a room.
		var page wire.RoomPage
		me.do(t, "GET", "/api/rooms?limit=100", nil).want(t, http.StatusOK).decode(t, &page)
		if len(page.Rooms) != len(rooms.StarterRooms()) {
			t.Errorf("%d rooms after failed creates, want %d", len(page.Rooms), len(rooms.StarterRooms()))
		}
	})
}

func TestCreateAndGetRoom(t *testing.T) {
	t.Parallel()
	eachBackend(t, func(t *testing.T, e *testEnv) {
		me := e.signup(t)
		res := me.do(t, "POST", "/api/rooms", map[string]any{"name": "  Thesis <b>writing</b>  ", "category": "study"}).want(t, http.StatusCreated)
		var r wire.Room
		res.decode(t, &r)
		if r.Name != "Thesis <b>writing</b>" || r.Description != nil || r.Category != "study" || r.MaxCapacity != 8 ||
			r.CurrentCapacity != 0 || r.MicPolicy != "muted" || !r.IsActive || r.CreatedBy == nil || *r.CreatedBy != me.userID {
			t.Errorf("created %+v", r)
		}
		if loc := res.header.Get("Location"); loc != "/api/rooms/"+r.ID {
			t.Errorf("Location %q", loc)
		}
		if got := me.room(t, r.ID); !reflect.DeepEqual(got, r) {
			t.Errorf("GET %+v, want %+v", got, r)
		}
		full := me.createRoom(t, map[string]any{"name": "Open mic", "description": "Talk allowed", "category": "creative", "maxCapacity": 50, "micPolicy": "open"})
		if full.Description == nil || *full.Description != "Talk allowed" || full.MaxCapacity != 50 || full.MicPolicy != "open" {
			t.Errorf("created %+v", full)
		}
		// A created room: timer controlled by its creator, no cycle, public.
		if r.TimerControl != "owner" || r.Cycle != nil || r.Visibility != "public" {
			t.Errorf("created room's rhythm: %+v", r)
		}
		for _, field := range []string{`"timerControl":"owner"`, `"cycle":null`, `"visibility":"public"`} {
			if !strings.Contains(string(res.body), field) {
				t.Errorf("created room %s lacks %s", res.body, field)
			}
		}
		// Creating does not join: the creator can start no session there.
		me.do(t, "POST", "/api/sessions", map[string]any{"roomId": r.ID}).problem(t, http.StatusConflict, "not_in_room")
	})
}

func TestListRoomsPaging(t *testing.T) {
	t.Parallel()
	eachBackend(t, func(t *testing.T, e *testEnv) {
		me := e.signup(t)
		for i := range 6 {
			me.createRoom(t, map[string]any{"name": fmt.Sprintf("Room %d", i), "category": []string{"study", "admin"}[i%2]})
		}
		all := pageAll[wire.Room](t, me, "/api/rooms?limit=100", "rooms")
		if len(all) != 11 {
			t.Fatalf("%d rooms, want 11", len(all))
		}
		// Pages of 4 give the same rooms in the same order.
		paged := pageAll[wire.Room](t, me, "/api/rooms?limit=4", "rooms")
		if len(paged) != len(all) {
			t.Fatalf("paged %d rooms, want %d", len(paged), len(all))
		}
		for i := range all {
			if paged[i].ID != all[i].ID {
				t.Fatalf("room %d: paged %s, all %s", i, paged[i].ID, all[i].ID)
			}
		}
		// Starter rooms first (oldest), one per category.
		for i, sr := range rooms.StarterRooms() {
			if all[i].ID != sr.ID {
				t.Errorf("room %d is %s, want starter %s", i, all[i].Name, sr.Name)
			}
		}
		study := pageAll[wire.Room](t, me, "/api/rooms?category=study&limit=2", "rooms")
		if len(study) != 4 {
			t.Errorf("%d study rooms, want 4", len(study))
		}
		for _, r := range study {
			if r.Category != "study" {
				t.Errorf("category filter let through %+v", r)
			}
		}
		// Default page size is 20; the last page says so with null.
		var page struct {
			Rooms      []wire.Room `json:"rooms"`
			NextCursor *string     `json:"nextCursor"`
		}
		me.do(t, "GET", "/api/rooms", nil).want(t, http.StatusOK).decode(t, &page)
		if len(page.Rooms) != 11 || page.NextCursor != nil {
			t.Errorf("default page: %d rooms, cursor %v", len(page.Rooms), page.NextCursor)
		}
		me.do(t, "GET", "/api/rooms?category=chores&cursor="+*pageCursor(t, me, "/api/rooms?limit=1"), nil).want(t, http.StatusOK)
	})
}

// pageCursor returns the nextCursor of path.
func pageCursor(t *testing.T, c *client, path string) *string {
	t.Helper()
	var p struct {
		NextCursor *string `json:"nextCursor"`
	}
	c.do(t, "GET", path, nil).want(t, http.StatusOK).decode(t, &p)
	if p.NextCursor == nil {
		t.Fatalf("%s: no next cursor", path)
	}
	return p.NextCursor
}

// pageAll follows nextCursor from path until null and returns every item of
// the list under key, failing on a page that repeats an item.
func pageAll[T any](t *testing.T, c *client, path, key string) []T {
	t.Helper()
	var out []T
	next := ""
	for range 100 {
		p := path
		if next != "" {
			p += "&cursor=" + next
		}
		var page map[string]jsonRaw
		c.do(t, "GET", p, nil).want(t, http.StatusOK).decode(t, &page)
		var items []T
		decodeRaw(t, page[key], &items)
		var cur *string
		decodeRaw(t, page["nextCursor"], &cur)
		out = append(out, items...)
		if cur == nil {
			return out
		}
		if len(items) == 0 {
			t.Fatalf("%s: empty page with a next cursor", p)
		}
		next = *cur
	}
	t.Fatalf("%s: more than 100 pages", path)
	return nil
}

func TestJoinLeave(t *testing.T) {
	t.Parallel()
	eachBackend(t, func(t *testing.T, e *testEnv) {
		me, other := e.signup(t), e.signup(t)
		a := me.createRoom(t, map[string]any{"name": "A", "category": "study"})
		b := me.createRoom(t, map[string]any{"name": "B", "category": "study"})

		// Join is idempotent.
		if r := me.join(t, a.ID); r.CurrentCapacity != 1 {
			t.Errorf("after join: %d", r.CurrentCapacity)
		}
		if r := me.join(t, a.ID); r.CurrentCapacity != 1 {
			t.Errorf("after second join: %d", r.CurrentCapacity)
		}
		if r := other.join(t, a.ID); r.CurrentCapacity != 2 {
			t.Errorf("after other joins: %d", r.CurrentCapacity)
		}
		// One room at a time: joining B leaves A.
		if r := me.join(t, b.ID); r.CurrentCapacity != 1 {
			t.Errorf("B after move: %d", r.CurrentCapacity)
		}
		if r := me.room(t, a.ID); r.CurrentCapacity != 1 {
			t.Errorf("A after move: %d, want 1", r.CurrentCapacity)
		}
		// Leave is idempotent, and leaving a room one is not in changes nothing.
		var r wire.Room
		me.do(t, "POST", "/api/rooms/"+b.ID+"/leave", nil).want(t, http.StatusOK).decode(t, &r)
		if r.CurrentCapacity != 0 || r.ID != b.ID {
			t.Errorf("after leave: %+v", r)
		}
		me.do(t, "POST", "/api/rooms/"+b.ID+"/leave", nil).want(t, http.StatusOK).decode(t, &r)
		if r.CurrentCapacity != 0 {
			t.Errorf("after second leave: %d", r.CurrentCapacity)
		}
		me.do(t, "POST", "/api/rooms/"+a.ID+"/leave", nil).want(t, http.StatusOK).decode(t, &r)
		if r.CurrentCapacity != 1 {
			t.Errorf("leaving A while not in it: %d, want 1", r.CurrentCapacity)
		}
	})
}

// TestJoinCapacityConcurrent: fifty people join a room of eight at once;
// exactly eight get in.
func TestJoinCapacityConcurrent(t *testing.T) {
	t.Parallel()
	eachBackend(t, func(t *testing.T, e *testEnv) {
		const people, capacity = 50, 8
		owner := e.signup(t)
		room := owner.createRoom(t, map[string]any{"name": "Small", "category": "deep-work", "maxCapacity": capacity})
		clients := make([]*client, people)
		for i := range clients {
			clients[i] = e.signup(t)
		}
		statuses := make([]response, people)
		var wg sync.WaitGroup
		start := make(chan struct{})
		for i, c := range clients {
			wg.Go(func() {
				<-start
				statuses[i] = c.do(t, "POST", "/api/rooms/"+room.ID+"/join", nil)
			})
		}
		close(start)
		wg.Wait()
		admitted := 0
		for _, res := range statuses {
			switch res.status {
			case http.StatusOK:
				admitted++
			case http.StatusConflict:
				res.problem(t, http.StatusConflict, "room_full")
			default:
				t.Errorf("join: %d %s", res.status, res.body)
			}
		}
		if admitted != capacity {
			t.Errorf("%d admitted, want %d", admitted, capacity)
		}
		if r := owner.room(t, room.ID); r.CurrentCapacity != capacity {
			t.Errorf("currentCapacity %d, want %d", r.CurrentCapacity, capacity)
		}
	})
}

func TestQuickJoin(t *testing.T) {
	t.Parallel()
	eachBackend(t, func(t *testing.T, e *testEnv) {
		a, b := e.signup(t), e.signup(t)
		var ra, rb wire.Room
		a.do(t, "POST", "/api/rooms/quick-join", nil).want(t, http.StatusOK).decode(t, &ra)
		b.do(t, "POST", "/api/rooms/quick-join", nil).want(t, http.StatusOK).decode(t, &rb)
		if ra.ID != rb.ID || rb.CurrentCapacity != 2 {
			t.Errorf("newcomers in %s and %s (capacity %d), want together", ra.Name, rb.Name, rb.CurrentCapacity)
		}
		// Quick-join again is where one already is.
		var again wire.Room
		a.do(t, "POST", "/api/rooms/quick-join", nil).want(t, http.StatusOK).decode(t, &again)
		if again.ID != ra.ID || again.CurrentCapacity != 2 {
			t.Errorf("second quick-join: %+v", again)
		}
		// When every room is full, a new room opens.
		owner := e.signup(t)
		var page wire.RoomPage
		owner.do(t, "GET", "/api/rooms?limit=100", nil).want(t, http.StatusOK).decode(t, &page)
		for _, r := range page.Rooms {
			for range r.MaxCapacity - r.CurrentCapacity {
				e.signup(t).join(t, r.ID)
			}
		}
		var fresh wire.Room
		owner.do(t, "POST", "/api/rooms/quick-join", nil).want(t, http.StatusOK).decode(t, &fresh)
		for _, r := range page.Rooms {
			if r.ID == fresh.ID {
				t.Fatalf("quick-join put me in full room %s", r.Name)
			}
		}
		if fresh.CurrentCapacity != 1 || !fresh.IsActive {
			t.Errorf("fallback room %+v", fresh)
		}
	})
}

// A room's rhythm: POST /api/rooms takes visibility, timerControl and a
// cycle, and every room read shows them; starter rooms have their
// category's cycle and no creator.
func TestRoomRhythm(t *testing.T) {
	t.Parallel()
	eachBackend(t, func(t *testing.T, e *testEnv) {
		me := e.signup(t)
		r := me.createRoom(t, map[string]any{"name": "Pomodoro", "category": "study",
			"visibility": "unlisted", "timerControl": "anyone", "cycle": map[string]any{"work": 240, "break": 60}})
		if r.Visibility != "unlisted" || r.TimerControl != "anyone" || r.Cycle == nil || *r.Cycle != (wire.Cycle{Work: 240, Break: 60}) {
			t.Fatalf("created %+v", r)
		}
		if got := me.room(t, r.ID); !reflect.DeepEqual(got, r) {
			t.Errorf("GET %+v, want %+v", got, r)
		}
		if got := me.join(t, r.ID); got.Cycle == nil || *got.Cycle != *r.Cycle || got.TimerControl != "anyone" || got.Visibility != "unlisted" {
			t.Errorf("join %+v", got)
		}
		nulls := me.createRoom(t, map[string]any{"name": "Defaults", "category": "admin", "visibility": nil, "timerControl": nil, "cycle": nil})
		if nulls.Visibility != "public" || nulls.TimerControl != "owner" || nulls.Cycle != nil {
			t.Errorf("nulls give the defaults: %+v", nulls)
		}
		shortest := me.createRoom(t, map[string]any{"name": "Sprints", "category": "chores", "cycle": map[string]any{"work": 5, "break": 1}})
		if shortest.Cycle == nil || *shortest.Cycle != (wire.Cycle{Work: 5, Break: 1}) || shortest.TimerControl != "owner" {
			t.Errorf("shortest cycle %+v", shortest)
		}
		var page wire.RoomPage
		me.do(t, "GET", "/api/rooms?limit=100", nil).want(t, http.StatusOK).decode(t, &page)
		starters := 0
		for _, l := range page.Rooms {
			if l.CreatedBy != nil {
				continue
			}
			starters++
			want := wire.Cycle{Work: 25, Break: 5}
			if l.Category == "deep-work" {
				want = wire.Cycle{Work: 50, Break: 10}
			}
			if l.Cycle == nil || *l.Cycle != want || l.TimerControl != "owner" || l.Visibility != "public" {
				t.Errorf("starter room %s: %+v", l.Category, l)
			}
		}
		if starters != len(rooms.StarterRooms()) {
			t.Errorf("%d starter rooms listed", starters)
		}
	})
}

// TestCreateRoomCaps: with the caps on, a person's 4th open room is
// refused (400 invalid) and so is their 11th room in an hour, closed ones
// included (429 with Retry-After, after which it is allowed); a refusal
// creates nothing, and another person is not held back.
func TestCreateRoomCaps(t *testing.T) {
	eachBackend(t, func(t *testing.T, e *testEnv) {
		br := broker.NewMemory()
		t.Cleanup(func() { br.Close() })
		base := e.instance(t, func(o *Options) {
			o.Rooms = rooms.New(rooms.Options{Store: e.store, Broker: br, Now: e.clock.Now, MaxOpenRooms: 3, MaxRoomsPerHour: 10})
		})
		start := e.clock.Now()
		me := signupAt(t, base)
		in := map[string]any{"name": "Mine", "category": "study"}
		var created []string
		create := func() {
			t.Helper()
			var r wire.Room
			me.do(t, "POST", "/api/rooms", in).want(t, http.StatusCreated).decode(t, &r)
			created = append(created, r.ID)
			e.clock.Advance(time.Minute)
		}
		counts := func(want store.RoomCounts) {
			t.Helper()
			c, err := e.store.CountRoomsCreatedBy(t.Context(), me.userID, time.Time{})
			if err != nil || c.Open != want.Open || c.Recent != want.Recent {
				t.Fatalf("counts %+v, %v; want open %d, created %d", c, err, want.Open, want.Recent)
			}
		}
		for range 3 {
			create()
		}
		p := me.do(t, "POST", "/api/rooms", in).problem(t, http.StatusBadRequest, "invalid")
		if p.Message != "You can have 3 open rooms at a time." {
			t.Fatalf("open cap message %q", p.Message)
		}
		counts(store.RoomCounts{Open: 3, Recent: 3})
		signupAt(t, base).do(t, "POST", "/api/rooms", in).want(t, http.StatusCreated)

		// Closed rooms free the open cap but still count in the hour.
		closed := 0
		closeAll := func() {
			t.Helper()
			for _, id := range created[closed:] {
				a := model.AuditEntry{At: e.clock.Now(), ActorID: "mod", Action: "room.close", TargetType: "room", TargetID: id}
				if err := e.store.CloseRoom(t.Context(), id, a); err != nil {
					t.Fatal(err)
				}
			}
			closed = len(created)
		}
		for range 7 {
			closeAll()
			create()
		}
		closeAll()
		res := me.do(t, "POST", "/api/rooms", in)
		res.problem(t, http.StatusTooManyRequests, "rate_limited")
		// The first room, created at start, leaves the hour at start+1h.
		wait := start.Add(time.Hour).Sub(e.clock.Now())
		if got := res.header.Get("Retry-After"); got != strconv.Itoa(int(wait/time.Second)) {
			t.Fatalf("Retry-After %q, want %d", got, int(wait/time.Second))
		}
		counts(store.RoomCounts{Open: 0, Recent: 10})
		e.clock.Advance(wait - time.Second)
		me.do(t, "POST", "/api/rooms", in).problem(t, http.StatusTooManyRequests, "rate_limited")
		e.clock.Advance(time.Second)
		create()
		counts(store.RoomCounts{Open: 1, Recent: 11})
	})
}

package realtime_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/bodydouble/bodydouble/internal/api"
	"github.com/bodydouble/bodydouble/internal/auth"
	"github.com/bodydouble/bodydouble/internal/users"
	"github.com/bodydouble/bodydouble/internal/wire"
)

// putProfile sends PUT /api/users/profile as id to a REST API on e's
// services, failing the test unless it answers 200.
func putProfile(t *testing.T, srv *httptest.Server, id auth.Identity, body string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPut, srv.URL+"/api/users/profile", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+id.Token)
	req.Header.Set("Content-Type", "application/json")
	res, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	if res.StatusCode != http.StatusOK {
		t.Fatalf("PUT /api/users/profile %s: %d %s", body, res.StatusCode, b)
	}
}

// restAPI serves the REST API on e's store and services.
func (e *env) restAPI(t *testing.T) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(api.New(api.Options{Auth: e.auth, Rooms: e.rooms, Users: users.New(e.st, nil)}))
	t.Cleanup(srv.Close)
	return srv
}

// A name or avatar changed over REST reaches the room at once: everyone in
// it, the person included, gets participant-updated with the new profile.
// Someone in no room changes theirs without an event reaching anyone.
func TestProfileChangeReachesTheRoom(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOptions{})
	rest := e.restAPI(t)
	_, bob, room, a, b := e.twoInRoom(t)
	carol := e.user(t)
	c := e.dial(t, carol) // connected, in no room

	// Carol first: nothing may come of it, so the next thing Alice sees
	// must be about Bob.
	putProfile(t, rest, carol, `{"displayName":"Carol"}`)
	putProfile(t, rest, bob, `{"displayName":"Robin"}`)
	for _, who := range []struct {
		name string
		c    *client
	}{{"alice", a}, {"bob himself", b}} {
		m := who.c.Expect("participant-updated", "")
		var got wire.ParticipantUpdated
		if err := json.Unmarshal(m.Data, &got); err != nil {
			t.Fatal(err)
		}
		if got.RoomID != room || got.Participant.ID != bob.UserID || got.Participant.DisplayName != "Robin" || got.Participant.Status != "working" {
			t.Fatalf("%s got %s, want Bob in %s renamed Robin", who.name, m.Data, room)
		}
	}

	// A later join sees the new name in its snapshot.
	dave := e.user(t)
	d := e.dial(t, dave)
	snap := d.Join(room)
	var s wire.Snapshot
	if err := json.Unmarshal(snap.Data, &s); err != nil {
		t.Fatal(err)
	}
	names := map[string]string{}
	for _, p := range s.Participants {
		names[p.ID] = p.DisplayName
	}
	if names[bob.UserID] != "Robin" {
		t.Fatalf("snapshot names %v, want Bob as Robin", names)
	}

	// Carol's socket got nothing either: its next frame is the reply to
	// what it asks now.
	c.Send("no-such-event", map[string]any{}, "probe")
	if m := c.Next(); m.Event != "error" || m.Ref != "probe" {
		t.Fatalf("carol got %s %s before the reply to her probe", m.Event, m.Data)
	}
}

package api

import (
	"context"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/bodydouble/bodydouble/internal/auth"
	"github.com/bodydouble/bodydouble/internal/model"
	"github.com/bodydouble/bodydouble/internal/store"
	"github.com/bodydouble/bodydouble/internal/store/storetest"
	"github.com/bodydouble/bodydouble/internal/wire"
)

// eachRawBackend is eachBackend with a raw view of the database, to
// search it whole.
func eachRawBackend(t *testing.T, f func(t *testing.T, e *testEnv, raw *storetest.Raw)) {
	t.Helper()
	for _, rb := range storetest.RawBackends() {
		t.Run(rb.Name, func(t *testing.T) {
			t.Parallel()
			var raw *storetest.Raw
			e := newEnv(t, storetest.Backend{Name: rb.Name, Open: func(t testing.TB) store.Store {
				s, r := rb.Open(t)
				raw = r
				return s
			}})
			f(t, e, raw)
		})
	}
}

// erasures records the people an instance was told to close the sockets of.
type erasures struct {
	mu    sync.Mutex
	users []string
}

func (r *erasures) record(_ context.Context, userID string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.users = append(r.users, userID)
}

func (r *erasures) list() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.users...)
}

func TestExportMe(t *testing.T) {
	t.Parallel()
	eachBackend(t, func(t *testing.T, e *testEnv) {
		ann, ben := e.signup(t), e.signup(t)
		ann.do(t, "PUT", "/api/users/profile", map[string]any{"displayName": "Ann Export"}).want(t, http.StatusOK)
		ann.do(t, "PUT", "/api/users/profile", map[string]any{"displayName": "Ann Later"}).want(t, http.StatusOK)
		room := starterRoom(t, e, "deep-work")
		ann.join(t, room)
		ben.join(t, room)
		ann.startSession(t, map[string]any{"roomId": room, "goals": []string{"write the export"}})
		byAnn := e.fileReport(t, ann, map[string]any{"userId": ben.userID, "roomId": room, "reason": "spam"})
		e.fileReport(t, ben, map[string]any{"userId": ann.userID, "roomId": room, "reason": "spam"})

		res := ann.do(t, "GET", "/api/users/me/export", nil).want(t, http.StatusOK)
		if cd := res.header.Get("Content-Disposition"); cd != `attachment; filename="body-double-export-2025-03-12.json"` {
			t.Fatalf("Content-Disposition %q", cd)
		}
		var x wire.Export
		res.decode(t, &x)
		if x.User.ID != ann.userID || x.User.DisplayName != "Ann Later" || x.User.Role != "member" || x.User.AnonymousID == "" {
			t.Errorf("user %+v", x.User)
		}
		if len(x.NameHistory) != 2 || x.NameHistory[0].DisplayName != "Ann Export" {
			t.Errorf("name history %+v", x.NameHistory)
		}
		if len(x.Sessions) != 1 || len(x.Sessions[0].Goals) != 1 || x.Sessions[0].Goals[0] != "write the export" {
			t.Errorf("sessions %+v", x.Sessions)
		}
		if len(x.Participation) != 1 || x.Participation[0].RoomID != room || x.Participation[0].LeftAt != nil {
			t.Errorf("participation %+v", x.Participation)
		}
		// Her report, not ben's about her; whom she blocks, not who blocks her.
		if len(x.ReportsFiled) != 1 || x.ReportsFiled[0].ID != byAnn.ID {
			t.Errorf("reports filed %+v", x.ReportsFiled)
		}
		if len(x.Blocks) != 1 || x.Blocks[0].UserID != ben.userID {
			t.Errorf("blocks %+v", x.Blocks)
		}
		if x.Preferences != nil || len(x.RoomsCreated) != 0 || len(x.Bans) != 0 || len(x.RoomBans) != 0 || len(x.AuditEntries) != 0 {
			t.Errorf("export has more than ann stored: %+v", x)
		}
		if strings.Contains(string(res.body), "Ann") && !strings.Contains(string(res.body), `"exportedAt":"2025-03-12T09:00`) {
			t.Errorf("exportedAt is not the clock's: %s", res.body)
		}
		(&client{base: e.url}).do(t, "GET", "/api/users/me/export", nil).problem(t, http.StatusUnauthorized, "unauthorized")
	})
}

func TestBannedPeopleMayExportAndErase(t *testing.T) {
	t.Parallel()
	eachBackend(t, func(t *testing.T, e *testEnv) {
		mod, dan := e.signup(t), e.signup(t)
		e.makeRole(t, mod, model.RoleModerator)
		mod.do(t, "POST", "/api/mod/bans", map[string]any{"userId": dan.userID, "reason": "spam"}).want(t, http.StatusCreated)
		dan.do(t, "GET", "/api/rooms", nil).problem(t, http.StatusForbidden, "banned")
		var x wire.Export
		dan.do(t, "GET", "/api/users/me/export", nil).want(t, http.StatusOK).decode(t, &x)
		if len(x.Bans) != 1 || x.Bans[0].Reason != "spam" || len(x.AuditEntries) != 1 || x.AuditEntries[0].Action != "user.ban" {
			t.Fatalf("a banned person's export: bans %+v, audit %+v", x.Bans, x.AuditEntries)
		}
		dan.do(t, "DELETE", "/api/users/me", nil).want(t, http.StatusNoContent)
		dan.do(t, "GET", "/api/auth/session", nil).problem(t, http.StatusUnauthorized, "unauthorized")
		if bans := mod.do(t, "GET", "/api/mod/bans", nil).want(t, http.StatusOK); strings.Contains(string(bans.body), dan.userID) {
			t.Fatalf("the erased person's ban still names them: %s", bans.body)
		}
	})
}

// TestEraseMe erases ann, who has data in every table the API can fill,
// through a second instance, then searches the whole database for her.
func TestEraseMe(t *testing.T) {
	t.Parallel()
	eachRawBackend(t, func(t *testing.T, e *testEnv, raw *storetest.Raw) {
		var closed erasures
		other := e.instance(t, func(o *Options) { o.OnErase = closed.record })
		mod, ann, ben, cy := e.signup(t), e.signup(t), e.signup(t), e.signup(t)
		e.makeRole(t, mod, model.RoleModerator)
		name, oldName, goal := "Annerased Q", "Annformer Q", "finish the secret chapter"
		ann.do(t, "PUT", "/api/users/profile", map[string]any{"displayName": oldName}).want(t, http.StatusOK)
		ann.do(t, "PUT", "/api/users/profile", map[string]any{"displayName": name}).want(t, http.StatusOK)
		ann.do(t, "PUT", "/api/users/preferences", map[string]any{"workStyle": "music"}).want(t, http.StatusOK)
		mine := ann.createRoom(t, map[string]any{"name": "Quiet corner", "category": "creative"})
		room := starterRoom(t, e, "deep-work")
		for _, c := range []*client{ann, ben, cy} {
			c.join(t, room)
		}
		ann.startSession(t, map[string]any{"roomId": room, "goals": []string{goal}})
		byAnn := e.fileReport(t, ann, map[string]any{"userId": ben.userID, "roomId": room, "reason": "spam"})
		aboutAnn := e.fileReport(t, cy, map[string]any{"userId": ann.userID, "roomId": room, "reason": "harassment"})
		ann.do(t, "POST", "/api/blocks", map[string]any{"userId": cy.userID}).want(t, http.StatusNoContent)

		// Ann is signed in on another device too, with a token of its own.
		issuer, err := auth.NewService(e.store, testSecret, e.clock.Now)
		if err != nil {
			t.Fatal(err)
		}
		phoneID, err := issuer.Issue(ann.userID)
		if err != nil {
			t.Fatal(err)
		}
		phone := &client{base: e.url, token: phoneID.Token, userID: ann.userID}
		phone.do(t, "GET", "/api/auth/session", nil).want(t, http.StatusOK)

		secrets := []string{ann.userID, name, oldName, goal}
		if found := storetest.Find(raw.Dump(t), secrets...); len(found) < 6 {
			t.Fatalf("before the erasure the search finds her in only %d cells", len(found))
		}

		ann.at(other).asCookie().do(t, "DELETE", "/api/users/me", nil, "Origin", "https://evil.example").
			problem(t, http.StatusForbidden, "forbidden")
		res := ann.at(other).asCookie().do(t, "DELETE", "/api/users/me", nil).want(t, http.StatusNoContent)
		if c := res.cookie(); c == nil || c.MaxAge >= 0 {
			t.Fatalf("the cookie is not cleared: %+v", c)
		}
		if got := closed.list(); len(got) != 1 || got[0] != ann.userID {
			t.Fatalf("sockets closed for %v, want ann's", got)
		}
		// Her tokens, the one she erased with and the other device's, are
		// refused on both instances; she is gone.
		for _, base := range []string{e.url, other} {
			for _, c := range []*client{ann, phone} {
				c.at(base).do(t, "GET", "/api/auth/session", nil).problem(t, http.StatusUnauthorized, "unauthorized")
				c.at(base).do(t, "GET", "/api/rooms", nil).problem(t, http.StatusUnauthorized, "unauthorized")
				c.at(base).do(t, "DELETE", "/api/users/me", nil).problem(t, http.StatusUnauthorized, "unauthorized")
			}
		}
		if left := storetest.Find(raw.Dump(t), secrets...); len(left) > 0 {
			t.Fatalf("after the erasure the database still holds her: %+v", left)
		}
		// Her id never comes back: signing up again with her old token
		// makes someone new.
		var again wire.AuthSession
		ann.do(t, "POST", "/api/auth/anonymous", nil).want(t, http.StatusCreated).decode(t, &again)
		if again.User.ID == ann.userID || again.User.ID == "" {
			t.Fatalf("signing up again gave id %q", again.User.ID)
		}

		// The room heard her go; her room stays, without her name.
		if r := ben.room(t, room); r.CurrentCapacity != 2 {
			t.Fatalf("%d people in the room, want ben and cy", r.CurrentCapacity)
		}
		if r := ben.room(t, mine.ID); r.Name != "Quiet corner" {
			t.Fatalf("her room %+v", r)
		}

		// Reports by and about her stay for moderators, with a stand-in,
		// and can be resolved.
		page := mod.modReports(t, "")
		var stand string
		for _, r := range page.Reports {
			switch r.ID {
			case aboutAnn.ID:
				stand = r.ReportedUser.ID
				if stand == ann.userID || r.ReportedUser.DisplayName != model.ErasedDisplayName {
					t.Fatalf("the report about her names %+v", r.ReportedUser)
				}
			}
		}
		if stand == "" || len(page.Reports) != 2 {
			t.Fatalf("open reports after the erasure: %+v", page.Reports)
		}
		kept, err := e.store.GetReport(t.Context(), byAnn.ID)
		if err != nil || kept.ReporterID != stand || kept.ReportedUserID != ben.userID {
			t.Fatalf("her report %+v, %v", kept, err)
		}
		mod.do(t, "POST", "/api/mod/reports/"+byAnn.ID+"/resolve", map[string]any{"action": "dismiss", "reason": "checked"}).want(t, http.StatusOK)
		mod.do(t, "POST", "/api/mod/reports/"+aboutAnn.ID+"/resolve", map[string]any{"action": "dismiss", "reason": "gone"}).want(t, http.StatusOK)
		entries, err := e.store.AuditLog(t.Context(), "", 100)
		if err != nil {
			t.Fatal(err)
		}
		erased := 0
		for _, a := range entries {
			if a.Action == model.AuditUserErase {
				erased++
				if a.ActorID != kept.ReporterID || a.TargetID != kept.ReporterID || a.Reason != "" {
					t.Fatalf("the erasure's audit entry %+v", a)
				}
			}
		}
		if erased != 1 {
			t.Fatalf("%d user.erase entries", erased)
		}
	})
}

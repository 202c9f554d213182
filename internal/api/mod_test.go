package api

import (
	"net/http"
	"testing"

	"github.com/bodydouble/bodydouble/internal/model"
	"github.com/bodydouble/bodydouble/internal/rooms"
	"github.com/bodydouble/bodydouble/internal/wire"
)

// makeRole gives c's user role, as the command line or an admin would.
func (e *testEnv) makeRole(t *testing.T, c *client, role string) {
	t.Helper()
	err := e.store.SetUserRole(t.Context(), c.userID, role, model.AuditEntry{
		At: e.clock.Now(), ActorID: "cli", Action: "role.set", TargetType: "user", TargetID: c.userID, Reason: role,
	})
	if err != nil {
		t.Fatal(err)
	}
}

// auditLen is how many entries the audit log has.
func (e *testEnv) auditLen(t *testing.T) int {
	t.Helper()
	entries, err := e.store.AuditLog(t.Context(), "", 1000)
	if err != nil {
		t.Fatal(err)
	}
	return len(entries)
}

func TestModerationRoutesRefuseMembers(t *testing.T) {
	eachBackend(t, func(t *testing.T, e *testEnv) {
		member, other := e.signup(t), e.signup(t)
		room := rooms.StarterRooms()[0].ID
		other.do(t, "POST", "/api/rooms/"+room+"/join", nil).want(t, http.StatusOK)
		var before wire.User
		other.do(t, "GET", "/api/users/profile", nil).want(t, http.StatusOK).decode(t, &before)
		ban := map[string]any{"userId": other.userID, "reason": "spam"}
		for _, sc := range []struct {
			method, path string
			body         any
		}{
			{"POST", "/api/mod/bans", ban},
			{"POST", "/api/mod/bans", map[string]any{"userId": "nope"}}, // the role comes before the body's rules
			{"GET", "/api/mod/bans", nil},
			{"DELETE", "/api/mod/bans/" + other.userID, nil},
			{"POST", "/api/mod/rooms/" + room + "/close", map[string]any{"reason": "x"}},
			{"POST", "/api/mod/users/" + other.userID + "/reset-name", nil},
			{"GET", "/api/mod/audit", nil},
			{"PUT", "/api/admin/users/" + member.userID + "/role", map[string]any{"role": "admin"}},
		} {
			member.do(t, sc.method, sc.path, sc.body).problem(t, http.StatusForbidden, "forbidden")
		}
		// A moderator is no admin.
		e.makeRole(t, member, model.RoleModerator)
		member.do(t, "PUT", "/api/admin/users/"+member.userID+"/role", map[string]any{"role": "admin"}).problem(t, http.StatusForbidden, "forbidden")
		e.makeRole(t, member, model.RoleMember)

		// Nothing changed: no ban, the room open with other in it, the same
		// name, the same role, only the test's own two role changes logged.
		other.do(t, "GET", "/api/rooms", nil).want(t, http.StatusOK)
		var r wire.Room
		other.do(t, "GET", "/api/rooms/"+room, nil).want(t, http.StatusOK).decode(t, &r)
		if !r.IsActive || r.CurrentCapacity != 1 {
			t.Fatalf("room after members' attempts: active %v, %d in it", r.IsActive, r.CurrentCapacity)
		}
		var after wire.User
		other.do(t, "GET", "/api/users/profile", nil).want(t, http.StatusOK).decode(t, &after)
		if after.DisplayName != before.DisplayName {
			t.Fatalf("name changed from %q to %q", before.DisplayName, after.DisplayName)
		}
		if role, _ := e.store.UserRole(t.Context(), member.userID); role != model.RoleMember {
			t.Fatalf("member's role is %q", role)
		}
		if n := e.auditLen(t); n != 2 {
			t.Fatalf("%d audit entries, want the 2 role changes the test made", n)
		}
	})
}

func TestModeratorsBanCloseAndRename(t *testing.T) {
	eachBackend(t, func(t *testing.T, e *testEnv) {
		mod, bob, carol := e.signup(t), e.signup(t), e.signup(t)
		e.makeRole(t, mod, model.RoleModerator)

		// The session carries one's own role, and only one's own.
		var own wire.AuthSession
		mod.do(t, "GET", "/api/auth/session", nil).want(t, http.StatusOK).decode(t, &own)
		if own.User.Role != model.RoleModerator {
			t.Fatalf("moderator's session role %q", own.User.Role)
		}
		var b wire.AuthSession
		bob.do(t, "GET", "/api/auth/session", nil).want(t, http.StatusOK).decode(t, &b)
		if b.User.Role != model.RoleMember {
			t.Fatalf("member's session role %q", b.User.Role)
		}

		// Bad input is invalid and bans nobody.
		mod.do(t, "POST", "/api/mod/bans", map[string]any{"userId": bob.userID, "reason": ""}).invalid(t, "reason")
		mod.do(t, "POST", "/api/mod/bans", map[string]any{"userId": bob.userID, "reason": "x", "durationHours": 0}).invalid(t, "durationHours")
		mod.do(t, "POST", "/api/mod/bans", map[string]any{"userId": mod.userID, "reason": "x"}).invalid(t, "userId")
		bob.do(t, "GET", "/api/rooms", nil).want(t, http.StatusOK)

		var ban wire.Ban
		mod.do(t, "POST", "/api/mod/bans", map[string]any{"userId": bob.userID, "reason": "spam"}).want(t, http.StatusCreated).decode(t, &ban)
		if ban.UserID != bob.userID || ban.Until != nil || ban.Reason != "spam" {
			t.Fatalf("ban %+v", ban)
		}
		p := bob.do(t, "GET", "/api/rooms", nil).problem(t, http.StatusForbidden, "banned")
		if p.Reason != "spam" || p.Until != nil {
			t.Fatalf("banned problem %+v", p)
		}
		bob.do(t, "POST", "/api/rooms/quick-join", nil).problem(t, http.StatusForbidden, "banned")
		bob.do(t, "GET", "/api/auth/session", nil).want(t, http.StatusOK)
		var list wire.BanList
		mod.do(t, "GET", "/api/mod/bans", nil).want(t, http.StatusOK).decode(t, &list)
		if len(list.Bans) != 1 || list.Bans[0].ID != ban.ID {
			t.Fatalf("bans %+v", list.Bans)
		}
		mod.do(t, "DELETE", "/api/mod/bans/"+ban.ID, nil).want(t, http.StatusNoContent)
		mod.do(t, "DELETE", "/api/mod/bans/"+ban.ID, nil).problem(t, http.StatusNotFound, "not_found")
		bob.do(t, "GET", "/api/rooms", nil).want(t, http.StatusOK)

		// Closing a room: everyone leaves, nobody joins again.
		room := rooms.StarterRooms()[1].ID
		carol.do(t, "POST", "/api/rooms/"+room+"/join", nil).want(t, http.StatusOK)
		mod.do(t, "POST", "/api/mod/rooms/"+room+"/close", map[string]any{"reason": ""}).invalid(t, "reason")
		mod.do(t, "POST", "/api/mod/rooms/"+room+"/close", map[string]any{"reason": "raid"}).want(t, http.StatusNoContent)
		var r wire.Room
		carol.do(t, "GET", "/api/rooms/"+room, nil).want(t, http.StatusOK).decode(t, &r)
		if r.IsActive || r.CurrentCapacity != 0 {
			t.Fatalf("closed room: active %v, %d in it", r.IsActive, r.CurrentCapacity)
		}
		carol.do(t, "POST", "/api/rooms/"+room+"/join", nil).problem(t, http.StatusNotFound, "not_found")

		// A fresh name.
		var before, renamed wire.User
		carol.do(t, "GET", "/api/users/profile", nil).want(t, http.StatusOK).decode(t, &before)
		mod.do(t, "POST", "/api/mod/users/"+carol.userID+"/reset-name", nil).want(t, http.StatusOK).decode(t, &renamed)
		if renamed.ID != carol.userID || renamed.DisplayName == "" || renamed.Role != "" {
			t.Fatalf("renamed user %+v", renamed)
		}

		// The log, newest first, a page at a time.
		var page wire.AuditPage
		mod.do(t, "GET", "/api/mod/audit?limit=2", nil).want(t, http.StatusOK).decode(t, &page)
		if len(page.Entries) != 2 || page.NextCursor == nil || page.Entries[0].Action != "user.reset-name" || page.Entries[1].Action != "room.close" || page.Entries[1].Reason != "raid" {
			t.Fatalf("first audit page %+v", page)
		}
		mod.do(t, "GET", "/api/mod/audit?limit=10&cursor="+*page.NextCursor, nil).want(t, http.StatusOK).decode(t, &page)
		got := []string{}
		for _, a := range page.Entries {
			got = append(got, a.Action+" "+a.TargetID)
		}
		want := []string{"user.unban " + bob.userID, "user.ban " + bob.userID, "role.set " + mod.userID}
		if len(got) != 3 || got[0] != want[0] || got[1] != want[1] || got[2] != want[2] || page.NextCursor != nil {
			t.Fatalf("second audit page %v, want %v", got, want)
		}
		mod.do(t, "GET", "/api/mod/audit?cursor=garbage", nil).invalid(t, "cursor")
	})
}

func TestAdminsChangeRoles(t *testing.T) {
	eachBackend(t, func(t *testing.T, e *testEnv) {
		admin, bob := e.signup(t), e.signup(t)
		e.makeRole(t, admin, model.RoleAdmin)
		admin.do(t, "PUT", "/api/admin/users/"+bob.userID+"/role", map[string]any{"role": "emperor"}).invalid(t, "role")
		admin.do(t, "PUT", "/api/admin/users/"+bob.userID+"/role", map[string]any{"role": "moderator"}).want(t, http.StatusNoContent)
		// Read from the store on the very next request: bob moderates now.
		bob.do(t, "GET", "/api/mod/bans", nil).want(t, http.StatusOK)
		var own wire.AuthSession
		bob.do(t, "GET", "/api/auth/session", nil).want(t, http.StatusOK).decode(t, &own)
		if own.User.Role != model.RoleModerator {
			t.Fatalf("bob's role %q", own.User.Role)
		}
		// Staff cannot be banned.
		bob.do(t, "POST", "/api/mod/bans", map[string]any{"userId": admin.userID, "reason": "x"}).problem(t, http.StatusForbidden, "forbidden")
		admin.do(t, "PUT", "/api/admin/users/"+bob.userID+"/role", map[string]any{"role": "member"}).want(t, http.StatusNoContent)
		bob.do(t, "GET", "/api/mod/bans", nil).problem(t, http.StatusForbidden, "forbidden")
	})
}

package storetest

import (
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/bodydouble/bodydouble/internal/model"
)

// audit is an entry by actor on a user.
func audit(actor, action, target string, when time.Time) model.AuditEntry {
	return model.AuditEntry{At: when, ActorID: actor, Action: action, TargetType: "user", TargetID: target, Reason: "why"}
}

func testRoles(t *testing.T, f *fixture) {
	u := f.user("Plain")
	role, err := f.s.UserRole(f.ctx, u.ID)
	ok(t, err, "UserRole")
	eq(t, role, model.RoleMember, "a new user's role")
	got, err := f.s.GetUser(f.ctx, u.ID)
	ok(t, err, "GetUser")
	eq(t, got.Role, model.RoleMember, "GetUser's Role")

	ok(t, f.s.SetUserRole(f.ctx, u.ID, model.RoleModerator, audit("cli", "role.set", u.ID, base)), "SetUserRole")
	role, err = f.s.UserRole(f.ctx, u.ID)
	ok(t, err, "UserRole after the change")
	eq(t, role, model.RoleModerator, "the changed role")

	_, err = f.s.UserRole(f.ctx, uuid.NewString())
	isErr(t, err, model.ErrNotFound, "UserRole of nobody")
	isErr(t, f.s.SetUserRole(f.ctx, uuid.NewString(), model.RoleAdmin, audit("cli", "role.set", "x", base)), model.ErrNotFound, "SetUserRole of nobody")
	if f.s.SetUserRole(f.ctx, u.ID, "emperor", audit("cli", "role.set", u.ID, base)) == nil {
		t.Error("SetUserRole stored an unknown role")
	}
	// Only the change that happened is in the log.
	entries, err := f.s.AuditLog(f.ctx, "", 10)
	ok(t, err, "AuditLog")
	mine := 0
	for _, e := range entries {
		if e.TargetID == u.ID {
			mine++
		}
	}
	eq(t, mine, 1, "audit entries of the role change")
}

func testUserBans(t *testing.T, f *fixture) {
	mod, u := f.user("Mod"), f.user("Banned")
	_, err := f.s.ActiveUserBan(f.ctx, u.ID, base)
	isErr(t, err, model.ErrNotFound, "ActiveUserBan before any")

	until := at(time.Hour)
	short, err := f.s.CreateUserBan(f.ctx, model.UserBan{UserID: u.ID, Reason: "spam", Until: &until, CreatedBy: mod.ID, CreatedAt: base},
		audit(mod.ID, "ban", u.ID, base))
	ok(t, err, "CreateUserBan")
	if short.ID == "" {
		t.Fatal("CreateUserBan gave no id")
	}
	b, err := f.s.ActiveUserBan(f.ctx, u.ID, at(time.Minute))
	ok(t, err, "ActiveUserBan")
	eq(t, b.ID, short.ID, "the active ban")
	eq(t, b.Reason, "spam", "Reason")
	sameTime(t, *b.Until, until, "Until")
	_, err = f.s.ActiveUserBan(f.ctx, u.ID, until)
	isErr(t, err, model.ErrNotFound, "ActiveUserBan once it ended")

	// A ban until lifted outlasts any other.
	forever, err := f.s.CreateUserBan(f.ctx, model.UserBan{UserID: u.ID, Reason: "again", CreatedBy: mod.ID, CreatedAt: at(time.Second)},
		audit(mod.ID, "ban", u.ID, at(time.Second)))
	ok(t, err, "CreateUserBan until lifted")
	b, err = f.s.ActiveUserBan(f.ctx, u.ID, at(time.Minute))
	ok(t, err, "ActiveUserBan with two")
	eq(t, b.ID, forever.ID, "the ban that lasts longest")
	eq(t, b.Until, (*time.Time)(nil), "Until of a ban until lifted")

	bans, err := f.s.UserBans(f.ctx, at(2*time.Hour))
	ok(t, err, "UserBans")
	ids := []string{}
	for _, x := range bans {
		if x.UserID == u.ID {
			ids = append(ids, x.ID)
		}
	}
	eq(t, ids, []string{forever.ID}, "bans in force later")

	lifted, err := f.s.LiftUserBan(f.ctx, forever.ID, audit(mod.ID, "unban", u.ID, at(time.Minute)))
	ok(t, err, "LiftUserBan")
	eq(t, lifted.UserID, u.ID, "the lifted ban's user")
	_, err = f.s.LiftUserBan(f.ctx, forever.ID, audit(mod.ID, "unban", u.ID, at(time.Minute)))
	isErr(t, err, model.ErrNotFound, "LiftUserBan twice")
	_, err = f.s.ActiveUserBan(f.ctx, u.ID, at(2*time.Hour))
	isErr(t, err, model.ErrNotFound, "ActiveUserBan once lifted")

	_, err = f.s.CreateUserBan(f.ctx, model.UserBan{UserID: uuid.NewString(), Reason: "x", CreatedAt: base}, audit(mod.ID, "ban", "x", base))
	isErr(t, err, model.ErrNotFound, "CreateUserBan of nobody")
}

func testCloseRoom(t *testing.T, f *fixture) {
	r := f.room("Closing", "deep-work", 4)
	ok(t, f.s.CloseRoom(f.ctx, r.ID, model.AuditEntry{At: at(time.Minute), ActorID: "m", Action: "room.close", TargetType: "room", TargetID: r.ID}), "CloseRoom")
	eq(t, f.getRoom(r.ID).IsActive, false, "IsActive after CloseRoom")
	u := f.user("Late")
	_, err := f.s.JoinRoom(f.ctx, r.ID, u.ID, at(time.Hour), at(time.Hour+time.Minute))
	isErr(t, err, model.ErrRoomInactive, "JoinRoom of a closed room")
	isErr(t, f.s.CloseRoom(f.ctx, uuid.NewString(), model.AuditEntry{At: base, ActorID: "m", Action: "room.close", TargetType: "room", TargetID: "x"}), model.ErrNotFound, "CloseRoom of none")
}

func testAudit(t *testing.T, f *fixture) {
	// Long before every other test's entries, which purging must not touch
	// should they share the database.
	old := func(d time.Duration) time.Time { return base.AddDate(-20, 0, 0).Add(d) }
	target := uuid.NewString()
	for i := range 5 {
		ok(t, f.s.AddAudit(f.ctx, audit("actor", "test", target, old(time.Duration(i)*24*time.Hour))), "AddAudit")
	}
	// Entries from other tests may share the database: follow pages and
	// keep this test's.
	var mine []model.AuditEntry
	cursor, pages := "", 0
	for {
		page, err := f.s.AuditLog(f.ctx, cursor, 2)
		ok(t, err, "AuditLog")
		if len(page) == 0 {
			break
		}
		pages++
		for _, e := range page {
			if e.TargetID == target {
				mine = append(mine, e)
			}
		}
		cursor = page[len(page)-1].ID
	}
	if len(mine) != 5 || pages < 3 {
		t.Fatalf("paged audit log: %d entries of this test in %d pages, want 5 in at least 3", len(mine), pages)
	}
	// Newest first.
	sameTime(t, mine[0].At, old(4*24*time.Hour), "first entry's time")
	sameTime(t, mine[4].At, old(0), "last entry's time")
	eq(t, mine[0].Reason, "why", "Reason")
	eq(t, mine[0].ActorID, "actor", "ActorID")

	n, err := f.s.PurgeAudit(f.ctx, old(2*24*time.Hour))
	ok(t, err, "PurgeAudit")
	if n != 2 {
		t.Errorf("PurgeAudit deleted %d entries, want 2", n)
	}
	left := 0
	page, err := f.s.AuditLog(f.ctx, "", 1000)
	ok(t, err, "AuditLog after purge")
	for _, e := range page {
		if e.TargetID == target {
			left++
		}
	}
	eq(t, left, 3, "entries left after PurgeAudit")
	page, err = f.s.AuditLog(f.ctx, "not-a-number", 10)
	ok(t, err, "AuditLog with a foreign cursor")
	eq(t, len(page), 0, "entries before a foreign cursor")
}

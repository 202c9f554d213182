package storetest

import (
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/bodydouble/bodydouble/internal/model"
	"github.com/bodydouble/bodydouble/internal/store"
)

// RunRetention runs the contract cases of store.RetentionStore against
// the store that open returns, each on its own store.
func RunRetention(t *testing.T, open func(t testing.TB) store.Store) {
	tests := []struct {
		name string
		fn   func(t *testing.T, f *fixture)
	}{
		{"MarkActive", testMarkActive},
		{"InactiveUsers", testInactiveUsers},
		{"RetentionDrops", testRetentionDrops},
		{"RetentionErasures", testRetentionErasures},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			tc.fn(t, newFixture(t, open(t)))
		})
	}
}

// userAt creates a member made at created.
func (f *fixture) userAt(name string, created time.Time) model.User {
	f.t.Helper()
	u := model.User{ID: uuid.NewString(), AnonymousID: uuid.NewString(), DisplayName: name, CreatedAt: created, UpdatedAt: created}
	ok(f.t, f.s.CreateUser(f.ctx, u), "CreateUser "+name)
	return u
}

// inactive returns one batch of up to limit people inactive since cutoff.
func (f *fixture) inactive(cutoff time.Time, limit int) []string {
	f.t.Helper()
	ids, err := f.s.InactiveUsers(f.ctx, cutoff, limit)
	ok(f.t, err, "InactiveUsers")
	if len(ids) > limit {
		f.t.Fatalf("InactiveUsers(limit %d) returned %d ids", limit, len(ids))
	}
	if ids == nil {
		ids = []string{}
	}
	return ids
}

func testMarkActive(t *testing.T, f *fixture) {
	cutoff := at(-365 * day)
	old := f.userAt("Old", at(-400*day))
	young := f.userAt("Young", at(-2*time.Hour))
	eq(t, f.inactive(cutoff, 10), []string{old.ID}, "inactive before any activity")

	wrote, err := f.s.MarkActive(f.ctx, old.ID, base)
	ok(t, err, "MarkActive")
	eq(t, wrote, true, "first activity written")
	eq(t, f.inactive(cutoff, 10), []string{}, "inactive after activity")
	// Now inactive since base: listed from a cutoff just after it.
	eq(t, f.inactive(at(time.Millisecond), 10), []string{young.ID, old.ID}, "inactive since base, least recently active first")

	// At most one write a day.
	for _, d := range []time.Duration{time.Millisecond, time.Hour, day - time.Millisecond} {
		wrote, err = f.s.MarkActive(f.ctx, old.ID, at(d))
		ok(t, err, "MarkActive")
		eq(t, wrote, false, "activity written again after "+d.String())
	}
	// The recorded activity stayed base.
	eq(t, f.inactive(at(time.Millisecond), 10), []string{young.ID, old.ID}, "activity unchanged within the day")
	wrote, err = f.s.MarkActive(f.ctx, old.ID, at(day))
	ok(t, err, "MarkActive")
	eq(t, wrote, true, "activity written a day later")
	eq(t, f.inactive(at(time.Millisecond), 10), []string{young.ID}, "activity moved a day on")

	// Made two hours ago: their creation is today's activity.
	wrote, err = f.s.MarkActive(f.ctx, young.ID, base)
	ok(t, err, "MarkActive young")
	eq(t, wrote, false, "activity written on the day one was made")

	wrote, err = f.s.MarkActive(f.ctx, uuid.NewString(), base)
	ok(t, err, "MarkActive of nobody")
	eq(t, wrote, false, "activity written for nobody")
}

func testInactiveUsers(t *testing.T, f *fixture) {
	cutoff := at(-365 * day)
	a := f.userAt("A", at(-500*day))
	b := f.userAt("B", at(-450*day))
	c := f.userAt("C", at(-366*day))
	f.userAt("Kept", at(-364*day))
	// Exactly at the cutoff is not before it.
	f.userAt("Edge", cutoff)
	// Old but active yesterday.
	joined := f.userAt("Joined", at(-900*day))
	_, err := f.s.MarkActive(f.ctx, joined.ID, at(-day))
	ok(t, err, "MarkActive")
	// Staff are never listed.
	mod := f.userAt("Mod", at(-900*day))
	ok(t, f.s.SetUserRole(f.ctx, mod.ID, model.RoleModerator, audit(mod.ID, "user.role", mod.ID, at(-900*day))), "SetUserRole")

	// Batches, least recently active first.
	eq(t, f.inactive(cutoff, 2), []string{a.ID, b.ID}, "first batch")
	// An erased person's stand-in, made long ago, is never listed.
	stand := uuid.NewString()
	ok(t, f.s.EraseUser(f.ctx, a.ID, stand, at(-400*day)), "EraseUser")
	ok(t, f.s.EraseUser(f.ctx, b.ID, uuid.NewString(), at(-400*day)), "EraseUser")
	eq(t, f.inactive(cutoff, 2), []string{c.ID}, "second batch")
	ok(t, f.s.EraseUser(f.ctx, c.ID, uuid.NewString(), at(-400*day)), "EraseUser")
	eq(t, f.inactive(cutoff, 2), []string{}, "nobody left")
}

func testRetentionDrops(t *testing.T, f *fixture) {
	ok(t, f.s.StartRetentionRun(f.ctx, "run-1", base), "StartRetentionRun")
	expired := []string{uuid.NewString(), uuid.NewString(), uuid.NewString()}
	for i, id := range expired {
		ok(t, f.s.RevokeToken(f.ctx, id, at(-time.Duration(i+1)*time.Hour)), "RevokeToken")
	}
	live := uuid.NewString()
	ok(t, f.s.RevokeToken(f.ctx, live, at(time.Hour)), "RevokeToken")

	drop := func(want int) {
		t.Helper()
		n, err := f.s.DropRevocations(f.ctx, "run-1", base, 2)
		ok(t, err, "DropRevocations")
		eq(t, n, want, "revocations dropped")
	}
	drop(2)
	drop(1)
	drop(0)
	for _, id := range expired {
		revoked, err := f.s.TokenRevoked(f.ctx, id, "")
		ok(t, err, "TokenRevoked")
		eq(t, revoked, false, "expired revocation kept")
	}
	revoked, err := f.s.TokenRevoked(f.ctx, live, "")
	ok(t, err, "TokenRevoked")
	eq(t, revoked, true, "live revocation dropped")

	// Audit entries before the cutoff go, oldest first, in batches.
	cutoff := at(-365 * day)
	target := uuid.NewString()
	for _, d := range []time.Duration{-900 * day, -400 * day, -366 * day, -364 * day, -day} {
		ok(t, f.s.AddAudit(f.ctx, audit("actor", "test", target, at(d))), "AddAudit")
	}
	n, err := f.s.DropAudit(f.ctx, "run-1", cutoff, 2)
	ok(t, err, "DropAudit")
	eq(t, n, 2, "audit entries dropped")
	n, err = f.s.DropAudit(f.ctx, "run-1", cutoff, 2)
	ok(t, err, "DropAudit")
	eq(t, n, 1, "audit entries dropped")
	n, err = f.s.DropAudit(f.ctx, "run-1", cutoff, 2)
	ok(t, err, "DropAudit")
	eq(t, n, 0, "audit entries dropped")
	left, err := f.s.AuditLog(f.ctx, "", 10)
	ok(t, err, "AuditLog")
	eq(t, len(left), 2, "audit entries left")
	for _, e := range left {
		if e.At.Before(cutoff) {
			t.Errorf("entry at %v kept, before the cutoff %v", e.At, cutoff)
		}
	}

	// Started again: the counts stay and keep growing.
	ok(t, f.s.StartRetentionRun(f.ctx, "run-1", at(time.Hour)), "StartRetentionRun again")
	ok(t, f.s.AddAudit(f.ctx, audit("actor", "test", target, at(-800*day))), "AddAudit")
	n, err = f.s.DropAudit(f.ctx, "run-1", cutoff, 2)
	ok(t, err, "DropAudit")
	eq(t, n, 1, "audit entries dropped after the restart")
	got, err := f.s.RetentionRun(f.ctx, "run-1")
	ok(t, err, "RetentionRun")
	sameTime(t, got.StartedAt, base, "run's start")
	eq(t, got, store.RetentionCounts{StartedAt: got.StartedAt, Revocations: 3, Audit: 4}, "run's counts")

	// No such run: an error, and nothing goes.
	ok(t, f.s.AddAudit(f.ctx, audit("actor", "test", target, at(-800*day))), "AddAudit")
	_, err = f.s.DropAudit(f.ctx, "nope", cutoff, 2)
	isErr(t, err, model.ErrNotFound, "DropAudit of no run")
	n, err = f.s.DropAudit(f.ctx, "run-1", cutoff, 2)
	ok(t, err, "DropAudit")
	eq(t, n, 1, "entry kept by the failed drop")
	_, err = f.s.RetentionRun(f.ctx, "nope")
	isErr(t, err, model.ErrNotFound, "RetentionRun of no run")

	// Old runs' records go.
	ok(t, f.s.StartRetentionRun(f.ctx, "run-2", at(day)), "StartRetentionRun")
	dropped, err := f.s.DropRetentionRuns(f.ctx, at(time.Millisecond))
	ok(t, err, "DropRetentionRuns")
	eq(t, dropped, 1, "runs dropped")
	_, err = f.s.RetentionRun(f.ctx, "run-1")
	isErr(t, err, model.ErrNotFound, "dropped run")
	_, err = f.s.RetentionRun(f.ctx, "run-2")
	ok(t, err, "RetentionRun of the newer run")
}

func testRetentionErasures(t *testing.T, f *fixture) {
	cutoff := at(-365 * day)
	ok(t, f.s.StartRetentionRun(f.ctx, "run-1", base), "StartRetentionRun")
	a, b := f.userAt("A", at(-400*day)), f.userAt("B", at(-400*day))
	plan := func(runID, userID, standIn string, want bool) {
		t.Helper()
		got, err := f.s.PlanErasure(f.ctx, runID, userID, standIn, cutoff)
		ok(t, err, "PlanErasure")
		eq(t, got, want, "planned")
	}
	_, err := f.s.PlanErasure(f.ctx, "nope", a.ID, uuid.NewString(), cutoff)
	isErr(t, err, model.ErrNotFound, "PlanErasure in no run")

	erased := func(want int64) {
		t.Helper()
		got, err := f.s.RetentionRun(f.ctx, "run-1")
		ok(t, err, "RetentionRun")
		eq(t, got.Erased, want, "people erased")
	}
	standA, standB := uuid.NewString(), uuid.NewString()
	plan("run-1", a.ID, standA, true)
	// Planned, not yet erased (a crash here): not counted.
	erased(0)
	ok(t, f.s.EraseUser(f.ctx, a.ID, standA, base), "EraseUser")
	erased(1)
	// A plan whose erasure never happened never counts; the person is
	// planned again by the next attempt.
	plan("run-1", b.ID, uuid.NewString(), true)
	plan("run-1", b.ID, standB, true)
	ok(t, f.s.EraseUser(f.ctx, b.ID, standB, base), "EraseUser")
	erased(2)

	// Not planned: someone active since the cutoff, staff, a stand-in,
	// nobody.
	c := f.userAt("C", at(-400*day))
	_, err = f.s.MarkActive(f.ctx, c.ID, at(-day))
	ok(t, err, "MarkActive")
	plan("run-1", c.ID, uuid.NewString(), false)
	mod := f.userAt("Mod", at(-400*day))
	ok(t, f.s.SetUserRole(f.ctx, mod.ID, model.RoleModerator, audit(mod.ID, "user.role", mod.ID, at(-400*day))), "SetUserRole")
	plan("run-1", mod.ID, uuid.NewString(), false)
	plan("run-1", standA, uuid.NewString(), false)
	plan("run-1", a.ID, uuid.NewString(), false)
	erased(2)
}

package storetest

import (
	"slices"
	"testing"
	"time"

	"github.com/google/uuid"
)

// testSeatHolds: a seat held by an instance with a running lease never
// expires, whatever its seen_until; releasing it or the lease ending gives
// it back to seen_until.
func testSeatHolds(t *testing.T, f *fixture) {
	r := f.room("holds", "study", 8)
	u, v, w := f.user("u"), f.user("v"), f.user("w")
	for _, x := range []string{u.ID, v.ID, w.ID} {
		f.join(r.ID, x, at(0)) // seen_until 30 s
	}
	a, b := "instance-a-"+uuid.NewString(), "instance-b-"+uuid.NewString()
	expired := func(now time.Time) []string {
		t.Helper()
		ps, err := f.s.ExpiredParticipants(f.ctx, now)
		ok(t, err, "ExpiredParticipants")
		ids := []string{}
		for _, p := range ps {
			if p.RoomID == r.ID {
				ids = append(ids, p.UserID)
			}
		}
		slices.Sort(ids)
		return ids
	}
	sorted := func(ids ...string) []string { return slices.Sorted(slices.Values(ids)) }

	// a holds u and v (twice over: harmless), b holds v; unknown users are skipped.
	ok(t, f.s.HoldSeats(f.ctx, a, []string{u.ID, v.ID}, at(time.Minute)), "HoldSeats a")
	ok(t, f.s.HoldSeats(f.ctx, a, []string{v.ID, uuid.NewString()}, at(time.Minute)), "HoldSeats a again")
	ok(t, f.s.HoldSeats(f.ctx, b, []string{v.ID}, at(time.Minute)), "HoldSeats b")
	ok(t, f.s.HoldSeats(f.ctx, b, nil, at(time.Minute)), "HoldSeats nobody")
	eq(t, expired(at(45*time.Second)), []string{w.ID}, "expired with u and v held")
	res, err := f.s.ExpireParticipant(f.ctx, r.ID, u.ID, at(45*time.Second))
	ok(t, err, "ExpireParticipant held")
	eq(t, res.WasIn, false, "WasIn of a held seat")

	// Renewing a's lease keeps its seats; b's lapses at 60 s.
	ok(t, f.s.RenewLease(f.ctx, a, at(2*time.Minute)), "RenewLease a")
	eq(t, expired(at(90*time.Second)), []string{w.ID}, "expired at 90 s: a still holds u and v")

	// a releases v: b's hold ran out, so v's grace (to 100 s) is all v has.
	ok(t, f.s.ReleaseSeats(f.ctx, a, []string{v.ID}, at(100*time.Second)), "ReleaseSeats v")
	eq(t, expired(at(95*time.Second)), []string{w.ID}, "expired in v's grace")
	eq(t, expired(at(101*time.Second)), sorted(v.ID, w.ID), "expired after v's grace")
	// Releasing never shortens seen_until.
	ok(t, f.s.ReleaseSeats(f.ctx, a, []string{v.ID}, at(10*time.Second)), "ReleaseSeats earlier")
	eq(t, expired(at(95*time.Second)), []string{w.ID}, "expired after an earlier release")

	// A lease that ends cleanly gives its seats grace at once.
	ok(t, f.s.EndLease(f.ctx, a, at(110*time.Second)), "EndLease a")
	eq(t, expired(at(105*time.Second)), sorted(v.ID, w.ID), "expired after a ended, in u's grace")
	eq(t, expired(at(111*time.Second)), sorted(u.ID, v.ID, w.ID), "expired after u's grace")
	res, err = f.s.ExpireParticipant(f.ctx, r.ID, u.ID, at(111*time.Second))
	ok(t, err, "ExpireParticipant released")
	eq(t, res.WasIn, true, "WasIn of a released seat")

	// b's lapsed lease still holds v if renewed; pruning forgets b and its holds.
	ok(t, f.s.RenewLease(f.ctx, b, at(3*time.Minute)), "RenewLease b")
	eq(t, expired(at(2*time.Minute)), []string{w.ID}, "expired with b renewed")
	ok(t, f.s.PruneLeases(f.ctx, at(2*time.Minute)), "PruneLeases before b's end")
	eq(t, expired(at(2*time.Minute)), []string{w.ID}, "expired after a prune that spares b")
	ok(t, f.s.PruneLeases(f.ctx, at(4*time.Minute)), "PruneLeases after b's end")
	ok(t, f.s.RenewLease(f.ctx, b, at(5*time.Minute)), "RenewLease b after the prune")
	eq(t, expired(at(4*time.Minute)), sorted(v.ID, w.ID), "expired after b was pruned: its holds are gone")
}

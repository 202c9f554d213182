package storetest

import (
	"slices"
	"testing"
	"time"

	"github.com/google/uuid"
)

// testSeatHolds: a seat held by an instance with a running lease never
// expires, whatever the time; releasing it, ending the lease or reaping a
// lease that ran out gives it back to seen_until.
func testSeatHolds(t *testing.T, f *fixture) {
	r, r2 := f.room("holds", "study", 8), f.room("holds 2", "study", 8)
	u, v, w, x := f.user("u"), f.user("v"), f.user("w"), f.user("x")
	for _, id := range []string{u.ID, v.ID, w.ID, x.ID} {
		f.join(r.ID, id, at(0)) // seen_until 30 s
	}
	a, b, c := "a-"+uuid.NewString(), "b-"+uuid.NewString(), "c-"+uuid.NewString()
	far := at(1000 * time.Hour)
	sorted := func(ids ...string) []string { return slices.Sorted(slices.Values(ids)) }
	// Every subtest has a store of its own: these are all the seats there are.
	expired := func(now time.Time) []string { return sorted(f.expiredIDs(now)...) }
	renew := func(id string, until time.Time, had bool) {
		t.Helper()
		got, err := f.s.RenewLease(f.ctx, id, until)
		ok(t, err, "RenewLease")
		eq(t, got, had, "RenewLease found a lease")
	}

	// a holds u and v (twice over: harmless), b holds v; unknown users are skipped.
	ok(t, f.s.HoldSeats(f.ctx, a, []string{u.ID, v.ID}, at(time.Minute)), "HoldSeats a")
	ok(t, f.s.HoldSeats(f.ctx, a, []string{v.ID, uuid.NewString()}, at(time.Minute)), "HoldSeats a again")
	ok(t, f.s.HoldSeats(f.ctx, b, []string{v.ID}, at(time.Minute)), "HoldSeats b")
	ok(t, f.s.HoldSeats(f.ctx, b, nil, at(time.Minute)), "HoldSeats nobody")
	eq(t, expired(at(45*time.Second)), sorted(w.ID, x.ID), "expired with u and v held")
	res, err := f.s.ExpireParticipant(f.ctx, r.ID, u.ID, at(45*time.Second))
	ok(t, err, "ExpireParticipant held")
	eq(t, res.WasIn, false, "WasIn of a held seat")

	// a renews; b's lease ends at 60 s but nobody reaped it yet.
	renew(a, at(2*time.Minute), true)
	eq(t, expired(at(90*time.Second)), sorted(w.ID, x.ID), "expired at 90 s")
	eq(t, expired(far), sorted(w.ID, x.ID), "expired much later")

	// a releases v. b's lease has ended, so v's grace (to 100 s) is all v has.
	ok(t, f.s.ReleaseSeats(f.ctx, a, []string{v.ID}, at(90*time.Second), at(100*time.Second)), "ReleaseSeats v")
	eq(t, expired(at(95*time.Second)), sorted(w.ID, x.ID), "expired in v's grace")
	eq(t, expired(at(101*time.Second)), sorted(v.ID, w.ID, x.ID), "expired after v's grace")
	// Releasing a seat that is not held changes nothing.
	ok(t, f.s.ReleaseSeats(f.ctx, a, []string{v.ID, w.ID}, at(90*time.Second), at(10*time.Hour)), "ReleaseSeats again")
	eq(t, expired(at(101*time.Second)), sorted(v.ID, w.ID, x.ID), "expired after releasing unheld seats")

	// x is held by a and c; a letting go leaves c's hold.
	ok(t, f.s.HoldSeats(f.ctx, a, []string{x.ID}, at(time.Minute)), "HoldSeats a x")
	ok(t, f.s.HoldSeats(f.ctx, c, []string{x.ID}, at(150*time.Second)), "HoldSeats c x")
	ok(t, f.s.ReleaseSeats(f.ctx, a, []string{x.ID}, at(100*time.Second), at(110*time.Second)), "ReleaseSeats a x")
	eq(t, expired(far), sorted(v.ID, w.ID), "expired with x held by c")
	// A seat x moves to while held starts held.
	f.join(r2.ID, x.ID, at(100*time.Second))
	eq(t, expired(far), sorted(v.ID, w.ID), "expired after x moved while held")

	// a ends cleanly: u gets its grace at once.
	ok(t, f.s.EndLease(f.ctx, a, at(100*time.Second), at(110*time.Second)), "EndLease a")
	eq(t, expired(at(105*time.Second)), sorted(v.ID, w.ID), "expired in u's grace")
	eq(t, expired(at(111*time.Second)), sorted(u.ID, v.ID, w.ID), "expired after u's grace")
	res, err = f.s.ExpireParticipant(f.ctx, r.ID, u.ID, at(111*time.Second))
	ok(t, err, "ExpireParticipant released")
	eq(t, res.WasIn, true, "WasIn of a released seat")
	renew(a, at(3*time.Minute), false) // a ended: a new lease

	// c stops renewing. Before its lease ends, reaping spares it; after, the
	// seats only c held expire, and c's next renewal learns it was reaped.
	ok(t, f.s.ReapLeases(f.ctx, at(140*time.Second)), "ReapLeases early")
	eq(t, expired(far), sorted(v.ID, w.ID), "expired after an early reap")
	ok(t, f.s.ReapLeases(f.ctx, at(160*time.Second)), "ReapLeases")
	eq(t, expired(at(161*time.Second)), sorted(v.ID, w.ID, x.ID), "expired after c was reaped")
	renew(c, at(5*time.Minute), false)
	eq(t, expired(at(161*time.Second)), sorted(v.ID, w.ID, x.ID), "expired after c came back: its holds are gone")
}

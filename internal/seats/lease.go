// Package seats keeps the seats of people whose socket is connected: this
// instance's lease in the store and the seat holds made under it (Lease),
// the batching of holds and releases as sockets come and go (Holds), and
// the rule that decides when an instance may expire seats at all after the
// store was unreachable (Lease.MayExpire). docs/protocol.md "Presence and
// grace" and docs/operations.md "Outages" describe the behaviour.
//
// Package rooms owns the seats themselves (joining, leaving, the sweep
// that expires participants and announces participant-left); it runs a
// Lease on its background goroutine and asks it before each sweep.
// Package realtime owns the sockets and tells Holds whose changed. The
// store keeps the leases and holds (store.Store's RenewLease, HoldSeats,
// ReleaseSeats, EndLease, ReapLeases); this package needs only those and
// two reads of the participants (Store).
package seats

import (
	"context"
	"log/slog"
	"time"

	"github.com/google/uuid"

	"github.com/bodydouble/bodydouble/internal/model"
)

// Lease timing (docs/operations.md "Outages").
const (
	// leaseEvery is how often an instance renews the lease that holds the
	// seats of its sockets (each time for another grace period).
	leaseEvery = 10 * time.Second
	// OutageTolerance is how long an instance may be cut off from the store
	// (a stalled or lost database, a network partition) without the seats
	// it holds going: its lease runs for the grace period plus this, so
	// that no other instance reaps it while it cannot renew.
	OutageTolerance = 60 * time.Second
	// CallTimeout bounds each store call of the background loop, so that a
	// stalled database shows up as failed calls (and a pause of expiry)
	// rather than freezing the loop.
	CallTimeout = 5 * time.Second
	// slowCall is how long a background store call may take before it
	// counts as a stall that ended within CallTimeout: like a failure, it
	// restarts the grace period before anything is expired.
	slowCall = 2 * time.Second
)

// Store is what seats needs of the store (store.Store has it all).
type Store interface {
	RenewLease(ctx context.Context, instanceID string, until time.Time) (bool, error)
	HoldSeats(ctx context.Context, instanceID string, userIDs []string, leaseUntil time.Time) error
	ReleaseSeats(ctx context.Context, instanceID string, userIDs []string, now, until time.Time) error
	EndLease(ctx context.Context, instanceID string, now, until time.Time) error
	ReapLeases(ctx context.Context, now time.Time) error
	AllParticipants(ctx context.Context) ([]model.Participant, error)
	TouchParticipants(ctx context.Context, userIDs []string, until time.Time) error
}

// Options configure a Lease.
type Options struct {
	Store  Store
	Logger *slog.Logger
	Now    func() time.Time // defaults to time.Now
	// Grace is how long a seat is kept without a live socket.
	Grace time.Duration
	// OutageTolerance overrides how long a store outage the lease
	// survives (tests shorten it).
	OutageTolerance time.Duration
	// OnRecover runs, on the background goroutine, when the store answers
	// again after failing: work an outage held up is caught up at once.
	OnRecover func(context.Context)
}

// Lease is this instance's lease on the seats of its sockets, and the
// store's health as the background loop sees it. Call, Renew, MayExpire,
// GraceAll and End belong to that one goroutine (rooms.Service.Run); Hold,
// Release and Lost are safe from any goroutine.
type Lease struct {
	store     Store
	log       *slog.Logger
	now       func() time.Time
	grace     time.Duration
	tolerance time.Duration
	onRecover func(context.Context)

	// instance names this process in the store's seat holds.
	instance string
	leased   bool // Renew succeeded once
	lost     chan struct{}

	// healthySince is when the current unbroken run of successful store
	// calls began (zero while they fail); storeDown is set by a failure
	// and cleared, with a catch-up, by the next success; renewDue is set
	// while the lease could not be renewed.
	healthySince time.Time
	storeDown    bool
	renewDue     bool
}

// New returns a Lease not yet renewed: Renew takes it.
func New(o Options) *Lease {
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	if o.OutageTolerance <= 0 {
		o.OutageTolerance = OutageTolerance
	}
	if o.OnRecover == nil {
		o.OnRecover = func(context.Context) {}
	}
	return &Lease{store: o.Store, log: o.Logger, now: o.Now, grace: o.Grace, tolerance: o.OutageTolerance,
		onRecover: o.OnRecover, instance: uuid.NewString(), lost: make(chan struct{}, 1)}
}

// clock returns the current time in the store's precision.
func (l *Lease) clock() time.Time { return l.now().UTC().Truncate(time.Millisecond) }

// Call runs one background store call bounded by CallTimeout and records
// whether the store answered. When it answers again after failing, the
// work an outage held up is caught up at once: the lease is renewed (at
// the next sweep tick, see MayExpire) and OnRecover runs.
func (l *Lease) Call(ctx context.Context, f func(context.Context) error) error {
	cctx, cancel := context.WithTimeout(ctx, CallTimeout)
	start := time.Now()
	err := f(cctx)
	took := time.Since(start)
	cancel()
	if ctx.Err() != nil {
		return err // stopping: says nothing about the store
	}
	if err != nil {
		if !l.storeDown {
			l.log.Warn("seats: the store is not answering; expiring nobody until it is back", "err", err)
		}
		l.healthySince, l.storeDown = time.Time{}, true
		return err
	}
	if l.healthySince.IsZero() || took > slowCall {
		l.healthySince = l.now()
	}
	if l.storeDown {
		l.storeDown = false
		l.log.Info("seats: the store answers again; expiry resumes after a grace period")
		l.renewDue = true // at the next sweep tick, unless this was the renewal
		l.onRecover(ctx)
	}
	return nil
}

// MayExpire reports whether this instance may expire seats now, and does
// the lease work due at a sweep tick. Outages of the store remove nobody:
// an instance expires seats and reaps other instances' leases only once
// its own store calls have succeeded without a break for a whole grace
// period and its lease is renewed. After an outage every live instance
// has renewed its lease by then, and everyone whose socket dropped has
// had a grace period to come back; what expired only because nobody could
// reach the store is never acted on. While expiry must wait, the lease is
// renewed (catching up, and finding out whether the store is back); when
// it may go ahead, the leases of instances that stopped without ending
// theirs are reaped first, so that their holds keep nobody.
func (l *Lease) MayExpire(ctx context.Context) bool {
	if l.renewDue || !l.healthy() {
		l.Renew(ctx)
		return false
	}
	if err := l.Call(ctx, func(ctx context.Context) error { return l.store.ReapLeases(ctx, l.clock()) }); err != nil {
		l.log.Warn("seats: reap leases", "err", err)
		return false
	}
	return true
}

// healthy reports whether the store has answered every background call
// for a whole grace period.
func (l *Lease) healthy() bool {
	return !l.healthySince.IsZero() && l.now().Sub(l.healthySince) >= l.grace
}

// ttl is how far each renewal extends this instance's lease: a grace
// period for the seats of sockets that end with the instance, plus the
// outage it must survive without renewing.
func (l *Lease) ttl() time.Duration { return l.grace + l.tolerance }

// RenewEvery is how often Renew must run: well within the grace period,
// so one late tick loses no seat.
func (l *Lease) RenewEvery() time.Duration { return min(leaseEvery, l.grace/3) }

// Renew keeps the seats this instance holds for another lease period. A
// lease found gone (after a pause longer than that, another instance
// reaped it with its holds) is reported on Lost. A failed renewal is
// tried again at every sweep tick until it succeeds (see MayExpire).
func (l *Lease) Renew(ctx context.Context) {
	var had bool
	err := l.Call(ctx, func(ctx context.Context) (err error) {
		had, err = l.store.RenewLease(ctx, l.instance, l.clock().Add(l.ttl()))
		return err
	})
	if err != nil {
		l.renewDue = true
		l.log.Warn("seats: renew lease", "err", err)
		return
	}
	l.renewDue = false
	if !had && l.leased {
		l.log.Warn("seats: this instance's lease had run out; holding its seats again")
		select {
		case l.lost <- struct{}{}:
		default:
		}
	}
	l.leased = true
}

// Lost is signalled when this instance finds its lease had run out, so
// its seat holds are gone: whoever holds seats (Holds) holds them again.
func (l *Lease) Lost() <-chan struct{} { return l.lost }

// GraceAll gives every seat in the database a grace period: seats found
// at start-up (left over from a stop or another instance) neither vanish
// nor stay for ever.
func (l *Lease) GraceAll(ctx context.Context) error {
	return l.Call(ctx, func(ctx context.Context) error {
		ps, err := l.store.AllParticipants(ctx)
		if err != nil {
			return err
		}
		ids := make([]string, 0, len(ps))
		for _, p := range ps {
			ids = append(ids, p.UserID)
		}
		if len(ids) == 0 {
			return nil
		}
		return l.store.TouchParticipants(ctx, ids, l.clock().Add(l.grace))
	})
}

// End ends this instance's lease: the seats it holds get their grace
// period from now (a clean stop).
func (l *Lease) End(ctx context.Context) error {
	now := l.clock()
	return l.store.EndLease(ctx, l.instance, now, now.Add(l.grace))
}

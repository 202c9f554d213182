// Package rooms is the domain of Body Double's rooms: creating and listing
// them, joining and leaving, presence, focus sessions and the shared timer.
// Both transports (REST in package api, WebSocket in package realtime) call
// this one Service, so a change made over either is stored and broadcast the
// same way. It imports the store and the broker, never HTTP code.
package rooms

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"time"

	"github.com/google/uuid"

	"github.com/bodydouble/bodydouble/internal/apperr"
	"github.com/bodydouble/bodydouble/internal/broker"
	"github.com/bodydouble/bodydouble/internal/model"
	"github.com/bodydouble/bodydouble/internal/store"
)

// Presence timing (docs/protocol.md "Presence and grace").
const (
	// Grace is how long a seat is held without a live socket by default:
	// after a REST join, a dropped connection, or a restart.
	Grace = 30 * time.Second
	// sweepEvery is how often expired seats are looked for.
	sweepEvery = 2 * time.Second
	// StatusFlush is how often presence statuses are written behind by
	// default. Other instances read statuses from the store, so a deployment
	// of several sets Options.StatusFlush much shorter.
	StatusFlush = 30 * time.Second
	// leaseEvery is how often an instance renews the lease that holds the
	// seats of its sockets (each time for another grace period).
	leaseEvery = 10 * time.Second
	// timerResync is how often running timers are reloaded from the store,
	// in case a broker message was lost.
	timerResync = 30 * time.Second
	// OutageTolerance is how long an instance may be cut off from the store
	// (a stalled or lost database, a network partition) without the seats
	// it holds going: its lease runs for the grace period plus this, so
	// that no other instance reaps it while it cannot renew.
	OutageTolerance = 60 * time.Second
	// storeTimeout bounds each store call of the background loop, so that a
	// stalled database shows up as failed calls (and a pause of expiry)
	// rather than freezing the loop.
	storeTimeout = 5 * time.Second
	// slowCall is how long a background store call may take before it
	// counts as a stall that ended within storeTimeout: like a failure, it
	// restarts the grace period before anything is expired.
	slowCall = 2 * time.Second
)

// Options configure a Service.
type Options struct {
	Store  store.Store
	Broker broker.Broker
	Logger *slog.Logger
	Now    func() time.Time // defaults to time.Now
	// Grace overrides the presence grace period (tests shorten it).
	Grace time.Duration
	// StatusFlush overrides how often statuses are written behind.
	StatusFlush time.Duration
	// OutageTolerance overrides how long a store outage an instance's
	// lease survives (tests shorten it).
	OutageTolerance time.Duration
}

// Service implements every room operation. It is safe for concurrent use.
type Service struct {
	store  store.Store
	broker broker.Broker
	log    *slog.Logger
	now    func() time.Time
	grace  time.Duration
	// tolerance is Options.OutageTolerance.
	tolerance time.Duration

	mu     sync.Mutex
	timers map[string]*scheduled // room id → pending completion

	statuses    *statuses
	statusFlush time.Duration

	// instance names this process in the store's seat holds.
	instance  string
	leased    bool // renewLease succeeded once (Run's goroutine only)
	leaseLost chan struct{}

	// Store health as the background loop sees it (Run's goroutine only).
	// healthySince is when the current unbroken run of successful store
	// calls began (zero while they fail); storeDown is set by a failure
	// and cleared, with a catch-up, by the next success; renewDue is set
	// while the lease could not be renewed.
	healthySince time.Time
	storeDown    bool
	renewDue     bool
}

// New returns a Service. Call Run to start its background work.
func New(o Options) *Service {
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	if o.Grace <= 0 {
		o.Grace = Grace
	}
	if o.StatusFlush <= 0 {
		o.StatusFlush = StatusFlush
	}
	if o.OutageTolerance <= 0 {
		o.OutageTolerance = OutageTolerance
	}
	return &Service{store: o.Store, broker: o.Broker, log: o.Logger, now: o.Now, grace: o.Grace, tolerance: o.OutageTolerance,
		timers: map[string]*scheduled{}, statuses: newStatuses(), statusFlush: o.StatusFlush,
		instance: uuid.NewString(), leaseLost: make(chan struct{}, 1)}
}

// checkID refuses ids that cannot name anything (not UUIDs) before they
// reach the database: they are simply not found.
func checkID(ids ...string) error {
	for _, id := range ids {
		if uuid.Validate(id) != nil {
			return apperr.From(model.ErrNotFound)
		}
	}
	return nil
}

// clock returns the current time in the store's precision.
func (s *Service) clock() time.Time { return s.now().UTC().Truncate(time.Millisecond) }

// Run does the background work until ctx ends: expiring seats whose grace
// ran out and completing timers. Every instance runs it; the store's
// conditional updates make sure each expiry and completion happens once.
//
// Outages of the store remove nobody (docs/operations.md "Outages"): each
// background store call is bounded by storeTimeout, and this instance
// expires seats and reaps other instances' leases only once its own calls
// have succeeded without a break for a whole grace period. After an outage
// every live instance has renewed its lease by then, and everyone whose
// socket dropped has had a grace period to come back; what expired only
// because nobody could reach the store is never acted on. An instance that
// cannot reach the store expires nothing at all.
func (s *Service) Run(ctx context.Context) (err error) {
	// Whatever ends Run, the statuses not yet written are written, and the
	// seats this instance holds get their grace period.
	defer func() {
		bg, cancel := context.WithTimeout(context.WithoutCancel(ctx), storeTimeout)
		defer cancel()
		now := s.clock()
		err = errors.Join(err, s.statuses.flush(bg, s.store), s.store.EndLease(bg, s.instance, now, now.Add(s.grace)))
	}()
	s.renewLease(ctx)
	cancel, err := s.broker.Subscribe(ctx, timersChannel, s.onTimerMessage)
	if err != nil {
		return err
	}
	defer cancel()
	// Seats found at start-up (left over from a stop or another instance)
	// get a grace period rather than vanishing or staying forever.
	if err := s.call(ctx, s.graceAll); err != nil {
		s.log.Warn("rooms: grace at start-up", "err", err)
	}
	s.resyncTimers(ctx)
	sweep := time.NewTicker(min(sweepEvery, s.grace/4))
	defer sweep.Stop()
	resync := time.NewTicker(timerResync)
	defer resync.Stop()
	flush := time.NewTicker(s.statusFlush)
	defer flush.Stop()
	// Renewed well within the grace period, so one late tick loses no seat.
	lease := time.NewTicker(min(leaseEvery, s.grace/3))
	defer lease.Stop()
	for {
		select {
		case <-ctx.Done():
			s.stopTimers()
			return nil
		case <-flush.C:
			if err := s.call(ctx, func(ctx context.Context) error { return s.statuses.flush(ctx, s.store) }); err != nil {
				s.log.Warn("rooms: flush statuses", "err", err)
			}
		case <-sweep.C:
			if s.renewDue || !s.mayExpire() {
				// Catching up (and finding out whether the store is back)
				// as often as the sweep would run.
				s.renewLease(ctx)
				continue
			}
			if err := s.call(ctx, func(ctx context.Context) error { return s.store.ReapLeases(ctx, s.clock()) }); err != nil {
				s.log.Warn("rooms: reap leases", "err", err)
				continue
			}
			s.sweep(ctx)
		case <-lease.C:
			s.renewLease(ctx)
		case <-resync.C:
			s.resyncTimers(ctx)
		}
	}
}

// call runs one background store call bounded by storeTimeout and records
// whether the store answered. When it answers again after failing, the
// work an outage held up is caught up at once: the lease is renewed and
// timers that fell due are completed.
func (s *Service) call(ctx context.Context, f func(context.Context) error) error {
	cctx, cancel := context.WithTimeout(ctx, storeTimeout)
	start := time.Now()
	err := f(cctx)
	took := time.Since(start)
	cancel()
	if ctx.Err() != nil {
		return err // stopping: says nothing about the store
	}
	if err != nil {
		if !s.storeDown {
			s.log.Warn("rooms: the store is not answering; expiring nobody until it is back", "err", err)
		}
		s.healthySince, s.storeDown = time.Time{}, true
		return err
	}
	if s.healthySince.IsZero() || took > slowCall {
		s.healthySince = s.now()
	}
	if s.storeDown {
		s.storeDown = false
		s.log.Info("rooms: the store answers again; expiry resumes after a grace period")
		s.renewDue = true // at the next sweep tick, unless this was the renewal
		s.resyncTimers(ctx)
	}
	return nil
}

// mayExpire reports whether this instance may expire seats and reap
// leases: the store has answered every background call for a whole grace
// period (see Run).
func (s *Service) mayExpire() bool {
	return !s.healthySince.IsZero() && s.now().Sub(s.healthySince) >= s.grace
}

// leaseTTL is how far each renewal extends this instance's lease: a grace
// period for the seats of sockets that end with the instance, plus the
// outage it must survive without renewing.
func (s *Service) leaseTTL() time.Duration { return s.grace + s.tolerance }

// renewLease keeps the seats this instance holds for another lease
// period. A lease found gone (after a pause longer than that, another
// instance reaped it with its holds) is reported on LeaseLost. A failed
// renewal is tried again at every sweep tick until it succeeds.
func (s *Service) renewLease(ctx context.Context) {
	var had bool
	err := s.call(ctx, func(ctx context.Context) (err error) {
		had, err = s.store.RenewLease(ctx, s.instance, s.clock().Add(s.leaseTTL()))
		return err
	})
	if err != nil {
		s.renewDue = true
		s.log.Warn("rooms: renew lease", "err", err)
		return
	}
	s.renewDue = false
	if !had && s.leased {
		s.log.Warn("rooms: this instance's lease had run out; holding its seats again")
		select {
		case s.leaseLost <- struct{}{}:
		default:
		}
	}
	s.leased = true
}

// LeaseLost is signalled when this instance finds its lease had run out,
// so its seat holds are gone: whoever holds seats (the hub) holds them
// again.
func (s *Service) LeaseLost() <-chan struct{} { return s.leaseLost }

// validText reports whether s is free of NUL and other bytes no SDP or
// candidate needs (control characters other than CR, LF and tab).
func validText(s string) bool {
	for _, r := range s {
		if r < 0x20 && r != '\r' && r != '\n' && r != '\t' || r == 0x7f {
			return false
		}
	}
	return true
}

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
	"github.com/bodydouble/bodydouble/internal/store"
)

// Presence timing (DESIGN.md "Presence and lifetimes").
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
}

// Service implements every room operation. It is safe for concurrent use.
type Service struct {
	store  store.Store
	broker broker.Broker
	log    *slog.Logger
	now    func() time.Time
	grace  time.Duration

	mu     sync.Mutex
	timers map[string]*scheduled // room id → pending completion

	statuses    *statuses
	statusFlush time.Duration

	// instance names this process in the store's seat holds.
	instance  string
	leased    bool // renewLease succeeded once (Run's goroutine only)
	leaseLost chan struct{}
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
	return &Service{store: o.Store, broker: o.Broker, log: o.Logger, now: o.Now, grace: o.Grace,
		timers: map[string]*scheduled{}, statuses: newStatuses(), statusFlush: o.StatusFlush,
		instance: uuid.NewString(), leaseLost: make(chan struct{}, 1)}
}

// checkID refuses ids that cannot name anything (not UUIDs) before they
// reach the database: they are simply not found.
func checkID(ids ...string) error {
	for _, id := range ids {
		if uuid.Validate(id) != nil {
			return apperr.From(store.ErrNotFound)
		}
	}
	return nil
}

// clock returns the current time in the store's precision.
func (s *Service) clock() time.Time { return s.now().UTC().Truncate(time.Millisecond) }

// Run does the background work until ctx ends: expiring seats whose grace
// ran out and completing timers. Every instance runs it; the store's
// conditional updates make sure each expiry and completion happens once.
func (s *Service) Run(ctx context.Context) (err error) {
	// Whatever ends Run, the statuses not yet written are written, and the
	// seats this instance holds get their grace period.
	defer func() {
		bg := context.WithoutCancel(ctx)
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
	if err := s.graceAll(ctx); err != nil {
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
			if err := s.statuses.flush(ctx, s.store); err != nil {
				s.log.Warn("rooms: flush statuses", "err", err)
			}
		case <-sweep.C:
			if err := s.store.ReapLeases(ctx, s.clock()); err != nil {
				s.log.Warn("rooms: reap leases", "err", err)
			}
			s.sweep(ctx)
		case <-lease.C:
			s.renewLease(ctx)
		case <-resync.C:
			s.resyncTimers(ctx)
		}
	}
}

// renewLease keeps the seats this instance holds for another grace
// period. A lease found gone (after a pause longer than the grace period,
// another instance reaped it with its holds) is reported on LeaseLost.
func (s *Service) renewLease(ctx context.Context) {
	had, err := s.store.RenewLease(ctx, s.instance, s.clock().Add(s.grace))
	if err != nil {
		s.log.Warn("rooms: renew lease", "err", err)
		return
	}
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

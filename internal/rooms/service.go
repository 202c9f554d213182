// Package rooms is the domain of Body Double's rooms: creating and listing
// them, joining and leaving, presence, focus sessions and the shared timer.
// Both transports (REST in package api, WebSocket in package realtime) call
// this one Service, so a change made over either is stored and broadcast the
// same way. It imports the store and the broker, never HTTP code.
//
// Who owns what: this package owns the rooms and their seats (joins,
// leaves, the sweep that expires participants whose grace ran out and
// announces participant-left, the closing of rooms people made that stood
// empty too long) and builds and publishes the room events.
// Package protocol owns what those events are called and how they travel
// (the envelope and its routing); package seats owns seat holds and the
// instance's lease, and the rule of when expiry may go ahead after a
// store outage: Run drives the lease and asks it before every sweep.
//
// Methods take wire inputs (what clients sent) and return model values,
// which each transport turns into wire shapes; the exceptions are
// Participants and Snapshot, which return wire values because what they
// build is already a client's view (tiles with focus and only shared goals).
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
	"github.com/bodydouble/bodydouble/internal/seats"
	"github.com/bodydouble/bodydouble/internal/store"
	"github.com/bodydouble/bodydouble/internal/textrules"
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
	// timerResync is how often running timers are reloaded from the store,
	// in case a broker message was lost.
	timerResync = 30 * time.Second
	// storeTimeout bounds each store call of the background work, as the
	// seat lease bounds its own.
	storeTimeout = seats.CallTimeout
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
	// OutageTolerance overrides seats.OutageTolerance, how long a store
	// outage an instance's lease survives (tests shorten it).
	OutageTolerance time.Duration
	// CycleTicks, when set, replaces the wake-up at each whole minute at
	// which cycle rooms' phase changes are told (tests tick it after
	// moving Now).
	CycleTicks <-chan time.Time
	// Text holds the content rules of public text: room names and
	// descriptions, shared goals and achievements (textrules.Builtin if nil).
	Text *textrules.Rules
	// MaxOpenRooms caps the open rooms one person created (0: no cap).
	MaxOpenRooms int
	// MaxRoomsPerHour caps the rooms one person created in the last
	// hour, closed ones included (0: no cap).
	MaxRoomsPerHour int
	// CloseEmptyAfter overrides CloseEmptyAfter, how long a room a person
	// made may stand empty before it closes by itself.
	CloseEmptyAfter time.Duration
	// CloseEmptyTicks, when set, replaces Run's wake-up every minute to
	// close empty rooms (tests tick it after moving Now).
	CloseEmptyTicks <-chan time.Time
}

// Service implements every room operation. It is safe for concurrent use.
type Service struct {
	counts sessionCounts // focus sessions started and completed (counts.go)
	store  store.Store
	broker broker.Broker
	log    *slog.Logger
	now    func() time.Time
	grace  time.Duration
	// seats is this instance's lease on the seats of its sockets, and
	// the store's health as Run sees it.
	seats *seats.Lease

	mu     sync.Mutex
	timers map[string]*scheduled // room id → pending completion

	statuses    *statuses
	statusFlush time.Duration

	cycles *cycles // rooms with a cycle (cycle.go)

	text *textrules.Rules // rules of public text

	maxOpenRooms, maxRoomsPerHour int // caps on creating rooms (rooms.go)

	closeEmptyAfter time.Duration    // emptyrooms.go
	closeEmptyTicks <-chan time.Time // Options.CloseEmptyTicks
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
	if o.Text == nil {
		o.Text = textrules.Builtin()
	}
	if o.CloseEmptyAfter <= 0 {
		o.CloseEmptyAfter = CloseEmptyAfter
	}
	s := &Service{text: o.Text, store: o.Store, broker: o.Broker, log: o.Logger, now: o.Now, grace: o.Grace,
		timers: map[string]*scheduled{}, statuses: newStatuses(), statusFlush: o.StatusFlush,
		cycles: newCycles(o.CycleTicks), maxOpenRooms: o.MaxOpenRooms, maxRoomsPerHour: o.MaxRoomsPerHour,
		closeEmptyAfter: o.CloseEmptyAfter, closeEmptyTicks: o.CloseEmptyTicks}
	// When the store answers again after an outage, timers that fell due
	// meanwhile are completed at once.
	s.seats = seats.New(seats.Options{Store: o.Store, Logger: o.Logger, Now: o.Now, Grace: o.Grace,
		OutageTolerance: o.OutageTolerance, OnRecover: s.resyncTimers})
	return s
}

// Seats returns this instance's lease on the seats of its sockets: the
// transport that holds sockets (package realtime) keeps its holds with it.
func (s *Service) Seats() *seats.Lease { return s.seats }

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
// ran out, completing timers and closing the rooms people made that stood
// empty too long (emptyrooms.go). Every instance runs it; the store's
// conditional updates make sure each expiry and completion happens once.
// It also drives this instance's seat lease (package seats): renewing it,
// and deciding before each sweep whether expiry may go ahead at all. Each
// background store call goes through the lease's Call, which bounds it
// and keeps the store's health, so that outages of the store remove
// nobody (docs/operations.md "Outages", seats.Lease.MayExpire).
func (s *Service) Run(ctx context.Context) (err error) {
	// Whatever ends Run, the statuses not yet written are written, and the
	// seats this instance holds get their grace period.
	defer func() {
		bg, cancel := context.WithTimeout(context.WithoutCancel(ctx), storeTimeout)
		defer cancel()
		err = errors.Join(err, s.statuses.flush(bg, s.store), s.seats.End(bg))
	}()
	s.seats.Renew(ctx)
	cancel, err := s.broker.Subscribe(ctx, timersChannel, s.onTimerMessage)
	if err != nil {
		return err
	}
	defer cancel()
	if err := s.seats.GraceAll(ctx); err != nil {
		s.log.Warn("rooms: grace at start-up", "err", err)
	}
	s.resyncTimers(ctx)
	cyclesDone := make(chan struct{})
	go func() { defer close(cyclesDone); s.runCycles(ctx) }()
	defer func() { <-cyclesDone }()
	sweep := time.NewTicker(min(sweepEvery, s.grace/4))
	defer sweep.Stop()
	resync := time.NewTicker(timerResync)
	defer resync.Stop()
	flush := time.NewTicker(s.statusFlush)
	defer flush.Stop()
	lease := time.NewTicker(s.seats.RenewEvery())
	defer lease.Stop()
	closeEmpty := s.closeEmptyTicks
	if closeEmpty == nil {
		t := time.NewTicker(closeEmptyEvery)
		defer t.Stop()
		closeEmpty = t.C
	}
	for {
		select {
		case <-ctx.Done():
			s.stopTimers()
			return nil
		case <-flush.C:
			if err := s.seats.Call(ctx, func(ctx context.Context) error { return s.statuses.flush(ctx, s.store) }); err != nil {
				s.log.Warn("rooms: flush statuses", "err", err)
			}
		case <-sweep.C:
			if s.seats.MayExpire(ctx) {
				s.sweep(ctx)
			}
		case <-lease.C:
			s.seats.Renew(ctx)
		case <-resync.C:
			s.resyncTimers(ctx)
		case <-closeEmpty:
			s.closeEmpty(ctx)
		}
	}
}

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

package rooms

import (
	"context"
	"sync"
	"time"

	"github.com/bodydouble/bodydouble/internal/apperr"
	"github.com/bodydouble/bodydouble/internal/model"
	"github.com/bodydouble/bodydouble/internal/protocol"
	"github.com/bodydouble/bodydouble/internal/wire"
)

// Cycle limits in minutes (docs/api.md "Rooms").
const (
	MinCycleWork  = 5
	MaxCycleWork  = 240
	MinCycleBreak = 1
	MaxCycleBreak = 60
	// maxRhythms bounds the cache of rooms' timer rules; past it the cache
	// starts over (it is refilled from the store one room at a time).
	maxRhythms = 10_000
)

// CategoryCycle is the cycle of the rooms nobody created (starter rooms and
// the rooms quick-join opens): deep work 50 minutes of work and 10 of
// break, every other category 25 and 5.
func CategoryCycle(category string) *model.Cycle {
	if category == "deep-work" {
		return &model.Cycle{Work: 50, Break: 10}
	}
	return &model.Cycle{Work: 25, Break: 5}
}

// CycleTimer is the timer of a room with cycle c at now. Nothing of it is
// stored: with P = c.Work + c.Break minutes, work phases start at every
// whole multiple of P minutes since the Unix epoch and breaks c.Work
// minutes later, so every instance computes the same phase from the clock.
// The version is the phase's number: 2 × (epoch minutes div P), plus one in
// a break; it grows by one at each boundary.
func CycleTimer(roomID string, c model.Cycle, now time.Time) model.Timer {
	period := int64(c.Work + c.Break)
	minute := floorDiv(now.UnixMilli(), int64(time.Minute/time.Millisecond))
	n := floorDiv(minute, period)
	start, end := n*period, n*period+int64(c.Work)
	t := model.Timer{RoomID: roomID, State: "running", Type: "work", Version: 2 * n}
	if minute >= end {
		start, end = end, (n+1)*period
		t.Type, t.Version = "break", t.Version+1
	}
	t.Duration = int(end-start) * 60
	ends := time.UnixMilli(end * int64(time.Minute/time.Millisecond)).UTC()
	t.EndsAt = &ends
	t.Remaining = remaining(t, now)
	return t
}

// floorDiv is a ÷ b rounded down (b > 0), so that instants before the
// epoch fall in the right phase too.
func floorDiv(a, b int64) int64 {
	q := a / b
	if a%b != 0 && a < 0 {
		q--
	}
	return q
}

// otherPhase is the type of the phase before (and after) one of type typ.
func otherPhase(typ string) string {
	if typ == "work" {
		return "break"
	}
	return "work"
}

// Local is this instance's own sockets, as the transport that holds them
// (package realtime's hub) sees them. A cycle's phase changes are told
// through it, not the broker: every instance computes the same boundary,
// so each tells only its own sockets, once.
type Local interface {
	// Rooms lists the rooms with at least one socket of this instance.
	Rooms() []string
	// Deliver sends ev to this instance's sockets in ev's room, as if it
	// had come from the broker.
	Deliver(roomID string, ev protocol.Event)
}

// cycles is the Service's state for rooms with a cycle.
type cycles struct {
	ticks <-chan time.Time // Options.CycleTicks; nil: each whole minute

	mu      sync.Mutex
	local   Local
	rhythms map[string]rhythm // room id → its timer rules, never changed once created
}

func newCycles(ticks <-chan time.Time) *cycles {
	return &cycles{ticks: ticks, rhythms: map[string]rhythm{}}
}

// SetLocal gives the Service this instance's sockets, to which the phase
// changes of cycle rooms go. Call it before Run.
func (s *Service) SetLocal(l Local) {
	s.cycles.mu.Lock()
	defer s.cycles.mu.Unlock()
	s.cycles.local = l
}

// rhythm is what decides who controls a room's timer. None of it changes
// after the room is created, so it is cached for good.
type rhythm struct {
	cycle   *model.Cycle
	control string
	owner   string // "" for a room nobody created
}

// rhythmOf returns a room's timer rules, from the cache or the store.
func (s *Service) rhythmOf(ctx context.Context, roomID string) (rhythm, error) {
	c := s.cycles
	c.mu.Lock()
	r, ok := c.rhythms[roomID]
	c.mu.Unlock()
	if ok {
		return r, nil
	}
	room, err := s.store.GetRoom(ctx, roomID)
	if err != nil {
		return rhythm{}, err
	}
	r = rhythm{cycle: room.Cycle, control: room.TimerControl}
	if room.CreatedBy != nil {
		r.owner = *room.CreatedBy
	}
	c.mu.Lock()
	if len(c.rhythms) >= maxRhythms {
		clear(c.rhythms)
	}
	c.rhythms[roomID] = r
	c.mu.Unlock()
	return r, nil
}

// mayControlTimer refuses a timer change in a room with a cycle (it keeps
// its own rhythm) and, in a room whose timer its owner controls, by anyone
// but the owner.
func (s *Service) mayControlTimer(ctx context.Context, userID, roomID string) error {
	r, err := s.rhythmOf(ctx, roomID)
	if err != nil {
		return apperr.From(err)
	}
	switch {
	case r.cycle != nil:
		return apperr.New(apperr.Forbidden, "This room keeps its own rhythm.")
	case r.control != model.TimerAnyone && r.owner != userID:
		return apperr.New(apperr.Forbidden, "Only the room's creator controls this timer.")
	}
	return nil
}

// timerView is a room's timer as clients see it at now: its cycle's phase,
// or the stored timer t.
func timerView(room model.Room, t model.Timer, now time.Time) wire.Timer {
	if room.Cycle != nil {
		t = CycleTimer(room.ID, *room.Cycle, now)
	}
	return wire.FromTimer(t, now)
}

// roomTimer reads a room's timer as of now: its cycle's current phase, or
// the stored timer of a room without one.
func (s *Service) roomTimer(ctx context.Context, room model.Room) (wire.Timer, error) {
	now := s.clock()
	if room.Cycle != nil {
		return timerView(room, model.Timer{}, now), nil
	}
	t, err := s.store.GetTimer(ctx, room.ID)
	if err != nil {
		return wire.Timer{}, apperr.From(err)
	}
	return timerView(room, t, now), nil
}

// runCycles tells this instance's sockets in rooms with a cycle of each
// phase boundary, waking at every whole minute (phases are whole minutes)
// until ctx ends. Run's goroutine starts it.
func (s *Service) runCycles(ctx context.Context) {
	last := s.clock()
	for {
		if !s.waitCycleTick(ctx, last) {
			return
		}
		now := s.clock()
		s.announcePhases(ctx, last, now)
		last = now
	}
}

// waitCycleTick waits for the next whole minute after now (or a tick of
// Options.CycleTicks); false when ctx ended first.
func (s *Service) waitCycleTick(ctx context.Context, now time.Time) bool {
	ticks := s.cycles.ticks
	if ticks == nil {
		next := now.Truncate(time.Minute).Add(time.Minute)
		t := time.NewTimer(next.Sub(now))
		defer t.Stop()
		ticks = t.C
	}
	select {
	case <-ctx.Done():
		return false
	case <-ticks:
		return true
	}
}

// announcePhases sends timer-completed then timer-started to this
// instance's sockets in each room with a cycle whose phase at now differs
// from its phase at last. Several phases passed at once (a stalled
// instance) count as one boundary, into the current phase.
func (s *Service) announcePhases(ctx context.Context, last, now time.Time) {
	s.cycles.mu.Lock()
	local := s.cycles.local
	s.cycles.mu.Unlock()
	if local == nil {
		return
	}
	for _, id := range local.Rooms() {
		cctx, cancel := context.WithTimeout(ctx, storeTimeout)
		r, err := s.rhythmOf(cctx, id)
		cancel()
		if err != nil {
			s.log.Warn("rooms: cycle of a room", "room", id, "err", err)
			continue
		}
		if r.cycle == nil {
			continue
		}
		was, is := CycleTimer(id, *r.cycle, last), CycleTimer(id, *r.cycle, now)
		if is.Version <= was.Version {
			continue
		}
		local.Deliver(id, newEvent(id, protocol.EvTimerCompleted,
			wire.TimerCompleted{RoomID: id, Type: otherPhase(is.Type), Version: is.Version}, protocol.Origin{}))
		local.Deliver(id, newEvent(id, protocol.EvTimerStarted,
			wire.TimerEvent{RoomID: id, Timer: wire.FromTimer(is, now)}, protocol.Origin{}))
	}
}

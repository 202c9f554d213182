package rooms

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/bodydouble/bodydouble/internal/apperr"
	"github.com/bodydouble/bodydouble/internal/model"
	"github.com/bodydouble/bodydouble/internal/protocol"
	"github.com/bodydouble/bodydouble/internal/wire"
)

// Timer limits.
const (
	MinTimer = 1
	MaxTimer = 4 * 60 * 60
	// casAttempts bounds retries when concurrent timer changes race.
	casAttempts = 8
	// completeRetryMin and completeRetryMax bound the pause between
	// attempts to complete a due timer while the store fails: short, so
	// that a timer due during an outage completes within a second of the
	// store's return.
	completeRetryMin = 50 * time.Millisecond
	completeRetryMax = 500 * time.Millisecond
)

// TimerAction is pause, resume or reset.
type TimerAction string

// The timer actions besides start.
const (
	Pause  TimerAction = "pause"
	Resume TimerAction = "resume"
	Reset  TimerAction = "reset"
)

// StartTimer starts the room's timer, replacing whatever ran before. Who
// may is changeTimer's rule.
func (s *Service) StartTimer(ctx context.Context, userID string, in wire.StartTimerInput, o protocol.Origin) (model.Timer, error) {
	var errs []apperr.FieldError
	if in.Duration < MinTimer || in.Duration > MaxTimer {
		errs = append(errs, apperr.FieldError{Field: "duration", Message: "A timer runs from 1 second to 4 hours."})
	}
	if in.Type != "work" && in.Type != "break" {
		errs = append(errs, apperr.FieldError{Field: "type", Message: "The timer type is work or break."})
	}
	if len(errs) > 0 {
		return model.Timer{}, apperr.Fields(errs...)
	}
	return s.changeTimer(ctx, userID, in.RoomID, protocol.EvTimerStarted, o, func(t model.Timer, now time.Time) (model.Timer, error) {
		ends := now.Add(time.Duration(in.Duration) * time.Second)
		return model.Timer{State: "running", Type: in.Type, Duration: in.Duration, Remaining: in.Duration, EndsAt: &ends}, nil
	})
}

// ControlTimer pauses, resumes or resets the room's timer.
func (s *Service) ControlTimer(ctx context.Context, userID, roomID string, action TimerAction, o protocol.Origin) (model.Timer, error) {
	return s.changeTimer(ctx, userID, roomID, protocol.EvTimerUpdated, o, func(t model.Timer, now time.Time) (model.Timer, error) {
		switch action {
		case Pause:
			if t.State != "running" {
				return t, apperr.New(apperr.Invalid, "The timer is not running.")
			}
			t.Remaining = remaining(t, now)
			t.State, t.EndsAt = "paused", nil
		case Resume:
			if t.State != "paused" {
				return t, apperr.New(apperr.Invalid, "The timer is not paused.")
			}
			ends := now.Add(time.Duration(t.Remaining) * time.Second)
			t.State, t.EndsAt = "running", &ends
		case Reset:
			t = model.Timer{State: "idle"}
		default:
			return t, apperr.New(apperr.Invalid, "Unknown timer action.")
		}
		return t, nil
	})
}

// remaining is the whole seconds left on a running timer, rounded up.
func remaining(t model.Timer, now time.Time) int {
	if t.EndsAt == nil {
		return t.Remaining
	}
	return max(0, int((t.EndsAt.Sub(now)+time.Second-1)/time.Second))
}

// changeTimer applies change with compare-and-swap on the timer's version,
// retrying when another change won, then broadcasts the result. Only
// participants of the room may change its timer, and of those only who
// the room allows (mayControlTimer): nobody in a room with a cycle, only
// the creator where timerControl is owner.
func (s *Service) changeTimer(ctx context.Context, userID, roomID, event string, o protocol.Origin,
	change func(model.Timer, time.Time) (model.Timer, error)) (model.Timer, error) {
	if err := checkID(roomID); err != nil {
		return model.Timer{}, err
	}
	current, err := s.store.CurrentRoom(ctx, userID)
	if errors.Is(err, model.ErrNotFound) || (err == nil && current != roomID) {
		return model.Timer{}, apperr.From(model.ErrNotInRoom)
	}
	if err != nil {
		return model.Timer{}, apperr.From(err)
	}
	if err := s.mayControlTimer(ctx, userID, roomID); err != nil {
		return model.Timer{}, err
	}
	for range casAttempts {
		old, err := s.store.GetTimer(ctx, roomID)
		if err != nil {
			return model.Timer{}, apperr.From(err)
		}
		now := s.clock()
		next, err := change(old, now)
		if err != nil {
			return model.Timer{}, err
		}
		next.RoomID, next.By, next.Version = roomID, &userID, old.Version+1
		err = s.store.SaveTimer(ctx, next, old.Version)
		if errors.Is(err, model.ErrConflict) {
			continue
		}
		if err != nil {
			return model.Timer{}, apperr.From(err)
		}
		s.timerChanged(ctx, next, event, o)
		return next, nil
	}
	return model.Timer{}, apperr.From(fmt.Errorf("rooms: timer of %s: too much contention", roomID))
}

// timerChanged tells the room and every instance's scheduler.
func (s *Service) timerChanged(ctx context.Context, t model.Timer, event string, o protocol.Origin) {
	w := wire.FromTimer(t, s.clock())
	s.publish(ctx, newEvent(t.RoomID, event, wire.TimerEvent{RoomID: t.RoomID, Timer: w}, o))
	b := mustJSON(timerMessage{RoomID: t.RoomID, Version: t.Version, EndsAt: w.EndsAt})
	if err := s.broker.Publish(ctx, timersChannel, b); err != nil {
		s.log.Warn("rooms: publish timer", "room", t.RoomID, "err", err)
	}
	s.schedule(t.RoomID, t.Version, w.EndsAt)
}

// timerMessage tells schedulers a timer changed. EndsAt is nil unless running.
type timerMessage struct {
	RoomID  string `json:"roomId"`
	Version int64  `json:"version"`
	EndsAt  *int64 `json:"endsAt"`
}

type scheduled struct {
	version int64
	timer   *time.Timer
	stop    chan struct{} // closed when replaced or stopped: ends retries
}

// cancel stops the pending completion and any retries of it.
func (sc *scheduled) cancel() {
	sc.timer.Stop()
	close(sc.stop)
}

func (s *Service) onTimerMessage(b []byte) {
	var m timerMessage
	if err := json.Unmarshal(b, &m); err != nil {
		s.log.Warn("rooms: bad timer message", "err", err)
		return
	}
	s.schedule(m.RoomID, m.Version, m.EndsAt)
}

// schedule arranges for version of a room's timer to complete at endsAt
// (Unix ms; nil cancels), unless a newer version is already known.
func (s *Service) schedule(roomID string, version int64, endsAt *int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if cur, ok := s.timers[roomID]; ok {
		if cur.version > version {
			return
		}
		cur.cancel()
		delete(s.timers, roomID)
	}
	if endsAt == nil || s.timers == nil {
		return
	}
	wait := time.Until(time.UnixMilli(*endsAt))
	stop := make(chan struct{})
	s.timers[roomID] = &scheduled{version: version, stop: stop, timer: time.AfterFunc(max(wait, 0), func() {
		s.completeTimer(roomID, version, stop)
	})}
}

// completeTimer completes version of a room's timer, trying again after a
// short pause (completeRetryMin doubling up to completeRetryMax) for as
// long as the store fails, until it succeeds, the timer is rescheduled or
// the service stops. Each attempt is bounded by storeTimeout; an attempt
// held by a stalled store goes on as soon as the store does.
func (s *Service) completeTimer(roomID string, version int64, stop <-chan struct{}) {
	pause := completeRetryMin
	for failures := 0; ; failures++ {
		ctx, cancel := context.WithTimeout(context.Background(), storeTimeout)
		err := s.tryCompleteTimer(ctx, roomID, version)
		cancel()
		if err == nil || errors.Is(err, model.ErrNotFound) {
			return
		}
		if failures == 0 {
			s.log.Warn("rooms: complete timer; trying again until the store answers", "room", roomID, "err", err)
		}
		t := time.NewTimer(pause)
		select {
		case <-stop:
			t.Stop()
			return
		case <-t.C:
		}
		pause = min(2*pause, completeRetryMax)
	}
}

// tryCompleteTimer ends version of a room's timer if it is still running
// and due. The conditional save makes exactly one instance win; only the
// winner broadcasts timer-completed. It returns an error only when the
// store failed (so trying again may help).
func (s *Service) tryCompleteTimer(ctx context.Context, roomID string, version int64) error {
	t, err := s.store.GetTimer(ctx, roomID)
	if err != nil {
		return err
	}
	now := s.clock()
	if t.Version != version || t.State != "running" || t.EndsAt == nil {
		return nil
	}
	if t.EndsAt.After(now) { // woken a little early: wait for it
		ms := t.EndsAt.UnixMilli()
		s.schedule(roomID, version, &ms)
		return nil
	}
	// A timer left running in a room that now has a cycle (stored before
	// the room had one) ends silently: the cycle is the room's timer.
	r, err := s.rhythmOf(ctx, roomID)
	if err != nil {
		return err
	}
	next := model.Timer{RoomID: roomID, State: "idle", By: t.By, Version: version + 1}
	if err := s.store.SaveTimer(ctx, next, version); err != nil {
		if errors.Is(err, model.ErrConflict) {
			return nil // another instance (or a change) won
		}
		return err
	}
	s.mu.Lock()
	if cur, ok := s.timers[roomID]; ok && cur.version <= version {
		delete(s.timers, roomID)
	}
	s.mu.Unlock()
	if r.cycle != nil {
		return nil
	}
	s.publish(ctx, newEvent(roomID, protocol.EvTimerCompleted, wire.TimerCompleted{RoomID: roomID, Type: t.Type, Version: next.Version}, protocol.Origin{}))
	return nil
}

// resyncTimers schedules every running timer in the store (Run's
// goroutine only).
func (s *Service) resyncTimers(ctx context.Context) {
	var running []model.Timer
	err := s.seats.Call(ctx, func(ctx context.Context) (err error) {
		running, err = s.store.RunningTimers(ctx)
		return err
	})
	if err != nil {
		s.log.Warn("rooms: load timers", "err", err)
		return
	}
	for _, t := range running {
		if t.EndsAt != nil {
			ms := t.EndsAt.UnixMilli()
			s.schedule(t.RoomID, t.Version, &ms)
		}
	}
}

// stopTimers cancels every pending completion; the store keeps the timers
// for the next start.
func (s *Service) stopTimers() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for id, sc := range s.timers {
		sc.cancel()
		delete(s.timers, id)
	}
	s.timers = nil
}

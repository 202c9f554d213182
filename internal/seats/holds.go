package seats

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"
)

const (
	// retryEvery is how often seat holds that failed to reach the store
	// are tried again.
	retryEvery = time.Second
	// syncTimeout bounds one sync of seat holds.
	syncTimeout = 5 * time.Second
)

// Hold makes this instance a holder of userIDs' seats: they have a live
// socket in a room here, and keep their seats for as long as this instance
// renews its lease, however long the socket stays, and through a store
// outage of up to the outage tolerance.
func (l *Lease) Hold(ctx context.Context, userIDs []string) error {
	if err := l.store.HoldSeats(ctx, l.instance, userIDs, l.clock().Add(l.ttl())); err != nil {
		return fmt.Errorf("seats: hold: %w", err)
	}
	return nil
}

// Release drops this instance's holds of userIDs, whose last socket here
// left its room: their grace period starts now.
func (l *Lease) Release(ctx context.Context, userIDs []string) error {
	now := l.clock()
	if err := l.store.ReleaseSeats(ctx, l.instance, userIDs, now, now.Add(l.grace)); err != nil {
		return fmt.Errorf("seats: release: %w", err)
	}
	return nil
}

// Sockets is the side of the transport that owns the sockets.
type Sockets interface {
	// SplitSeated sorts users into those with a socket in a room here
	// (hold) and the others (release), reading the sockets once.
	SplitSeated(users map[string]struct{}) (hold, release []string)
	// Users lists every user with a socket here, in a room or not.
	Users() []string
}

// Holds keeps the store's seat holds in step with which users have a
// socket in a room here. The transport says whose changed (Changed); Run
// holds and releases in batches, off the transport's paths.
type Holds struct {
	lease   *Lease
	sockets Sockets
	log     *slog.Logger

	mu    sync.Mutex
	dirty map[string]struct{} // users whose seat hold may have to change
	wake  chan struct{}
}

// NewHolds returns the Holds of sockets under lease.
func NewHolds(lease *Lease, sockets Sockets, log *slog.Logger) *Holds {
	return &Holds{lease: lease, sockets: sockets, log: log, dirty: map[string]struct{}{}, wake: make(chan struct{}, 1)}
}

// Changed notes that userID has gained their first socket in a room here
// or lost their last; Run brings the store's holds in step. (A second
// tab, or a move to another room, changes no hold: JoinRoom starts a new
// seat held when its user already holds one.) It never blocks, and may be
// called under the transport's own lock.
func (h *Holds) Changed(userID string) {
	h.mu.Lock()
	h.dirty[userID] = struct{}{}
	h.mu.Unlock()
	select {
	case h.wake <- struct{}{}:
	default:
	}
}

// Run syncs the holds whenever they changed, retries what failed, and
// holds everyone's again when the lease was found lost, until ctx ends.
// A stalled store holds up nothing else: each sync is bounded, and what it
// did not finish is retried.
func (h *Holds) Run(ctx context.Context) {
	syncNow := func() {
		sctx, cancel := context.WithTimeout(ctx, syncTimeout)
		defer cancel()
		h.sync(sctx)
	}
	retry := time.NewTicker(retryEvery)
	defer retry.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-h.wake:
			syncNow()
		case <-h.lease.Lost():
			for _, u := range h.sockets.Users() {
				h.Changed(u)
			}
		case <-retry.C:
			syncNow() // what failed before, if anything
		}
	}
}

// sync holds the seats of the changed users who have a socket in a room
// here and releases the others'. It reads the current state rather than
// replaying changes, so it is right however changes interleaved; what
// fails is tried again on the next call.
func (h *Holds) sync(ctx context.Context) {
	h.mu.Lock()
	dirty := h.dirty
	if len(dirty) == 0 {
		h.mu.Unlock()
		return
	}
	h.dirty = map[string]struct{}{}
	h.mu.Unlock()
	hold, release := h.sockets.SplitSeated(dirty)
	retry := func(users []string) {
		h.mu.Lock()
		defer h.mu.Unlock()
		for _, u := range users {
			h.dirty[u] = struct{}{}
		}
	}
	if err := h.lease.Hold(ctx, hold); err != nil {
		h.warn(ctx, "seats: hold seats", len(hold), err)
		retry(hold)
	}
	if err := h.lease.Release(ctx, release); err != nil {
		h.warn(ctx, "seats: release seats", len(release), err)
		retry(release)
	}
}

// warn logs a failed hold or release, except at shutdown: the sockets
// closing with 1012 then ask for releases the stopped loop cannot make,
// and need none (the lease ends with the instance and the seats wait for
// their people as after any stop).
func (h *Holds) warn(ctx context.Context, msg string, users int, err error) {
	level := slog.LevelWarn
	if errors.Is(ctx.Err(), context.Canceled) { // stopping; a timeout still warns
		level = slog.LevelDebug
	}
	h.log.Log(context.Background(), level, msg, "users", users, "err", err)
}

package rooms

import (
	"context"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/bodydouble/bodydouble/internal/broker"
	"github.com/bodydouble/bodydouble/internal/model"
	"github.com/bodydouble/bodydouble/internal/protocol"
	"github.com/bodydouble/bodydouble/internal/store"
	"github.com/bodydouble/bodydouble/internal/store/storetest"
)

// seated returns a service on a fresh SQLite store and a user seated in a
// starter room.
func seated(t *testing.T) (s *Service, st store.Store, roomID, userID string) {
	t.Helper()
	ctx := context.Background()
	st = storetest.OpenSQLite(t)
	b := broker.NewMemory()
	t.Cleanup(func() { _ = b.Close() })
	s = New(Options{Store: st, Broker: b, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	rs := StarterRooms()
	if err := st.SeedRooms(ctx, rs); err != nil {
		t.Fatal(err)
	}
	userID = uuid.NewString()
	now := time.Now().UTC()
	if err := st.CreateUser(ctx, model.User{ID: userID, AnonymousID: uuid.NewString(), DisplayName: "Ada", CreatedAt: now, UpdatedAt: now}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Join(ctx, userID, rs[0].ID, protocol.Origin{}); err != nil {
		t.Fatal(err)
	}
	return s, st, rs[0].ID, userID
}

// status returns userID's status in roomID as the service reads it (with
// what it has not written yet) and as the store has it.
func status(t *testing.T, s *Service, st store.Store, roomID, userID string) (service, stored string) {
	t.Helper()
	ps, err := s.Participants(context.Background(), roomID)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range ps {
		if p.ID == userID {
			service = p.Status
		}
	}
	sps, err := st.Participants(context.Background(), roomID)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range sps {
		if p.UserID == userID {
			stored = p.Status
		}
	}
	return service, stored
}

// TestStatusesAreWrittenBehind: a status change is read back at once by
// this instance, reaches the store only when flushed, and a join resets it.
func TestStatusesAreWrittenBehind(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, st, room, user := seated(t)
	if err := s.SetStatus(ctx, user, room, "break", protocol.Origin{}); err != nil {
		t.Fatal(err)
	}
	if got, stored := status(t, s, st, room, user); got != "break" || stored != "working" {
		t.Fatalf("before the flush: service %q, store %q; want break, working", got, stored)
	}
	if err := s.statuses.flush(ctx, st); err != nil {
		t.Fatal(err)
	}
	if got, stored := status(t, s, st, room, user); got != "break" || stored != "break" {
		t.Fatalf("after the flush: service %q, store %q; want break twice", got, stored)
	}
	// Joining again (another room, then back) starts as working, even with
	// an unwritten change pending.
	if err := s.SetStatus(ctx, user, room, "away", protocol.Origin{}); err != nil {
		t.Fatal(err)
	}
	other := StarterRooms()[1].ID
	if _, err := s.Join(ctx, user, other, protocol.Origin{}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Join(ctx, user, room, protocol.Origin{}); err != nil {
		t.Fatal(err)
	}
	if err := s.statuses.flush(ctx, st); err != nil {
		t.Fatal(err)
	}
	if got, stored := status(t, s, st, room, user); got != "working" || stored != "working" {
		t.Fatalf("after rejoining: service %q, store %q; want working twice", got, stored)
	}
}

// TestStatusesSurviveAFailedFlush: a flush that fails keeps the change,
// for this instance's reads and the next flush.
func TestStatusesSurviveAFailedFlush(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, st, room, user := seated(t)
	if err := s.SetStatus(ctx, user, room, "away", protocol.Origin{}); err != nil {
		t.Fatal(err)
	}
	canceled, cancel := context.WithCancel(ctx)
	cancel()
	if err := s.statuses.flush(canceled, st); err == nil {
		t.Fatal("flush with a canceled context succeeded")
	}
	if got, stored := status(t, s, st, room, user); got != "away" || stored != "working" {
		t.Fatalf("after a failed flush: service %q, store %q; want away, working", got, stored)
	}
	if err := s.statuses.flush(ctx, st); err != nil {
		t.Fatal(err)
	}
	if _, stored := status(t, s, st, room, user); stored != "away" {
		t.Fatalf("after the next flush the store has %q, want away", stored)
	}
}

// TestStatusesFlushedAtShutdown: Run writes what is pending when it stops.
func TestStatusesFlushedAtShutdown(t *testing.T) {
	t.Parallel()
	s, st, room, user := seated(t)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Run(ctx) }()
	if err := s.SetStatus(ctx, user, room, "break", protocol.Origin{}); err != nil {
		t.Fatal(err)
	}
	cancel()
	<-done // Run may have stopped before it subscribed to anything; it flushes either way
	if _, stored := status(t, s, st, room, user); stored != "break" {
		t.Fatalf("after shutdown the store has %q, want break", stored)
	}
}

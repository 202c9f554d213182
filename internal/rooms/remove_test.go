package rooms

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/bodydouble/bodydouble/internal/apperr"
	"github.com/bodydouble/bodydouble/internal/broker"
	"github.com/bodydouble/bodydouble/internal/model"
	"github.com/bodydouble/bodydouble/internal/protocol"
	"github.com/bodydouble/bodydouble/internal/store"
	"github.com/bodydouble/bodydouble/internal/store/storetest"
	"github.com/bodydouble/bodydouble/internal/wire"
)

// newUser stores a person and returns their id.
func newUser(t *testing.T, st store.Store) string {
	t.Helper()
	id := uuid.NewString()
	now := time.Now().UTC()
	if err := st.CreateUser(context.Background(), model.User{ID: id, AnonymousID: uuid.NewString(), DisplayName: "P", CreatedAt: now, UpdatedAt: now}); err != nil {
		t.Fatal(err)
	}
	return id
}

func wantCode(t *testing.T, what string, err error, code string) {
	t.Helper()
	var e *apperr.Error
	if !errors.As(err, &e) || e.Code != code {
		t.Fatalf("%s: %v, want %s", what, err, code)
	}
}

// A removal that fails changes nothing: the person is not banned, and
// joins the room afterwards.
func TestFailedRemovalChangesNothing(t *testing.T) {
	t.Parallel()
	for _, b := range storetest.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			st := b.Open(t)
			br := broker.NewMemory()
			t.Cleanup(func() { _ = br.Close() })
			s := New(Options{Store: st, Broker: br, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
			owner, bob, carol := newUser(t, st), newUser(t, st), newUser(t, st)
			capacity := 8
			room, err := s.CreateRoom(ctx, owner, wire.CreateRoomInput{Name: "Mine", Category: "study", MaxCapacity: &capacity})
			if err != nil {
				t.Fatal(err)
			}
			other, err := s.CreateRoom(ctx, carol, wire.CreateRoomInput{Name: "Theirs", Category: "study", MaxCapacity: &capacity})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := s.Join(ctx, owner, room.ID, protocol.Origin{}); err != nil {
				t.Fatal(err)
			}
			if _, err := s.Join(ctx, carol, other.ID, protocol.Origin{}); err != nil {
				t.Fatal(err)
			}

			// bob is in no room; carol is in another; a random id is nobody.
			wantCode(t, "remove someone in no room", s.RemoveParticipant(ctx, owner, room.ID, bob, protocol.Origin{}), apperr.NotInRoom)
			wantCode(t, "remove someone in another room", s.RemoveParticipant(ctx, owner, room.ID, carol, protocol.Origin{}), apperr.NotInRoom)
			wantCode(t, "remove a random id", s.RemoveParticipant(ctx, owner, room.ID, uuid.NewString(), protocol.Origin{}), apperr.NotInRoom)
			wantCode(t, "remove from a room that does not exist", s.RemoveParticipant(ctx, owner, uuid.NewString(), bob, protocol.Origin{}), apperr.NotFound)

			// carol is still where she was, and both can join the room.
			if cur, err := s.CurrentRoom(ctx, carol); err != nil || cur != other.ID {
				t.Fatalf("carol's room after a failed removal: %q %v", cur, err)
			}
			for _, who := range []string{bob, carol} {
				if _, err := s.Join(ctx, who, room.ID, protocol.Origin{}); err != nil {
					t.Fatalf("joining after a failed removal: %v", err)
				}
			}

			// A removal that works still bans.
			if err := s.RemoveParticipant(ctx, owner, room.ID, bob, protocol.Origin{}); err != nil {
				t.Fatal(err)
			}
			wantCode(t, "rejoin after removal", func() error { _, err := s.Join(ctx, bob, room.ID, protocol.Origin{}); return err }(), apperr.Forbidden)
			// And removing him again fails without touching his ban.
			wantCode(t, "remove twice", s.RemoveParticipant(ctx, owner, room.ID, bob, protocol.Origin{}), apperr.NotInRoom)
			wantCode(t, "rejoin after a second removal", func() error { _, err := s.Join(ctx, bob, room.ID, protocol.Origin{}); return err }(), apperr.Forbidden)
		})
	}
}

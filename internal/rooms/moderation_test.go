package rooms

import (
	"context"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/bodydouble/bodydouble/internal/apperr"
	"github.com/bodydouble/bodydouble/internal/broker"
	"github.com/bodydouble/bodydouble/internal/model"
	"github.com/bodydouble/bodydouble/internal/protocol"
	"github.com/bodydouble/bodydouble/internal/store/storetest"
)

// A starter room has no creator: only a moderator may remove someone from
// it, and the audit log records who did.
func TestModeratorRemovesFromStarterRoom(t *testing.T) {
	t.Parallel()
	for _, b := range storetest.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			st := b.Open(t)
			if err := st.SeedRooms(ctx, StarterRooms()); err != nil {
				t.Fatal(err)
			}
			br := broker.NewMemory()
			t.Cleanup(func() { _ = br.Close() })
			s := New(Options{Store: st, Broker: br, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
			mod, member, bob := newUser(t, st), newUser(t, st), newUser(t, st)
			room := StarterRooms()[0].ID
			for _, u := range []string{mod, member, bob} {
				if _, err := s.Join(ctx, u, room, protocol.Origin{}); err != nil {
					t.Fatal(err)
				}
			}
			wantCode(t, "a member's removal", s.RemoveParticipant(ctx, member, room, bob, protocol.Origin{}), apperr.Forbidden)
			if err := st.SetUserRole(ctx, mod, model.RoleModerator, model.AuditEntry{At: time.Now(), ActorID: "cli", Action: "role.set", TargetType: "user", TargetID: mod}); err != nil {
				t.Fatal(err)
			}
			if err := s.RemoveParticipant(ctx, mod, room, bob, protocol.Origin{}); err != nil {
				t.Fatalf("a moderator's removal: %v", err)
			}
			if cur, _ := s.CurrentRoom(ctx, bob); cur != "" {
				t.Fatalf("bob is still in %q", cur)
			}
			_, err := s.Join(ctx, bob, room, protocol.Origin{})
			wantCode(t, "bob's rejoin", err, apperr.Forbidden)
			entries, err := st.AuditLog(ctx, "", 10)
			if err != nil {
				t.Fatal(err)
			}
			if len(entries) != 2 || entries[0].Action != ActionRemove || entries[0].ActorID != mod || entries[0].TargetID != bob {
				t.Fatalf("audit log %+v, want the removal on top of the role change", entries)
			}
		})
	}
}

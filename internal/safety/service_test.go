package safety

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/bodydouble/bodydouble/internal/apperr"
	"github.com/bodydouble/bodydouble/internal/model"
	"github.com/bodydouble/bodydouble/internal/store"
	"github.com/bodydouble/bodydouble/internal/store/storetest"
	"github.com/bodydouble/bodydouble/internal/wire"
)

// told records what the service told rooms.
type told struct {
	mu    sync.Mutex
	calls []string
}

func (r *told) BlockChanged(_ context.Context, blockerID, blockedID string, blocked bool) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	mark := "unblock"
	if blocked {
		mark = "block"
	}
	r.calls = append(r.calls, mark+" "+blockerID+" "+blockedID)
	return nil
}

func (r *told) take() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	c := r.calls
	r.calls = nil
	return c
}

var now = time.Date(2031, 3, 14, 15, 9, 26, 0, time.UTC)

func newUser(t *testing.T, st store.Store) string {
	t.Helper()
	u := model.User{ID: uuid.NewString(), AnonymousID: uuid.NewString(), DisplayName: "someone", CreatedAt: now, UpdatedAt: now}
	if err := st.CreateUser(t.Context(), u); err != nil {
		t.Fatal(err)
	}
	return u.ID
}

func code(err error) string {
	var e *apperr.Error
	if errors.As(err, &e) {
		return e.Code
	}
	return ""
}

// TestServiceTellsTheRoom: every block, unblock and first report tells
// rooms, so the blocker's view changes at once; a repeat report does not.
func TestServiceTellsTheRoom(t *testing.T) {
	t.Parallel()
	for _, b := range storetest.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			t.Parallel()
			st := b.Open(t)
			ctx := t.Context()
			rooms := &told{}
			s := New(Options{Store: st, Rooms: rooms, Now: func() time.Time { return now }})
			ann, ben, cy := newUser(t, st), newUser(t, st), newUser(t, st)

			if err := s.Block(ctx, ann, wire.BlockInput{UserID: ben}); err != nil {
				t.Fatal(err)
			}
			if err := s.Unblock(ctx, ann, ben); err != nil {
				t.Fatal(err)
			}
			if got := code(s.Block(ctx, ann, wire.BlockInput{UserID: uuid.NewString()})); got != apperr.NotFound {
				t.Errorf("block of nobody: %q, want not_found", got)
			}
			if got := rooms.take(); len(got) != 2 || got[0] != "block "+ann+" "+ben || got[1] != "unblock "+ann+" "+ben {
				t.Fatalf("told %v", got)
			}

			// Reports need a shared room.
			_, _, err := s.Report(ctx, ann, wire.ReportInput{UserID: cy, Reason: "spam"}, nil)
			if code(err) != apperr.NotFound {
				t.Fatalf("report of a stranger: %v", err)
			}
			r, err := st.CreateRoom(ctx, model.Room{Name: "r", Category: "study", MaxCapacity: 8, MicPolicy: "muted", IsActive: true, CreatedAt: now})
			if err != nil {
				t.Fatal(err)
			}
			for _, u := range []string{ann, cy} {
				if _, err := st.JoinRoom(ctx, r.ID, u, now, now.Add(time.Minute)); err != nil {
					t.Fatal(err)
				}
			}
			refuse := func() bool { t.Error("asked the allowance of a refused report"); return false }
			if _, _, err := s.Report(ctx, ann, wire.ReportInput{UserID: cy, Reason: "nope"}, refuse); code(err) != apperr.Invalid {
				t.Fatalf("bad reason: %v", err)
			}
			if _, _, err := s.Report(ctx, ann, wire.ReportInput{UserID: cy, Reason: "spam"}, func() bool { return false }); code(err) != apperr.RateLimited {
				t.Fatalf("over the allowance: %v", err)
			}
			if got := rooms.take(); len(got) != 0 {
				t.Fatalf("refused reports told %v", got)
			}
			rep, created, err := s.Report(ctx, ann, wire.ReportInput{UserID: cy, Reason: "spam"}, nil)
			if err != nil || !created || rep.ReportedUserID != cy {
				t.Fatalf("report: %+v %v %v", rep, created, err)
			}
			again, created, err := s.Report(ctx, ann, wire.ReportInput{UserID: cy, Reason: "hate"}, nil)
			if err != nil || created || again.ID != rep.ID {
				t.Fatalf("repeat: %+v %v %v", again, created, err)
			}
			if got := rooms.take(); len(got) != 1 || got[0] != "block "+ann+" "+cy {
				t.Fatalf("told %v", got)
			}
		})
	}
}

package jobs_test

import (
	"context"
	"errors"
	"log/slog"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/bodydouble/bodydouble/internal/jobs"
	"github.com/bodydouble/bodydouble/internal/model"
	"github.com/bodydouble/bodydouble/internal/store"
	"github.com/bodydouble/bodydouble/internal/store/storetest"
	"github.com/bodydouble/bodydouble/internal/testlog"
)

const day = 24 * time.Hour

// now is the tests' clock: fixed, far from the real time.
var now = time.Date(2032, 5, 6, 7, 8, 9, 123_000_000, time.UTC)

// world is what the retention tests seed: who must go and who must stay.
type world struct {
	gone    []storetest.Person // inactive 366 days, with data everywhere
	goneIDs []string
	kept    []model.User // inactive 364 days, or active lately
	expired string       // a revoked token that expired
	live    string       // a revoked token that has not
}

func seed(t *testing.T, s store.Store) world {
	t.Helper()
	ctx := t.Context()
	var w world
	for range 3 {
		// SeedPerson makes them a moderator: staff are kept, so make them
		// members again.
		p := storetest.SeedPerson(t, s, now.Add(-366*day))
		must(t, s.SetUserRole(ctx, p.ID, model.RoleMember, model.AuditEntry{At: now.Add(-366 * day), ActorID: p.ID,
			Action: "user.role", TargetType: "user", TargetID: p.ID}))
		w.gone = append(w.gone, p)
		w.goneIDs = append(w.goneIDs, p.ID, p.Other.ID) // the person they share a room with is as old
	}
	for i := range 2 {
		u := user(t, s, now.Add(-366*day-time.Duration(i)*time.Hour))
		w.goneIDs = append(w.goneIDs, u.ID)
	}
	w.kept = append(w.kept, user(t, s, now.Add(-364*day)))
	active := user(t, s, now.Add(-900*day))
	if _, err := s.MarkActive(ctx, active.ID, now.Add(-364*day)); err != nil {
		t.Fatal(err)
	}
	w.kept = append(w.kept, active)

	w.expired, w.live = uuid.NewString(), uuid.NewString()
	must(t, s.RevokeToken(ctx, w.expired, now.Add(-time.Minute)))
	must(t, s.RevokeToken(ctx, w.live, now.Add(time.Minute)))
	// Audit entries: one older than the 400 days kept, one younger.
	must(t, s.AddAudit(ctx, model.AuditEntry{At: now.Add(-401 * day), ActorID: "x", Action: "test.old", TargetType: "user", TargetID: "y"}))
	must(t, s.AddAudit(ctx, model.AuditEntry{At: now.Add(-399 * day), ActorID: "x", Action: "test.young", TargetType: "user", TargetID: "y"}))
	return w
}

func user(t *testing.T, s store.Store, created time.Time) model.User {
	t.Helper()
	u := model.User{ID: uuid.NewString(), AnonymousID: uuid.NewString(), DisplayName: "P " + uuid.NewString()[:8],
		CreatedAt: created, UpdatedAt: created}
	must(t, s.CreateUser(t.Context(), u))
	return u
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// check asserts that w's people to go are gone, with nothing of theirs
// in the database, and the rest is as it should be.
func (w world) check(t *testing.T, s store.Store, raw *storetest.Raw) {
	t.Helper()
	ctx := t.Context()
	for _, id := range w.goneIDs {
		if _, err := s.GetUser(ctx, id); !errors.Is(err, model.ErrNotFound) {
			t.Errorf("GetUser(%s) of an erased person: %v, want not found", id, err)
		}
	}
	for _, p := range w.gone {
		if cells := storetest.Find(raw.Dump(t), p.Secrets()...); len(cells) > 0 {
			t.Errorf("erased person's data left: %+v", cells)
		}
	}
	for _, u := range w.kept {
		if _, err := s.GetUser(ctx, u.ID); err != nil {
			t.Errorf("GetUser of someone kept: %v", err)
		}
	}
	if revoked, err := s.TokenRevoked(ctx, w.live, ""); err != nil || !revoked {
		t.Errorf("live revocation: revoked %v, %v", revoked, err)
	}
	if revoked, err := s.TokenRevoked(ctx, w.expired, ""); err != nil || revoked {
		t.Errorf("expired revocation: revoked %v, %v", revoked, err)
	}
	entries, err := s.AuditLog(ctx, "", 1000)
	must(t, err)
	var actions []string
	for _, e := range entries {
		if strings.HasPrefix(e.Action, "test.") {
			actions = append(actions, e.Action)
		}
	}
	if !slices.Equal(actions, []string{"test.young"}) {
		t.Errorf("audit entries left: %v, want only test.young", actions)
	}
}

// wantCounts is what a retention run over seed's world removes: 11
// people (3 seeded persons, each with the 2 others SeedPerson makes, and
// 2 more), 1 expired revocation, 1 old audit entry.
var wantCounts = store.RetentionCounts{Erased: 11, Revocations: 1, Audit: 1}

func newRetention(s store.Store, log *slog.Logger) *jobs.Retention {
	return &jobs.Retention{Store: s, Clock: func() time.Time { return now }, RetainInactive: 365 * day,
		RetainAudit: 400 * day, Batch: 2, Log: log}
}

// TestRetention erases those inactive 366 days, keeps those inactive
// 364, drops expired revocations and old audit entries; cut short after
// the first batch and run again, it ends the same and counts each once.
func TestRetention(t *testing.T) {
	for _, b := range storetest.RawBackends() {
		t.Run(b.Name, func(t *testing.T) {
			t.Parallel()
			s, raw := b.Open(t)
			w := seed(t, s)
			var logs testlog.Buffer
			r := newRetention(s, slog.New(slog.NewTextHandler(&logs, nil)))

			// The first attempt is cut short as the third person leaves
			// their room: the context ends, as when the server stops.
			ctx, cancel := context.WithCancel(t.Context())
			var left, closed []string
			r.Leave = func(_ context.Context, id string) error {
				left = append(left, id)
				if len(left) == 3 {
					cancel()
				}
				return nil
			}
			r.Erased = func(_ context.Context, id string) { closed = append(closed, id) }
			if _, err := r.Run(ctx, "run-1"); !errors.Is(err, context.Canceled) {
				t.Fatalf("interrupted run: %v, want context canceled", err)
			}
			got, err := s.RetentionRun(t.Context(), "run-1")
			must(t, err)
			if got.Erased != 2 {
				t.Errorf("erased by the interrupted run: %d, want 2", got.Erased)
			}
			if strings.Contains(logs.String(), "retention:") {
				t.Errorf("interrupted run logged its counts: %s", logs.String())
			}

			// Run again under the same id (River's retry of the same job).
			got, err = r.Run(t.Context(), "run-1")
			must(t, err)
			got.StartedAt = time.Time{}
			if got != wantCounts {
				t.Errorf("counts: %+v, want %+v", got, wantCounts)
			}
			w.check(t, s, raw)
			// Each erased person's sockets closed once, after the erasure.
			if len(closed) != 11 {
				t.Errorf("sockets closed for %d people, want 11", len(closed))
			}
			for _, id := range w.goneIDs {
				if !slices.Contains(closed, id) {
					t.Errorf("sockets of %s not closed", id)
				}
			}
			if line := "retention: erased 11 people, dropped 1 revoked tokens, 1 audit entries"; !strings.Contains(logs.String(), line) {
				t.Errorf("log %q lacks %q", logs.String(), line)
			}

			// A new run finds nothing more.
			got, err = r.Run(t.Context(), "run-2")
			must(t, err)
			got.StartedAt = time.Time{}
			if got != (store.RetentionCounts{}) {
				t.Errorf("second run removed %+v", got)
			}
		})
	}
}

// TestRetentionNever: RetainInactive 0 erases nobody.
func TestRetentionNever(t *testing.T) {
	s := storetest.OpenSQLite(t)
	old := user(t, s, now.Add(-3000*day))
	r := newRetention(s, nil)
	r.RetainInactive = 0
	got, err := r.Run(t.Context(), "run")
	must(t, err)
	if got.Erased != 0 {
		t.Errorf("erased %d", got.Erased)
	}
	if _, err := s.GetUser(t.Context(), old.ID); err != nil {
		t.Errorf("GetUser: %v", err)
	}
}

package jobs

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/google/uuid"

	"github.com/bodydouble/bodydouble/internal/model"
	"github.com/bodydouble/bodydouble/internal/store"
)

// DefaultBatch is how many rows one retention batch removes: each batch is
// its own transaction (an erasure is one per person), so a run holds no
// lock for long and a crash loses at most the batch under way, which the
// next attempt redoes.
const DefaultBatch = 100

// keepRuns is how long the records of past retention runs are kept.
const keepRuns = 30 * 24 * time.Hour

// Retention removes what Body Double keeps no longer (docs/operations.md
// "Retention"): people inactive for RetainInactive, revoked-token rows
// once their token expired, audit entries older than RetainAudit.
type Retention struct {
	Store store.Store
	// Clock is the time now; time.Now when nil.
	Clock func() time.Time
	// RetainInactive is how long a member may be inactive before they are
	// erased; 0 keeps everyone.
	RetainInactive time.Duration
	// RetainAudit is how long audit entries are kept; 0 keeps them all.
	RetainAudit time.Duration
	// Batch is how many rows a batch removes; DefaultBatch when 0.
	Batch int
	// Leave, if set, is called before a person is erased: they leave
	// their room, as DELETE /api/users/me does first.
	Leave func(ctx context.Context, userID string) error
	// Files, if set, is asked before a person is erased for what of
	// theirs lives outside the database (an uploaded avatar's blob); the
	// drop it returns, if any, is called once the erasure succeeded.
	Files func(ctx context.Context, userID string) (drop func(context.Context), err error)
	// Erased, if set, is called after a person was erased: their sockets
	// close, on every instance, as after DELETE /api/users/me.
	Erased func(ctx context.Context, userID string)
	// NewID makes stand-in ids; uuid.NewString when nil.
	NewID func() string
	Log   *slog.Logger
}

func (r *Retention) now() time.Time {
	if r.Clock != nil {
		return r.Clock().UTC()
	}
	return time.Now().UTC()
}

func (r *Retention) batch() int {
	if r.Batch > 0 {
		return r.Batch
	}
	return DefaultBatch
}

// Run runs retention once as run runID and returns what the run removed,
// over every attempt under this id: run again after a failure or a crash,
// it carries on where the first attempt stopped and counts each removed
// row once. It logs the counts when it is done.
func (r *Retention) Run(ctx context.Context, runID string) (store.RetentionCounts, error) {
	now := r.now()
	if err := r.Store.StartRetentionRun(ctx, runID, now); err != nil {
		return store.RetentionCounts{}, err
	}
	if err := r.eraseInactive(ctx, runID, now); err != nil {
		return store.RetentionCounts{}, err
	}
	if err := drain(func() (int, error) { return r.Store.DropRevocations(ctx, runID, now, r.batch()) }, r.batch()); err != nil {
		return store.RetentionCounts{}, err
	}
	if r.RetainAudit > 0 {
		before := now.Add(-r.RetainAudit)
		if err := drain(func() (int, error) { return r.Store.DropAudit(ctx, runID, before, r.batch()) }, r.batch()); err != nil {
			return store.RetentionCounts{}, err
		}
	}
	if _, err := r.Store.DropRetentionRuns(ctx, now.Add(-keepRuns)); err != nil {
		return store.RetentionCounts{}, err
	}
	c, err := r.Store.RetentionRun(ctx, runID)
	if err != nil {
		return store.RetentionCounts{}, err
	}
	if r.Log != nil {
		r.Log.Info(fmt.Sprintf("retention: erased %d people, dropped %d revoked tokens, %d audit entries", c.Erased, c.Revocations, c.Audit),
			"run", runID, "erased", c.Erased, "revokedTokens", c.Revocations, "auditEntries", c.Audit)
	}
	return c, nil
}

// drain calls batch until it removes fewer than full rows.
func drain(batch func() (int, error), full int) error {
	for {
		n, err := batch()
		if err != nil || n < full {
			return err
		}
	}
}

// eraseInactive erases, batch by batch, the members inactive since
// now - RetainInactive, each in their own transaction (store.EraseUser),
// its stand-in recorded for the run first so that the erasure counts
// exactly once.
func (r *Retention) eraseInactive(ctx context.Context, runID string, now time.Time) error {
	if r.RetainInactive <= 0 {
		return nil
	}
	cutoff := now.Add(-r.RetainInactive)
	newID := r.NewID
	if newID == nil {
		newID = uuid.NewString
	}
	for {
		ids, err := r.Store.InactiveUsers(ctx, cutoff, r.batch())
		if err != nil {
			return err
		}
		for _, id := range ids {
			if err := r.erase(ctx, runID, id, newID(), cutoff, now); err != nil {
				return err
			}
		}
		if len(ids) < r.batch() {
			return nil
		}
	}
}

// erase erases one person as DELETE /api/users/me does: they leave their
// room, their rows go (store.EraseUser) and then their files, their
// sockets close.
func (r *Retention) erase(ctx context.Context, runID, userID, standIn string, cutoff, now time.Time) error {
	planned, err := r.Store.PlanErasure(ctx, runID, userID, standIn, cutoff)
	if err != nil || !planned {
		return err // not planned: active again since the batch was listed
	}
	if r.Leave != nil {
		if err := r.Leave(ctx, userID); err != nil {
			return fmt.Errorf("jobs: retention: leave the room of %s: %w", userID, err)
		}
	}
	var drop func(context.Context)
	if r.Files != nil {
		if drop, err = r.Files(ctx, userID); err != nil {
			return fmt.Errorf("jobs: retention: files of %s: %w", userID, err)
		}
	}
	err = r.Store.EraseUser(ctx, userID, standIn, now)
	if errors.Is(err, model.ErrNotFound) {
		return nil // they erased themselves meanwhile: not ours to count
	}
	if err != nil {
		return err
	}
	if drop != nil {
		drop(ctx)
	}
	if r.Erased != nil {
		r.Erased(ctx, userID)
	}
	return nil
}

package store

import (
	"context"
	"time"
)

// RetentionStore is what the retention job (package jobs) needs besides
// EraseUser; Store embeds it. A run is named by an id (the job's): its
// counts live in the database and grow in the same transaction as each
// batch, so a run cut short and started again under the same id counts
// every removed row exactly once.
type RetentionStore interface {
	// MarkActive records that userID was active at now, writing only
	// when their recorded activity (or, never active, their creation) is
	// a day or more older than now: at most one write a day per person.
	// It reports whether it wrote. No such user is no error.
	MarkActive(ctx context.Context, userID string, now time.Time) (bool, error)
	// InactiveUsers returns up to limit ids of members (role member) last
	// active before cutoff (never active: created before it), least
	// recently active first. Stand-ins (EraseUser's) are never listed.
	InactiveUsers(ctx context.Context, cutoff time.Time, limit int) ([]string, error)
	// StartRetentionRun records run runID as started at now, unless it
	// exists (a run started again keeps its counts).
	StartRetentionRun(ctx context.Context, runID string, now time.Time) error
	// PlanErasure records that run runID is about to erase userID with
	// the stand-in standIn, if userID is still a member inactive since
	// cutoff (as InactiveUsers lists them); it reports whether it did. The
	// erasure counts for the run once the stand-in exists, that is once
	// EraseUser(userID, standIn, …) committed. The plan holds only the
	// stand-in, never userID.
	PlanErasure(ctx context.Context, runID, userID, standIn string, cutoff time.Time) (bool, error)
	// DropRevocations deletes up to limit revoked-token rows that expired
	// before now and adds their number to the run's, in one transaction.
	DropRevocations(ctx context.Context, runID string, now time.Time, limit int) (int, error)
	// DropAudit deletes up to limit audit entries older than before, oldest
	// first, and adds their number to the run's, in one transaction.
	DropAudit(ctx context.Context, runID string, before time.Time, limit int) (int, error)
	// RetentionRun returns run runID's counts; model.ErrNotFound when
	// there is no such run.
	RetentionRun(ctx context.Context, runID string) (RetentionCounts, error)
	// DropRetentionRuns deletes the records of runs started before
	// before, and says how many.
	DropRetentionRuns(ctx context.Context, before time.Time) (int, error)
}

// RetentionCounts is what one retention run removed so far.
type RetentionCounts struct {
	StartedAt time.Time
	// Erased counts the people erased (their stand-ins exist).
	Erased int64
	// Revocations counts the revoked-token rows dropped.
	Revocations int64
	// Audit counts the audit entries dropped.
	Audit int64
}

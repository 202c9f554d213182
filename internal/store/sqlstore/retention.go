package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/bodydouble/bodydouble/internal/model"
	"github.com/bodydouble/bodydouble/internal/store"
)

// activeEvery is how stale a person's recorded activity must be before
// MarkActive writes it again.
const activeEvery = 24 * time.Hour

// lastActive is a user's last activity: active_at, or created_at when
// they were never active since. The users_last_active index is on it.
const lastActive = "COALESCE(active_at, created_at)"

// MarkActive implements store.Store.
func (s *Store) MarkActive(ctx context.Context, userID string, now time.Time) (bool, error) {
	res, err := s.w.ExecContext(ctx, s.q("UPDATE users SET active_at = ? WHERE id = ? AND "+lastActive+" <= ?"),
		s.ts(now), userID, s.ts(now.Add(-activeEvery)))
	if err != nil {
		return false, fmt.Errorf("sqlstore: mark active: %w", err)
	}
	n, err := res.RowsAffected()
	return n > 0, err
}

// InactiveUsers implements store.Store. Stand-ins are the users whose
// anonymous_id is their id (EraseUser makes them so).
func (s *Store) InactiveUsers(ctx context.Context, cutoff time.Time, limit int) ([]string, error) {
	ids, err := queryAll(ctx, s.r, s.q("SELECT id FROM users WHERE "+lastActive+` < ?
		AND role = 'member' AND anonymous_id <> id ORDER BY `+lastActive+", id LIMIT ?"), []any{s.ts(cutoff), limit},
		func(sc rowScanner) (string, error) {
			var id string
			return id, sc.Scan(&id)
		})
	if err != nil {
		return nil, fmt.Errorf("sqlstore: inactive users: %w", err)
	}
	return ids, nil
}

// StartRetentionRun implements store.Store.
func (s *Store) StartRetentionRun(ctx context.Context, runID string, now time.Time) error {
	_, err := s.w.ExecContext(ctx, s.q(`INSERT INTO retention_runs (id, started_at) VALUES (?, ?)
		ON CONFLICT (id) DO NOTHING`), runID, s.ts(now))
	if err != nil {
		return fmt.Errorf("sqlstore: start retention run: %w", err)
	}
	return nil
}

// PlanErasure implements store.Store.
func (s *Store) PlanErasure(ctx context.Context, runID, userID, standIn string, cutoff time.Time) (bool, error) {
	planned := false
	err := s.withTx(ctx, func(tx *sql.Tx) error {
		var one int
		err := tx.QueryRowContext(ctx, s.q("SELECT 1 FROM users WHERE id = ? AND "+lastActive+` < ?
			AND role = 'member' AND anonymous_id <> id`), userID, s.ts(cutoff)).Scan(&one)
		if errors.Is(err, sql.ErrNoRows) {
			return nil // active again, staff now, or gone
		}
		if err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, s.q("INSERT INTO retention_erasures (stand_in, run_id) VALUES (?, ?)"), standIn, runID)
		if isForeignKeyViolation(err) {
			return fmt.Errorf("run %q: %w", runID, model.ErrNotFound)
		}
		planned = err == nil
		return err
	})
	if err != nil {
		return false, fmt.Errorf("sqlstore: plan erasure: %w", err)
	}
	return planned, nil
}

// DropRevocations implements store.Store.
func (s *Store) DropRevocations(ctx context.Context, runID string, now time.Time, limit int) (int, error) {
	n, err := s.dropCounted(ctx, runID, "revoked", `DELETE FROM revoked_tokens WHERE token_id IN
		(SELECT token_id FROM revoked_tokens WHERE expires_at < ? ORDER BY expires_at LIMIT ?)`, s.ts(now), limit)
	if err != nil {
		return 0, fmt.Errorf("sqlstore: drop revocations: %w", err)
	}
	return n, nil
}

// DropAudit implements store.Store.
func (s *Store) DropAudit(ctx context.Context, runID string, before time.Time, limit int) (int, error) {
	n, err := s.dropCounted(ctx, runID, "audit", `DELETE FROM audit_log WHERE id IN
		(SELECT id FROM audit_log WHERE at < ? ORDER BY id LIMIT ?)`, s.ts(before), limit)
	if err != nil {
		return 0, fmt.Errorf("sqlstore: drop audit: %w", err)
	}
	return n, nil
}

// dropCounted runs del and adds the rows it deleted to the run's column
// counter, in one transaction.
func (s *Store) dropCounted(ctx context.Context, runID, counter, del string, args ...any) (int, error) {
	var n int64
	err := s.withTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, s.q(del), args...)
		if err != nil {
			return err
		}
		if n, err = res.RowsAffected(); err != nil || n == 0 {
			return err
		}
		// counter is one of two constant column names.
		res, err = tx.ExecContext(ctx, s.q("UPDATE retention_runs SET "+counter+" = "+counter+" + ? WHERE id = ?"), n, runID)
		if err != nil {
			return err
		}
		if k, err := res.RowsAffected(); err != nil || k == 0 {
			return cmpErr(err, fmt.Errorf("run %q: %w", runID, model.ErrNotFound))
		}
		return nil
	})
	return int(n), err
}

// cmpErr returns err if not nil, else alt.
func cmpErr(err, alt error) error {
	if err != nil {
		return err
	}
	return alt
}

// RetentionRun implements store.Store.
func (s *Store) RetentionRun(ctx context.Context, runID string) (store.RetentionCounts, error) {
	var c store.RetentionCounts
	err := s.r.QueryRowContext(ctx, s.q(`SELECT r.started_at, r.revoked, r.audit,
		(SELECT COUNT(*) FROM retention_erasures e JOIN users u ON u.id = e.stand_in WHERE e.run_id = r.id)
		FROM retention_runs r WHERE r.id = ?`), runID).
		Scan(timeCol{&c.StartedAt}, &c.Revocations, &c.Audit, &c.Erased)
	if errors.Is(err, sql.ErrNoRows) {
		return c, fmt.Errorf("sqlstore: retention run %q: %w", runID, model.ErrNotFound)
	}
	if err != nil {
		return c, fmt.Errorf("sqlstore: retention run: %w", err)
	}
	return c, nil
}

// DropRetentionRuns implements store.Store.
func (s *Store) DropRetentionRuns(ctx context.Context, before time.Time) (int, error) {
	var n int64
	err := s.withTx(ctx, func(tx *sql.Tx) error {
		// Explicitly, not by cascade: foreign keys are on, but say what goes.
		if _, err := tx.ExecContext(ctx, s.q(`DELETE FROM retention_erasures WHERE run_id IN
			(SELECT id FROM retention_runs WHERE started_at < ?)`), s.ts(before)); err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, s.q("DELETE FROM retention_runs WHERE started_at < ?"), s.ts(before))
		if err != nil {
			return err
		}
		n, err = res.RowsAffected()
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("sqlstore: drop retention runs: %w", err)
	}
	return int(n), nil
}

package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"time"
)

// unheld is the condition that no instance with a lease running at the
// query's next argument (now) holds the seat of the user in column userCol.
func unheld(userCol string) string {
	return `NOT EXISTS (SELECT 1 FROM seat_holds h JOIN instances i ON i.id = h.instance_id
		WHERE h.user_id = ` + userCol + ` AND i.lease_until >= ?)`
}

// RenewLease implements store.Store.
func (s *Store) RenewLease(ctx context.Context, instanceID string, until time.Time) error {
	_, err := s.w.ExecContext(ctx, s.q(`INSERT INTO instances (id, lease_until) VALUES (?, ?)
		ON CONFLICT (id) DO UPDATE SET lease_until = excluded.lease_until`), instanceID, s.ts(until))
	if err != nil {
		return fmt.Errorf("sqlstore: renew lease: %w", err)
	}
	return nil
}

// HoldSeats implements store.Store.
func (s *Store) HoldSeats(ctx context.Context, instanceID string, userIDs []string, leaseUntil time.Time) error {
	if len(userIDs) == 0 {
		return nil
	}
	err := s.withTx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, s.q(`INSERT INTO instances (id, lease_until) VALUES (?, ?)
			ON CONFLICT (id) DO NOTHING`), instanceID, s.ts(leaseUntil)); err != nil {
			return err
		}
		for batch := range slices.Chunk(slices.Sorted(slices.Values(userIDs)), touchBatch) {
			args := []any{instanceID}
			for _, id := range batch {
				args = append(args, id)
			}
			if _, err := tx.ExecContext(ctx, s.q(`INSERT INTO seat_holds (user_id, instance_id)
				SELECT id, ? FROM users WHERE id IN (`+placeholders(len(batch))+`)
				ON CONFLICT (user_id, instance_id) DO NOTHING`), args...); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("sqlstore: hold seats: %w", err)
	}
	return nil
}

// ReleaseSeats implements store.Store.
func (s *Store) ReleaseSeats(ctx context.Context, instanceID string, userIDs []string, until time.Time) error {
	if len(userIDs) == 0 {
		return nil
	}
	err := s.withTx(ctx, func(tx *sql.Tx) error {
		for batch := range slices.Chunk(slices.Sorted(slices.Values(userIDs)), touchBatch) {
			args := []any{instanceID}
			for _, id := range batch {
				args = append(args, id)
			}
			in := "(" + placeholders(len(batch)) + ")"
			if _, err := tx.ExecContext(ctx, s.q(`DELETE FROM seat_holds WHERE instance_id = ? AND user_id IN `+in), args...); err != nil {
				return err
			}
			args[0] = s.ts(until)
			args = slices.Insert(args, 1, s.ts(until))
			if _, err := tx.ExecContext(ctx, s.q(`UPDATE room_participants SET seen_until = ?
				WHERE left_at IS NULL AND seen_until < ? AND user_id IN `+in), args...); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("sqlstore: release seats: %w", err)
	}
	return nil
}

// EndLease implements store.Store.
func (s *Store) EndLease(ctx context.Context, instanceID string, until time.Time) error {
	err := s.withTx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, s.q(`UPDATE room_participants SET seen_until = ?
			WHERE left_at IS NULL AND seen_until < ?
			AND user_id IN (SELECT user_id FROM seat_holds WHERE instance_id = ?)`),
			s.ts(until), s.ts(until), instanceID); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, s.q(`DELETE FROM seat_holds WHERE instance_id = ?`), instanceID); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, s.q(`DELETE FROM instances WHERE id = ?`), instanceID)
		return err
	})
	if err != nil {
		return fmt.Errorf("sqlstore: end lease: %w", err)
	}
	return nil
}

// PruneLeases implements store.Store.
func (s *Store) PruneLeases(ctx context.Context, before time.Time) error {
	err := s.withTx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, s.q(`DELETE FROM seat_holds
			WHERE instance_id IN (SELECT id FROM instances WHERE lease_until < ?)`), s.ts(before)); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, s.q(`DELETE FROM instances WHERE lease_until < ?`), s.ts(before))
		return err
	})
	if err != nil {
		return fmt.Errorf("sqlstore: prune leases: %w", err)
	}
	return nil
}

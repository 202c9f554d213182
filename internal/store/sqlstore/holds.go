package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"time"
)

// heldUntil is the seen_until of a seat some instance holds: later than
// any sweep's now, so the sweep's index on seen_until never even visits
// the seats of live sockets. Every statement that adds or drops a hold
// keeps it in step: a seat is at heldUntil exactly while a hold of a
// running lease exists.
var heldUntil = time.Date(9999, 12, 31, 0, 0, 0, 0, time.UTC)

// liveHold is the condition that an instance whose lease runs at the
// statement's next argument (now) holds the seat of the user in userCol.
func liveHold(userCol string) string {
	return `EXISTS (SELECT 1 FROM seat_holds h JOIN instances i ON i.id = h.instance_id
		WHERE h.user_id = ` + userCol + ` AND i.lease_until >= ?)`
}

// seatUntil is the seen_until a new participation of userID starts with:
// heldUntil when a socket of theirs already sits in a room somewhere (it
// holds whichever seat they have), else until.
func (s *Store) seatUntil(ctx context.Context, tx *sql.Tx, userID string, now, until time.Time) (time.Time, error) {
	var held bool
	err := tx.QueryRowContext(ctx, s.q(`SELECT `+liveHold("?")), userID, s.ts(now)).Scan(&held)
	if err != nil {
		return time.Time{}, err
	}
	if held {
		return heldUntil, nil
	}
	return until, nil
}

// RenewLease implements store.Store.
func (s *Store) RenewLease(ctx context.Context, instanceID string, until time.Time) (bool, error) {
	r, err := s.w.ExecContext(ctx, s.q(`UPDATE instances SET lease_until = ? WHERE id = ?`), s.ts(until), instanceID)
	if err != nil {
		return false, fmt.Errorf("sqlstore: renew lease: %w", err)
	}
	if n, err := r.RowsAffected(); err != nil || n > 0 {
		return n > 0, err
	}
	_, err = s.w.ExecContext(ctx, s.q(`INSERT INTO instances (id, lease_until) VALUES (?, ?)
		ON CONFLICT (id) DO UPDATE SET lease_until = excluded.lease_until`), instanceID, s.ts(until))
	if err != nil {
		return false, fmt.Errorf("sqlstore: renew lease: %w", err)
	}
	return false, nil
}

// lockedBatches runs fn on userIDs in id order, in batches small enough for
// one statement, each batch's user rows locked first (PostgreSQL) so that
// holds and releases of one user queue behind each other and behind joins.
// fn gets "(?, ?, …)" and the batch's ids as arguments for it.
func (s *Store) lockedBatches(ctx context.Context, tx *sql.Tx, userIDs []string, fn func(in string, ids []any) error) error {
	for batch := range slices.Chunk(slices.Sorted(slices.Values(userIDs)), touchBatch) {
		ids := make([]any, len(batch))
		for i, id := range batch {
			ids[i] = id
		}
		in := "(" + placeholders(len(batch)) + ")"
		if s.pg { // on SQLite the immediate transaction already excludes every other writer
			rows, err := tx.QueryContext(ctx, s.q(`SELECT id FROM users WHERE id IN `+in+` ORDER BY id`+s.forUpdate()), ids...)
			if err != nil {
				return err
			}
			if err := rows.Close(); err != nil {
				return err
			}
		}
		if err := fn(in, ids); err != nil {
			return err
		}
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
		return s.lockedBatches(ctx, tx, userIDs, func(in string, ids []any) error {
			if _, err := tx.ExecContext(ctx, s.q(`INSERT INTO seat_holds (user_id, instance_id)
				SELECT id, ? FROM users WHERE id IN `+in+`
				ON CONFLICT (user_id, instance_id) DO NOTHING`), append([]any{instanceID}, ids...)...); err != nil {
				return err
			}
			_, err := tx.ExecContext(ctx, s.q(`UPDATE room_participants SET seen_until = ?
				WHERE left_at IS NULL AND user_id IN `+in), append([]any{s.ts(heldUntil)}, ids...)...)
			return err
		})
	})
	if err != nil {
		return fmt.Errorf("sqlstore: hold seats: %w", err)
	}
	return nil
}

// ReleaseSeats implements store.Store.
func (s *Store) ReleaseSeats(ctx context.Context, instanceID string, userIDs []string, now, until time.Time) error {
	if len(userIDs) == 0 {
		return nil
	}
	err := s.withTx(ctx, func(tx *sql.Tx) error {
		return s.lockedBatches(ctx, tx, userIDs, func(in string, ids []any) error {
			if _, err := tx.ExecContext(ctx, s.q(`DELETE FROM seat_holds WHERE instance_id = ? AND user_id IN `+in),
				append([]any{instanceID}, ids...)...); err != nil {
				return err
			}
			return s.unhold(ctx, tx, "user_id IN "+in, ids, now, until)
		})
	})
	if err != nil {
		return fmt.Errorf("sqlstore: release seats: %w", err)
	}
	return nil
}

// unhold gives the held seats of the users matching cond (with its
// arguments) that no running lease holds any more their grace: seen_until
// becomes until.
func (s *Store) unhold(ctx context.Context, tx *sql.Tx, cond string, condArgs []any, now, until time.Time) error {
	args := append([]any{s.ts(until), s.ts(heldUntil)}, condArgs...)
	args = append(args, s.ts(now))
	_, err := tx.ExecContext(ctx, s.q(`UPDATE room_participants SET seen_until = ?
		WHERE left_at IS NULL AND seen_until = ? AND `+cond+`
		AND NOT `+liveHold("room_participants.user_id")), args...)
	return err
}

// EndLease implements store.Store.
func (s *Store) EndLease(ctx context.Context, instanceID string, now, until time.Time) error {
	err := s.withTx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, s.q(`DELETE FROM instances WHERE id = ?`), instanceID); err != nil {
			return err
		}
		if err := s.unhold(ctx, tx, "user_id IN (SELECT user_id FROM seat_holds WHERE instance_id = ?)",
			[]any{instanceID}, now, until); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, s.q(`DELETE FROM seat_holds WHERE instance_id = ?`), instanceID)
		return err
	})
	if err != nil {
		return fmt.Errorf("sqlstore: end lease: %w", err)
	}
	return nil
}

// ReapLeases implements store.Store.
func (s *Store) ReapLeases(ctx context.Context, now time.Time) error {
	var dead int
	if err := s.r.QueryRowContext(ctx, s.q(`SELECT COUNT(*) FROM instances WHERE lease_until < ?`), s.ts(now)).Scan(&dead); err != nil {
		return fmt.Errorf("sqlstore: reap leases: %w", err)
	}
	if dead == 0 {
		return nil // the usual case, without taking the writer
	}
	err := s.withTx(ctx, func(tx *sql.Tx) error {
		// The seats held only by ended leases were held until those ended:
		// their time is up now.
		if err := s.unhold(ctx, tx, `user_id IN (SELECT h.user_id FROM seat_holds h
			JOIN instances i ON i.id = h.instance_id WHERE i.lease_until < ?)`, []any{s.ts(now)}, now, now); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, s.q(`DELETE FROM seat_holds
			WHERE instance_id IN (SELECT id FROM instances WHERE lease_until < ?)`), s.ts(now)); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, s.q(`DELETE FROM instances WHERE lease_until < ?`), s.ts(now))
		return err
	})
	if err != nil {
		return fmt.Errorf("sqlstore: reap leases: %w", err)
	}
	return nil
}

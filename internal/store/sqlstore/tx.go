package sqlstore

import (
	"context"
	"database/sql"
)

// maxAttempts bounds how often a PostgreSQL transaction that lost a deadlock
// is run again. Locks are taken in a fixed order (user, then rooms by id), so
// deadlocks should not happen; this is a safety net.
const maxAttempts = 3

// withTx runs fn in a write transaction and commits it if fn returns nil.
// fn must do all its database work through tx: on SQLite the writer pool has
// one connection, which tx holds.
func (s *Store) withTx(ctx context.Context, fn func(tx *sql.Tx) error) error {
	var err error
	for range maxAttempts {
		err = s.tryTx(ctx, fn)
		if err == nil || !isRetryable(err) {
			return err
		}
	}
	return err
}

func (s *Store) tryTx(ctx context.Context, fn func(tx *sql.Tx) error) error {
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	if err := fn(tx); err != nil {
		tx.Rollback()
		return err
	}
	return tx.Commit()
}

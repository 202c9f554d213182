package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// ACME keeps what serving HTTPS over ACME (--domain) needs in the
// database, so that every instance shares it: certmagic's files (the
// account, certificates, keys and their metadata, by slash-separated key)
// in acme_storage, and its locks (leases with an expiry) in acme_locks.
// Package acme adapts it to certmagic's Storage. It is not part of
// store.Store: nothing else reads these tables.
type ACME struct{ s *Store }

// ACME returns the store's ACME tables.
func (s *Store) ACME() *ACME { return &ACME{s} }

// Put sets key to value, modified at now.
func (a *ACME) Put(ctx context.Context, key string, value []byte, now time.Time) error {
	if value == nil {
		value = []byte{} // NOT NULL; certmagic may store an empty file
	}
	_, err := a.s.w.ExecContext(ctx, a.s.q(`INSERT INTO acme_storage (key, value, modified) VALUES (?, ?, ?)
		ON CONFLICT (key) DO UPDATE SET value = excluded.value, modified = excluded.modified`),
		key, value, a.s.ts(now))
	if err != nil {
		return fmt.Errorf("sqlstore: acme put: %w", err)
	}
	return nil
}

// Get returns key's value and when it was last put; ok is false when
// there is no such key.
func (a *ACME) Get(ctx context.Context, key string) (value []byte, modified time.Time, ok bool, err error) {
	err = a.s.r.QueryRowContext(ctx, a.s.q("SELECT value, modified FROM acme_storage WHERE key = ?"), key).
		Scan(&value, timeCol{&modified})
	if errors.Is(err, sql.ErrNoRows) {
		return nil, time.Time{}, false, nil
	}
	if err != nil {
		return nil, time.Time{}, false, fmt.Errorf("sqlstore: acme get: %w", err)
	}
	return value, modified, true, nil
}

// Stat returns the size of key's value and when it was last put, without
// reading the value; ok is false when there is no such key.
func (a *ACME) Stat(ctx context.Context, key string) (size int64, modified time.Time, ok bool, err error) {
	err = a.s.r.QueryRowContext(ctx, a.s.q("SELECT LENGTH(value), modified FROM acme_storage WHERE key = ?"), key).
		Scan(&size, timeCol{&modified})
	if errors.Is(err, sql.ErrNoRows) {
		return 0, time.Time{}, false, nil
	}
	if err != nil {
		return 0, time.Time{}, false, fmt.Errorf("sqlstore: acme stat: %w", err)
	}
	return size, modified, true, nil
}

// Delete removes key and every key below it (key + "/…"); removing
// nothing is not an error.
func (a *ACME) Delete(ctx context.Context, key string) error {
	lo, hi := below(key)
	_, err := a.s.w.ExecContext(ctx, a.s.q("DELETE FROM acme_storage WHERE key = ? OR (key >= ? AND key < ?)"), key, lo, hi)
	if err != nil {
		return fmt.Errorf("sqlstore: acme delete: %w", err)
	}
	return nil
}

// Keys returns, in byte order, the keys below prefix (prefix + "/…"), or
// every key when prefix is empty; at most limit of them when limit > 0.
func (a *ACME) Keys(ctx context.Context, prefix string, limit int) ([]string, error) {
	query, args := "SELECT key FROM acme_storage", []any{}
	if prefix != "" {
		lo, hi := below(prefix)
		query, args = query+" WHERE key >= ? AND key < ?", []any{lo, hi}
	}
	query += " ORDER BY key"
	if limit > 0 {
		query, args = query+" LIMIT ?", append(args, limit)
	}
	rows, err := a.s.r.QueryContext(ctx, a.s.q(query), args...)
	if err != nil {
		return nil, fmt.Errorf("sqlstore: acme keys: %w", err)
	}
	defer rows.Close()
	var keys []string
	for rows.Next() {
		var k string
		if err := rows.Scan(&k); err != nil {
			return nil, fmt.Errorf("sqlstore: acme keys: %w", err)
		}
		keys = append(keys, k)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlstore: acme keys: %w", err)
	}
	return keys, nil
}

// below returns the range [lo, hi) of the keys below prefix: they start
// with prefix + "/", and '0' is the byte after '/'. Both columns compare
// byte-wise (COLLATE "C" on PostgreSQL, SQLite's BINARY), so no LIKE
// pattern (whose _ and % keys may contain) is needed.
func below(prefix string) (lo, hi string) { return prefix + "/", prefix + "0" }

// TryLock takes the lock name for owner until now+ttl if nobody holds
// it or its holder's lease has run out (a crashed holder); it reports
// whether owner now holds it. An owner that already holds name does not
// get it again: a lock is not re-entrant.
func (a *ACME) TryLock(ctx context.Context, name, owner string, now time.Time, ttl time.Duration) (bool, error) {
	r, err := a.s.w.ExecContext(ctx, a.s.q(`INSERT INTO acme_locks (name, owner, expires) VALUES (?, ?, ?)
		ON CONFLICT (name) DO UPDATE SET owner = excluded.owner, expires = excluded.expires
		WHERE acme_locks.expires <= ?`),
		name, owner, a.s.ts(now.Add(ttl)), a.s.ts(now))
	if err != nil {
		return false, fmt.Errorf("sqlstore: acme lock: %w", err)
	}
	n, err := r.RowsAffected()
	if err != nil {
		return false, fmt.Errorf("sqlstore: acme lock: %w", err)
	}
	return n == 1, nil
}

// RenewLock extends owner's lease on name to until; it reports false when
// owner no longer holds it (its lease ran out and someone else took it).
func (a *ACME) RenewLock(ctx context.Context, name, owner string, until time.Time) (bool, error) {
	r, err := a.s.w.ExecContext(ctx, a.s.q("UPDATE acme_locks SET expires = ? WHERE name = ? AND owner = ?"),
		a.s.ts(until), name, owner)
	if err != nil {
		return false, fmt.Errorf("sqlstore: acme renew lock: %w", err)
	}
	n, err := r.RowsAffected()
	if err != nil {
		return false, fmt.Errorf("sqlstore: acme renew lock: %w", err)
	}
	return n == 1, nil
}

// Unlock releases owner's lock on name; a lock owner no longer holds is
// left alone.
func (a *ACME) Unlock(ctx context.Context, name, owner string) error {
	if _, err := a.s.w.ExecContext(ctx, a.s.q("DELETE FROM acme_locks WHERE name = ? AND owner = ?"), name, owner); err != nil {
		return fmt.Errorf("sqlstore: acme unlock: %w", err)
	}
	return nil
}

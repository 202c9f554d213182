package sqlstore

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"time"
)

// purgeAfter is how long before a newly revoked token's expiry the rows of
// older revocations are purged. Measuring from the caller's expiresAt (not
// the wall clock) keeps tests with fixed clocks sane; as tokens live 30 days,
// anything expiring 90 days before a live token's expiry is long dead.
const purgeAfter = 90 * 24 * time.Hour

// RevokeToken records tokenID as revoked until expiresAt. Revoking twice
// keeps the later expiry. Rows long past their expiry are purged on the way,
// so the table stays about as small as the set of live revoked tokens.
func (s *Store) RevokeToken(ctx context.Context, tokenID string, expiresAt time.Time) error {
	err := s.withTx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, s.q(`INSERT INTO revoked_tokens (token_id, expires_at) VALUES (?, ?)
			ON CONFLICT (token_id) DO UPDATE SET expires_at = excluded.expires_at
			WHERE revoked_tokens.expires_at < excluded.expires_at`),
			tokenID, s.ts(expiresAt)); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, s.q("DELETE FROM revoked_tokens WHERE expires_at < ?"),
			s.ts(expiresAt.Add(-purgeAfter)))
		return err
	})
	if err != nil {
		return fmt.Errorf("sqlstore: revoke token: %w", err)
	}
	return nil
}

// erasedHold is how long the marker of an erased person refuses their
// tokens: longer than any token lives (auth.TokenTTL, 30 days), as tokens
// issued before the erasure may still be on other devices.
const erasedHold = 31 * 24 * time.Hour

// erasedKey is the revoked_tokens row that refuses every token of the
// erased userID: a hash of the id, so that the row holds no trace of it.
func erasedKey(userID string) string {
	sum := sha256.Sum256([]byte("erased\x00" + userID))
	return "erased:" + hex.EncodeToString(sum[:])
}

// TokenRevoked reports whether tokenID was revoked, or userID erased (a
// row under erasedKey, written by EraseUser). Every signed-in
// request asks. On SQLite a token found not revoked is not looked up again
// until something is committed to the database anywhere (watch.go); the
// lookup itself is a kept statement run without ctx's cancellation, which
// would cost two goroutines per call for a lookup that cannot run long.
// PostgreSQL looks it up every time (pgx keeps the statement prepared).
func (s *Store) TokenRevoked(ctx context.Context, tokenID, userID string) (bool, error) {
	erased := ""
	if userID != "" {
		erased = erasedKey(userID)
	}
	if s.watch == nil {
		return s.tokenRevoked(ctx, tokenID, erased)
	}
	version, verr := s.watch.version(ctx)
	key := tokenID + "\x00" + userID
	if verr == nil {
		if _, ok := s.notRevoked.get(version, key); ok {
			return false, nil
		}
	}
	revoked, err := s.tokenRevoked(context.WithoutCancel(ctx), tokenID, erased)
	if err == nil && !revoked && verr == nil {
		s.notRevoked.put(version, key, struct{}{})
	}
	return revoked, err
}

func (s *Store) tokenRevoked(ctx context.Context, tokenID, erased string) (bool, error) {
	var one int
	err := s.r.QueryRowContext(ctx, s.q("SELECT 1 FROM revoked_tokens WHERE token_id IN (?, ?) LIMIT 1"), tokenID, erased).Scan(&one)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return false, nil
	case err != nil:
		return false, fmt.Errorf("sqlstore: token revoked: %w", err)
	}
	return true, nil
}

package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/bodydouble/bodydouble/internal/model"
)

// keyringKey is the meta row holding the keyring of a PostgreSQL
// deployment given no keyring file.
const keyringKey = "keyring"

// Keyring returns the keyring kept in the database (its JSON), creating
// it with generate() the first time; racing processes agree on one, as
// with Secret.
func (s *Store) Keyring(ctx context.Context, generate func() string) (string, error) {
	v, err := s.metaValue(ctx, s.r, keyringKey)
	if err == nil {
		return v, nil
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return "", fmt.Errorf("sqlstore: keyring: %w", err)
	}
	if _, err := s.w.ExecContext(ctx,
		s.q("INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO NOTHING"),
		keyringKey, generate()); err != nil {
		return "", fmt.Errorf("sqlstore: keyring: %w", err)
	}
	v, err = s.metaValue(ctx, s.w, keyringKey)
	if err != nil {
		return "", fmt.Errorf("sqlstore: keyring: %w", err)
	}
	return v, nil
}

// SwapKeyring replaces the keyring kept in the database with next if it
// still is old; else ErrConflict (someone else changed it meanwhile).
func (s *Store) SwapKeyring(ctx context.Context, old, next string) error {
	r, err := s.w.ExecContext(ctx, s.q("UPDATE meta SET value = ? WHERE key = ? AND value = ?"), next, keyringKey, old)
	if err != nil {
		return fmt.Errorf("sqlstore: keyring: %w", err)
	}
	if n, _ := r.RowsAffected(); n == 0 {
		return fmt.Errorf("sqlstore: keyring changed meanwhile: %w", model.ErrConflict)
	}
	return nil
}

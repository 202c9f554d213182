package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
)

// secretKey is the meta row holding the token-signing secret.
const secretKey = "secret"

// Secret returns the token-signing secret, creating it with generate() the
// first time. Racing processes each insert their own value with ON CONFLICT
// DO NOTHING and then all read back the one that won.
func (s *Store) Secret(ctx context.Context, generate func() string) (string, error) {
	v, err := s.metaValue(ctx, s.r, secretKey)
	if err == nil {
		return v, nil
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return "", fmt.Errorf("sqlstore: secret: %w", err)
	}
	if _, err := s.w.ExecContext(ctx,
		s.q("INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO NOTHING"),
		secretKey, generate()); err != nil {
		return "", fmt.Errorf("sqlstore: secret: %w", err)
	}
	// Read through the writer: on SQLite it has just committed, so it sees the row.
	v, err = s.metaValue(ctx, s.w, secretKey)
	if err != nil {
		return "", fmt.Errorf("sqlstore: secret: %w", err)
	}
	return v, nil
}

func (s *Store) metaValue(ctx context.Context, db querier, key string) (string, error) {
	var v string
	err := db.QueryRowContext(ctx, s.q("SELECT value FROM meta WHERE key = ?"), key).Scan(&v)
	return v, err
}

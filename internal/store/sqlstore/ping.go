package sqlstore

import "context"

// Ping reports whether the database answers (readiness, internal/health):
// one round trip on the reading pool, which for PostgreSQL is the one
// pool, and for SQLite does not queue behind the single writer.
func (s *Store) Ping(ctx context.Context) error {
	_, err := s.r.ExecContext(ctx, "SELECT 1")
	return err
}

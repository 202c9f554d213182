package sqlstore

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/jackc/pgx/v5/pgxpool"
)

// PgxPool returns the PostgreSQL store's pgx pool, for the job queue
// (package jobs) to share; nil for SQLite.
func (s *Store) PgxPool() *pgxpool.Pool { return s.pool }

// OpenJobsSQLite opens, for the job queue (package jobs), a pool of one
// connection to the SQLite store's file, with the store's settings (busy
// timeout, foreign keys, WAL, write lock taken at BEGIN). It is apart from
// the store's writer so that the queue's polling is not counted as the
// store's writes (watch.go); SQLite still lets one writer at a time in,
// and busy_timeout makes the other wait. The caller closes it, before the
// store. It fails on PostgreSQL.
func (s *Store) OpenJobsSQLite(ctx context.Context) (*sql.DB, error) {
	if s.pg {
		return nil, fmt.Errorf("sqlstore: jobs database: not SQLite")
	}
	var path string
	if err := s.r.QueryRowContext(ctx, "SELECT file FROM pragma_database_list WHERE name = 'main'").Scan(&path); err != nil {
		return nil, fmt.Errorf("sqlstore: jobs database: %w", err)
	}
	db, err := sql.Open("sqlite", path+"?"+sqlitePragmas+"&_pragma=journal_mode(WAL)&_pragma=synchronous(NORMAL)&_txlock=immediate")
	if err != nil {
		return nil, fmt.Errorf("sqlstore: jobs database: %w", err)
	}
	db.SetMaxOpenConns(1)
	db.SetMaxIdleConns(1)
	db.SetConnMaxLifetime(0)
	db.SetConnMaxIdleTime(0)
	if err := pingSQLite(ctx, db); err != nil {
		db.Close()
		return nil, fmt.Errorf("sqlstore: jobs database: %w", err)
	}
	return db, nil
}

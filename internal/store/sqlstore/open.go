// Package sqlstore implements store.Store over database/sql for two
// dialects: SQLite (pure Go, modernc.org/sqlite) for the embedded default and
// PostgreSQL (pgx/v5) for scale-out. The SQL is written once with ?
// placeholders; the few dialect differences live in dialect.go.
package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/pgx/v5/stdlib"
	"modernc.org/sqlite" // the "sqlite" driver, and its error type

	"github.com/bodydouble/bodydouble/internal/keyring"
	"github.com/bodydouble/bodydouble/internal/model"
	"github.com/bodydouble/bodydouble/internal/store"
)

// Store is a store.Store backed by SQLite or PostgreSQL.
type Store struct {
	// w runs every write and write transaction. For SQLite it holds exactly
	// one connection, so writers queue in Go instead of fighting over the
	// database lock.
	w *sql.DB
	// r runs plain reads. For SQLite it is a separate read-only pool (WAL
	// lets readers run beside the writer); for PostgreSQL it is w.
	r *sql.DB
	// pool is the pgx pool under w for PostgreSQL, nil for SQLite.
	pool *pgxpool.Pool
	// tracer times PostgreSQL's queries for ObserveQueries (querytrace.go).
	tracer *queryTracer
	// pg selects the PostgreSQL dialect.
	pg bool
	// watch tells whether anything was committed to the SQLite database
	// (nil on PostgreSQL); lists and notRevoked keep answers that stay
	// valid until something is (watch.go).
	watch      *watcher
	lists      *versioned[model.ListRoomsOptions, []model.Room]
	notRevoked *versioned[string, struct{}]
	// keys seals goals, achievements and report notes (sealed.go); nil:
	// they are written plain.
	keys *keyring.Keyring
}

var _ store.Store = (*Store)(nil)

// SQLiteFile is the database file's name inside the data directory.
const SQLiteFile = "bodydouble.db"

// sqlitePragmas apply to every SQLite connection. busy_timeout makes a
// connection wait for a lock held by another process instead of failing.
const sqlitePragmas = "_pragma=busy_timeout(5000)&_pragma=foreign_keys(1)"

// OpenSQLite opens (creating if needed) <dataDir>/bodydouble.db and applies
// pending migrations.
func OpenSQLite(ctx context.Context, dataDir string) (*Store, error) {
	if err := checkDataDir(dataDir); err != nil {
		return nil, err
	}
	path := filepath.Join(dataDir, SQLiteFile)
	if strings.ContainsAny(path, "?#") {
		// The driver splits its DSN at '?': such a path would be misread.
		return nil, fmt.Errorf("sqlstore: data dir %q must not contain '?' or '#'", dataDir)
	}

	// Create the file ourselves so that it, and the -wal and -shm files
	// SQLite later creates with the same mode, are private: the database
	// holds the token-signing secret.
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("sqlstore: create database file: %w", err)
	}
	f.Close()

	// The watcher connects lazily, after the writer has switched to WAL.
	watch, err := newWatcher(path + "?" + sqlitePragmas + "&_pragma=query_only(1)")
	if err != nil {
		return nil, fmt.Errorf("sqlstore: open sqlite watcher: %w", err)
	}
	// _txlock=immediate: a write transaction takes the write lock at BEGIN,
	// so it can never fail later when upgrading from a read lock (which
	// busy_timeout cannot help with) and processes queue in order.
	tracer := &queryTracer{} // times queries for ObserveQueries (querytrace.go)
	w, err := openSQLiteDB(path+"?"+sqlitePragmas+
		"&_pragma=journal_mode(WAL)&_pragma=synchronous(NORMAL)&_txlock=immediate", watch.wrote, tracer)
	if err != nil {
		watch.close()
		return nil, fmt.Errorf("sqlstore: open sqlite: %w", err)
	}
	w.SetMaxOpenConns(1)
	w.SetMaxIdleConns(1)
	w.SetConnMaxLifetime(0)
	w.SetConnMaxIdleTime(0)

	s := &Store{w: w, r: w, tracer: tracer}
	// The first connection switches the file to WAL before any reader opens.
	if err := pingSQLite(ctx, w); err != nil {
		w.Close()
		watch.close()
		return nil, fmt.Errorf("sqlstore: open sqlite: %w", err)
	}
	if err := s.migrate(ctx); err != nil {
		w.Close()
		watch.close()
		if isFull(err) {
			return nil, fmt.Errorf("sqlstore: data directory %q is full: %w", dataDir, err)
		}
		return nil, err
	}

	r, err := openSQLiteDB(path+"?"+sqlitePragmas+"&_pragma=query_only(1)", nil, tracer)
	if err != nil {
		w.Close()
		watch.close()
		return nil, fmt.Errorf("sqlstore: open sqlite readers: %w", err)
	}
	n := max(4, runtime.NumCPU())
	r.SetMaxOpenConns(n)
	r.SetMaxIdleConns(n)
	s.r = r
	s.watch = watch
	s.lists = newVersioned[model.ListRoomsOptions, []model.Room](maxListPages)
	s.notRevoked = newVersioned[string, struct{}](maxNotRevoked)
	return s, nil
}

// dataDirProbe is how much checkDataDir writes: enough that a directory
// with no room for the database's first pages fails here, with a clear
// message, rather than halfway through a migration.
const dataDirProbe = 64 << 10

// checkDataDir creates dir if needed and proves that it takes writes, so
// that a read-only, full or misplaced data directory is named as such at
// start-up instead of surfacing as an SQLite error.
func checkDataDir(dir string) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("sqlstore: data directory %q cannot be created: %w", dir, err)
	}
	f, err := os.CreateTemp(dir, ".probe-*")
	if err != nil {
		return dataDirError(dir, err)
	}
	defer os.Remove(f.Name())
	_, err = f.Write(make([]byte, dataDirProbe))
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return dataDirError(dir, err)
	}
	return nil
}

func dataDirError(dir string, err error) error {
	if errors.Is(err, syscall.ENOSPC) || errors.Is(err, syscall.EDQUOT) {
		return fmt.Errorf("sqlstore: data directory %q is full: %w", dir, err)
	}
	return fmt.Errorf("sqlstore: data directory %q is not writable: %w", dir, err)
}

// isFull reports whether err is SQLite's SQLITE_FULL (database or disk is full).
func isFull(err error) bool {
	se, ok := errors.AsType[*sqlite.Error](err)
	return ok && se.Code()&0xff == 13 // SQLITE_FULL
}

// Bounds of the kept answers (watch.go).
const (
	maxListPages  = 256    // categories × cursors × limits
	maxNotRevoked = 10_000 // tokens seen since the last commit
)

// openSQLiteDB opens a pool of SQLite connections that keep their prepared
// statements (stmtcache.go). onWrite, if not nil, is called as each
// statement or transaction begins.
func openSQLiteDB(dsn string, onWrite func(), tracer *queryTracer) (*sql.DB, error) {
	c, err := newStmtCachingConnector(dsn, onWrite)
	if err != nil {
		return nil, err
	}
	c.tracer = tracer
	return sql.OpenDB(c), nil
}

// pingSQLite makes the writer's first connection. Switching a new database
// to WAL needs an exclusive lock, and when another process is doing the same
// SQLite answers SQLITE_BUSY at once instead of waiting busy_timeout; so
// retry for about as long as busy_timeout would have waited.
func pingSQLite(ctx context.Context, db *sql.DB) error {
	deadline := time.Now().Add(5 * time.Second)
	for {
		err := db.PingContext(ctx)
		if err == nil || !isBusy(err) || time.Now().After(deadline) {
			return err
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// ConnectTimeout bounds OpenPostgres's first connection.
const ConnectTimeout = 5 * time.Second

// OpenPostgres connects to the PostgreSQL database at url (a postgres://
// URL; pgxpool settings such as pool_max_conns are honoured) and applies
// pending migrations.
func OpenPostgres(ctx context.Context, url string) (*Store, error) {
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		// pgx masks the password in the URL it quotes.
		return nil, fmt.Errorf("sqlstore: bad database url: %w", err)
	}
	if !strings.Contains(url, "pool_max_conns") {
		// pgx's default (max(4, NumCPU)) is small for a server whose
		// requests each hold a connection briefly; stay well below
		// PostgreSQL's default max_connections of 100 so several instances fit.
		cfg.MaxConns = int32(min(32, max(10, 4*runtime.NumCPU())))
	}
	// Where we connect, for errors: never the URL, which may hold a password.
	target := fmt.Sprintf("PostgreSQL at %s:%d (database %q, user %q)", cfg.ConnConfig.Host, cfg.ConnConfig.Port, cfg.ConnConfig.Database, cfg.ConnConfig.User)
	tracer := &queryTracer{}
	cfg.ConnConfig.Tracer = tracer
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("sqlstore: connect to %s: %w", target, err)
	}
	// pgx waits for an unanswered connection as long as ctx lets it: at
	// start-up an unreachable server must fail fast and say so.
	pingCtx, cancel := context.WithTimeout(ctx, ConnectTimeout)
	err = pool.Ping(pingCtx)
	cancel()
	if err != nil {
		pool.Close()
		if errors.Is(err, context.DeadlineExceeded) && ctx.Err() == nil {
			return nil, fmt.Errorf("sqlstore: %s did not answer within %v", target, ConnectTimeout)
		}
		return nil, fmt.Errorf("sqlstore: connect to %s: %w", target, err)
	}
	db := stdlib.OpenDBFromPool(pool)
	s := &Store{w: db, r: db, pool: pool, pg: true, tracer: tracer}
	if err := s.migrate(ctx); err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
}

// Close releases the database.
func (s *Store) Close() error {
	s.forgetKeyring()
	var errs []error
	if s.watch != nil {
		errs = append(errs, s.watch.close())
	}
	if s.r != s.w {
		errs = append(errs, s.r.Close())
	}
	errs = append(errs, s.w.Close())
	if s.pool != nil {
		s.pool.Close()
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("sqlstore: close: %w", err)
	}
	return nil
}

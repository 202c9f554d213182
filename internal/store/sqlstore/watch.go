package sqlstore

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"

	"github.com/bodydouble/bodydouble/internal/readmemo"
)

// On SQLite, two reads run on every signed-in request: is the token
// revoked, and (for the lobby) the room list, which counts each room's
// participants. Both answers are kept (see versioned) for as long as
// nothing at all was committed to the database, which SQLite tells cheaply:
// PRAGMA data_version changes whenever any other connection, in this
// process (the writer) or in another process on the same file, commits. So
// a kept answer is never older than the last commit anywhere, a logout on
// any instance is seen by the next request, and any write (a join, a
// leave, a new room, a revoked token) makes the next read a fresh query.
// With a readmemo.Memo in the request's context, one look at
// data_version serves all of the request's reads. docs/performance.md
// "Caches" lists these caches with the others on the lobby path.

// watcher reads data_version, which is per connection, always on the same
// one: a read-only connection that never writes, held for good and used
// through the driver directly (database/sql's machinery would cost as much
// as the statement).
type watcher struct {
	db *sql.DB
	// writes counts statements this process began on the writer. A
	// request's memo is only trusted while it is unchanged, so a request
	// never reads a kept answer older than its own writes.
	writes atomic.Uint64

	mu   sync.Mutex
	conn *sql.Conn // nil until first use, and after a failure
	dest []driver.Value
}

func newWatcher(dsn string) (*watcher, error) {
	db, err := openSQLiteDB(dsn, nil, nil)
	if err != nil {
		return nil, err
	}
	db.SetMaxOpenConns(1)
	db.SetMaxIdleConns(1)
	db.SetConnMaxLifetime(0)
	db.SetConnMaxIdleTime(0)
	return &watcher{db: db}, nil
}

// seenVersion is what a request's memo keeps.
type seenVersion struct {
	version int64
	writes  uint64
}

// version returns data_version as of a moment after ctx's request began:
// from the request's memo when it holds one and this process wrote nothing
// since, else read now (a kept statement, a few microseconds). The read
// runs without ctx's cancellation, which would cost a goroutine per call
// for a statement that cannot run long.
func (w *watcher) version(ctx context.Context) (int64, error) {
	memo := readmemo.From(ctx)
	writes := w.writes.Load()
	if v, ok := memo.Load(w); ok {
		if seen := v.(seenVersion); seen.writes == writes {
			return seen.version, nil
		}
	}
	v, err := w.read(ctx)
	if err != nil {
		return 0, err
	}
	memo.Keep(w, seenVersion{version: v, writes: writes})
	return v, nil
}

// read runs PRAGMA data_version on the watcher's connection.
func (w *watcher) read(ctx context.Context) (int64, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.conn == nil {
		c, err := w.db.Conn(ctx)
		if err != nil {
			return 0, err
		}
		w.conn, w.dest = c, make([]driver.Value, 1)
	}
	var v int64
	err := w.conn.Raw(func(dc any) error {
		c, ok := dc.(*cachingConn)
		if !ok {
			return fmt.Errorf("sqlstore: watcher: unexpected driver connection %T", dc)
		}
		cs, err := c.stmt(ctx, "PRAGMA data_version")
		if err != nil || cs == nil {
			return errors.Join(err, errors.New("sqlstore: watcher: no statement"))
		}
		rows, err := cs.st.(driver.StmtQueryContext).QueryContext(context.Background(), nil)
		if err != nil {
			return err
		}
		err = rows.Next(w.dest)
		if cerr := rows.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return err
		}
		n, ok := w.dest[0].(int64)
		if !ok {
			return fmt.Errorf("sqlstore: watcher: data_version is %T", w.dest[0])
		}
		v = n
		return nil
	})
	if err != nil {
		// Start over with a fresh connection next time.
		_ = w.conn.Raw(func(any) error { return driver.ErrBadConn })
		_ = w.conn.Close()
		w.conn = nil
		return 0, err
	}
	return v, nil
}

func (w *watcher) wrote() { w.writes.Add(1) }

func (w *watcher) close() error {
	w.mu.Lock()
	if w.conn != nil {
		_ = w.conn.Close()
		w.conn = nil
	}
	w.mu.Unlock()
	return w.db.Close()
}

// versioned keeps answers read at one data_version. Every answer must have
// been read after that version was: it then reflects at least every commit
// the version stands for, and a later commit changes data_version, so the
// next get misses.
type versioned[K comparable, V any] struct {
	mu  sync.Mutex
	at  int64 // the data_version of the answers in m
	m   map[K]V
	max int
}

func newVersioned[K comparable, V any](max int) *versioned[K, V] {
	return &versioned[K, V]{at: -1, m: map[K]V{}, max: max}
}

func (c *versioned[K, V]) get(version int64, k K) (V, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.at != version {
		var zero V
		return zero, false
	}
	v, ok := c.m[k]
	return v, ok
}

func (c *versioned[K, V]) put(version int64, k K, v V) {
	c.mu.Lock()
	defer c.mu.Unlock()
	switch {
	case version < c.at: // data_version only grows: this answer is outdated already
		return
	case version > c.at:
		c.at = version
		clear(c.m)
	}
	if len(c.m) < c.max {
		c.m[k] = v
	}
}

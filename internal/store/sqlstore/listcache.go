package sqlstore

import (
	"context"
	"database/sql"
	"slices"
	"sync"

	"github.com/bodydouble/bodydouble/internal/store"
)

// listCache keeps the answers of ListRooms on SQLite, the lobby's query,
// which every visitor's app asks for and which counts each room's
// participants. An answer is valid while SQLite's data_version is
// unchanged: that number changes whenever any other connection, in this
// process (the writer) or in another one on the same file, commits
// anything. So the cache never serves a room list older than the last
// commit, and any write at all (a join, a leave, a new room, a revoked
// token) simply makes the next list a fresh query.
//
// data_version is per connection, so it is always read on the same one: a
// pool of exactly one read-only connection that never writes.
type listCache struct {
	watch *sql.DB

	mu    sync.Mutex
	at    int64 // the data_version the pages were read at
	pages map[store.ListRoomsOptions][]store.Room
}

// maxListPages bounds the cached answers (categories × cursors × limits).
const maxListPages = 256

func newListCache(dsn string) (*listCache, error) {
	db, err := openSQLiteDB(dsn)
	if err != nil {
		return nil, err
	}
	db.SetMaxOpenConns(1)
	db.SetMaxIdleConns(1)
	db.SetConnMaxLifetime(0)
	db.SetConnMaxIdleTime(0)
	return &listCache{watch: db, at: -1, pages: map[store.ListRoomsOptions][]store.Room{}}, nil
}

// version reads PRAGMA data_version. The statement is kept prepared and
// takes a few microseconds; it runs without ctx's cancellation, which would
// cost two goroutines per call for a statement that cannot run long.
func (c *listCache) version(ctx context.Context) (int64, error) {
	var v int64
	err := c.watch.QueryRowContext(context.WithoutCancel(ctx), "PRAGMA data_version").Scan(&v)
	return v, err
}

// get returns a copy of the answer for opts read at data_version v.
func (c *listCache) get(v int64, opts store.ListRoomsOptions) ([]store.Room, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.at != v {
		return nil, false
	}
	rooms, ok := c.pages[opts]
	return slices.Clone(rooms), ok
}

// put keeps rooms, read after data_version was v, as the answer for opts.
// The query ran after v was read, so it saw at least everything v stands
// for; a commit in between changed data_version, and the next get misses.
func (c *listCache) put(v int64, opts store.ListRoomsOptions, rooms []store.Room) {
	c.mu.Lock()
	defer c.mu.Unlock()
	switch {
	case v < c.at: // data_version only grows: this answer is already outdated
		return
	case v > c.at:
		c.at = v
		clear(c.pages)
	}
	if len(c.pages) < maxListPages {
		c.pages[opts] = slices.Clone(rooms)
	}
}

func (c *listCache) close() error { return c.watch.Close() }

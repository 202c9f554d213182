package sqlstore

import (
	"context"
	"database/sql/driver"
	"errors"
	"time"

	"modernc.org/sqlite"
)

// SQLite compiles every query before running it, and modernc's driver keeps
// no compiled statements: parsing and planning cost more than running most
// of our queries (ListRooms: 40 µs to prepare, 5 µs to run). The connector
// below wraps each SQLite connection so that it keeps its statements, keyed
// by query text, and reuses them for every Exec and Query on that
// connection, in or out of a transaction. Nothing else changes: the same
// driver, the same errors, and statements re-prepare themselves after a
// schema change as sqlite3_prepare_v2 statements do. (pgx keeps its own
// per-connection statement cache, so PostgreSQL needs none of this.)

// Bounds of the statement cache of one connection. The store's queries are a
// few dozen fixed texts; batch statements with a variable number of
// placeholders and long scripts (migrations) simply run uncached.
const (
	maxCachedStmts = 128
	maxCachedQuery = 2048
)

// stmtCachingConnector opens SQLite connections that keep their statements.
// onWrite, if not nil, is called as each statement or transaction begins
// (the writer's connector tells the watcher, see watch.go).
type stmtCachingConnector struct {
	base    driver.Connector
	onWrite func()
	tracer  *queryTracer // times statements (querytrace.go); may be nil
}

func newStmtCachingConnector(dsn string, onWrite func()) (*stmtCachingConnector, error) {
	base, err := sqlite.NewConnector(dsn)
	if err != nil {
		return nil, err
	}
	return &stmtCachingConnector{base: base, onWrite: onWrite}, nil
}

func (c *stmtCachingConnector) Connect(ctx context.Context) (driver.Conn, error) {
	conn, err := c.base.Connect(ctx)
	if err != nil {
		return nil, err
	}
	return &cachingConn{Conn: conn, stmts: map[string]*cachedStmt{}, onWrite: c.onWrite, tracer: c.tracer}, nil
}

func (c *stmtCachingConnector) Driver() driver.Driver { return c.base.Driver() }

// cachingConn is one SQLite connection with its statements. database/sql
// uses a connection from one goroutine at a time, so it needs no lock.
type cachingConn struct {
	driver.Conn
	stmts   map[string]*cachedStmt
	onWrite func()
	tracer  *queryTracer
}

func (c *cachingConn) writing() {
	if c.onWrite != nil {
		c.onWrite()
	}
}

// cachedStmt is one kept statement; busy while rows read from it are open
// (the same text run again meanwhile gets a statement of its own).
type cachedStmt struct {
	st   driver.Stmt
	busy bool
}

// The optional interfaces every modernc connection implements, forwarded
// (see sqlite.NewConnector).
var (
	_ driver.ConnBeginTx        = (*cachingConn)(nil)
	_ driver.ConnPrepareContext = (*cachingConn)(nil)
	_ driver.ExecerContext      = (*cachingConn)(nil)
	_ driver.QueryerContext     = (*cachingConn)(nil)
	_ driver.Pinger             = (*cachingConn)(nil)
	_ driver.SessionResetter    = (*cachingConn)(nil)
	_ driver.Validator          = (*cachingConn)(nil)
)

// Unwrap returns the driver's own connection.
func (c *cachingConn) Unwrap() driver.Conn { return c.Conn }

// stmt returns the kept statement for query, preparing it on first use, or
// nil when query is not to be cached or its statement is busy.
func (c *cachingConn) stmt(ctx context.Context, query string) (*cachedStmt, error) {
	if cs, ok := c.stmts[query]; ok {
		if cs.busy {
			return nil, nil
		}
		return cs, nil
	}
	if len(query) > maxCachedQuery || len(c.stmts) >= maxCachedStmts {
		return nil, nil
	}
	st, err := c.Conn.(driver.ConnPrepareContext).PrepareContext(ctx, query)
	if err != nil {
		return nil, err
	}
	cs := &cachedStmt{st: st}
	c.stmts[query] = cs
	return cs, nil
}

func (c *cachingConn) ExecContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Result, error) {
	if c.tracer.on() {
		defer c.tracer.timeSQL(query, time.Now())
	}
	c.writing()
	cs, err := c.stmt(ctx, query)
	if err != nil {
		return nil, err
	}
	if cs == nil {
		return c.Conn.(driver.ExecerContext).ExecContext(ctx, query, args)
	}
	cs.busy = true
	defer func() { cs.busy = false }()
	return cs.st.(driver.StmtExecContext).ExecContext(ctx, args)
}

func (c *cachingConn) QueryContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Rows, error) {
	if c.tracer.on() {
		defer c.tracer.timeSQL(query, time.Now()) // to the first row
	}
	c.writing() // a query may write too (UPDATE … RETURNING)
	cs, err := c.stmt(ctx, query)
	if err != nil {
		return nil, err
	}
	if cs == nil {
		return c.Conn.(driver.QueryerContext).QueryContext(ctx, query, args)
	}
	rows, err := cs.st.(driver.StmtQueryContext).QueryContext(ctx, args)
	if err != nil {
		return nil, err
	}
	cs.busy = true
	return &cachedRows{Rows: rows, cs: cs}, nil
}

// Close finalizes the kept statements, then closes the connection.
func (c *cachingConn) Close() error {
	var errs []error
	for q, cs := range c.stmts {
		errs = append(errs, cs.st.Close())
		delete(c.stmts, q)
	}
	return errors.Join(append(errs, c.Conn.Close())...)
}

func (c *cachingConn) BeginTx(ctx context.Context, opts driver.TxOptions) (driver.Tx, error) {
	c.writing()
	return c.Conn.(driver.ConnBeginTx).BeginTx(ctx, opts)
}

func (c *cachingConn) PrepareContext(ctx context.Context, query string) (driver.Stmt, error) {
	st, err := c.Conn.(driver.ConnPrepareContext).PrepareContext(ctx, query)
	if err != nil || c.onWrite == nil {
		return st, err
	}
	return writingStmt{Stmt: st, onWrite: c.onWrite}, nil
}

// writingStmt is a statement prepared on the writer: it tells as it runs.
type writingStmt struct {
	driver.Stmt
	onWrite func()
}

func (s writingStmt) ExecContext(ctx context.Context, args []driver.NamedValue) (driver.Result, error) {
	s.onWrite()
	return s.Stmt.(driver.StmtExecContext).ExecContext(ctx, args)
}

func (s writingStmt) QueryContext(ctx context.Context, args []driver.NamedValue) (driver.Rows, error) {
	s.onWrite()
	return s.Stmt.(driver.StmtQueryContext).QueryContext(ctx, args)
}

func (c *cachingConn) Ping(ctx context.Context) error { return c.Conn.(driver.Pinger).Ping(ctx) }

func (c *cachingConn) ResetSession(ctx context.Context) error {
	return c.Conn.(driver.SessionResetter).ResetSession(ctx)
}

func (c *cachingConn) IsValid() bool { return c.Conn.(driver.Validator).IsValid() }

// cachedRows frees its statement for reuse when closed.
type cachedRows struct {
	driver.Rows
	cs *cachedStmt
}

func (r *cachedRows) Close() error {
	err := r.Rows.Close()
	r.cs.busy = false
	return err
}

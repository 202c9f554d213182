package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	"modernc.org/sqlite"
)

// This file holds every difference between the two dialects:
//   - placeholders: queries use ?, rebound to $n for PostgreSQL;
//   - times: SQLite stores INTEGER Unix milliseconds, PostgreSQL timestamptz;
//   - row locks: PostgreSQL needs FOR NO KEY UPDATE where SQLite's single
//     writer already serialises;
//   - advisory locks (PostgreSQL only);
//   - constraint-violation error codes.
// JSON columns are text in SQLite and jsonb in PostgreSQL; both take and
// give JSON text, so they need no special handling.

// querier is what *sql.DB and *sql.Tx have in common.
type querier interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// q adapts a query written with ? placeholders to the dialect.
func (s *Store) q(query string) string {
	if !s.pg {
		return query
	}
	return rebind(query)
}

// rebind turns ? placeholders into $1, $2, ... outside string literals.
func rebind(query string) string {
	var b strings.Builder
	b.Grow(len(query) + 16)
	n := 0
	inString := false
	for i := 0; i < len(query); i++ {
		c := query[i]
		switch {
		case c == '\'':
			inString = !inString
		case c == '?' && !inString:
			n++
			b.WriteByte('$')
			b.WriteString(strconv.Itoa(n))
			continue
		}
		b.WriteByte(c)
	}
	return b.String()
}

// forUpdate is appended to a SELECT of one row that the transaction will
// change or that orders concurrent transactions. NO KEY UPDATE (rather than
// UPDATE) does not block foreign-key checks of rows that reference the locked one.
func (s *Store) forUpdate() string {
	if s.pg {
		return " FOR NO KEY UPDATE"
	}
	return ""
}

// Advisory lock keys (PostgreSQL). Arbitrary constants, "bd" + a number.
const (
	lockMigrate   int64 = 0x62640001
	lockQuickJoin int64 = 0x62640002
)

// advisoryXactLock takes a transaction-level advisory lock on PostgreSQL; on
// SQLite the immediate transaction already excludes every other writer.
func (s *Store) advisoryXactLock(ctx context.Context, tx *sql.Tx, key int64) error {
	if !s.pg {
		return nil
	}
	_, err := tx.ExecContext(ctx, "SELECT pg_advisory_xact_lock($1)", key)
	return err
}

// ms truncates t to the stored precision, in UTC.
func ms(t time.Time) time.Time { return t.UTC().Truncate(time.Millisecond) }

// ts converts a time to a query argument of the dialect's time column.
func (s *Store) ts(t time.Time) any {
	if s.pg {
		return ms(t)
	}
	return t.UnixMilli()
}

// tsPtr is ts for an optional time (nil gives NULL).
func (s *Store) tsPtr(t *time.Time) any {
	if t == nil {
		return nil
	}
	return s.ts(*t)
}

// timeCol scans a non-null time column of either dialect.
type timeCol struct{ dst *time.Time }

func (c timeCol) Scan(src any) error {
	switch v := src.(type) {
	case int64:
		*c.dst = time.UnixMilli(v).UTC()
	case time.Time:
		*c.dst = ms(v)
	default:
		return fmt.Errorf("unexpected time value %T", src)
	}
	return nil
}

// nullTimeCol scans a nullable time column; NULL gives nil.
type nullTimeCol struct{ dst **time.Time }

func (c nullTimeCol) Scan(src any) error {
	if src == nil {
		*c.dst = nil
		return nil
	}
	var t time.Time
	if err := (timeCol{&t}).Scan(src); err != nil {
		return err
	}
	*c.dst = &t
	return nil
}

// jsonCol scans a JSON column into dst; NULL leaves dst unchanged.
type jsonCol struct{ dst any }

func (c jsonCol) Scan(src any) error {
	switch v := src.(type) {
	case nil:
		return nil
	case string:
		return json.Unmarshal([]byte(v), c.dst)
	case []byte:
		return json.Unmarshal(v, c.dst)
	default:
		return fmt.Errorf("unexpected json value %T", src)
	}
}

// jsonArg encodes v as JSON text for a JSON column.
func jsonArg(v any) (string, error) {
	b, err := json.Marshal(v)
	return string(b), err
}

// strList returns l, or an empty list for nil, so JSON holds [] and never null.
func strList(l []string) []string {
	if l == nil {
		return []string{}
	}
	return l
}

// strPtrArg gives NULL for a nil pointer.
func strPtrArg(p *string) any {
	if p == nil {
		return nil
	}
	return *p
}

// intPtrArg gives NULL for a nil pointer.
func intPtrArg(p *int) any {
	if p == nil {
		return nil
	}
	return *p
}

// nullStr converts a scanned nullable string to a pointer.
func nullStr(n sql.NullString) *string {
	if !n.Valid {
		return nil
	}
	v := n.String
	return &v
}

// nullInt converts a scanned nullable integer to a pointer.
func nullInt(n sql.NullInt64) *int {
	if !n.Valid {
		return nil
	}
	v := int(n.Int64)
	return &v
}

// SQLite extended result codes (sqlite3.h).
const (
	sqliteConstraintForeignKey = 787
	sqliteConstraintPrimaryKey = 1555
	sqliteConstraintUnique     = 2067
)

// isUniqueViolation reports whether err is a unique or primary-key violation.
func isUniqueViolation(err error) bool {
	if pe, ok := errors.AsType[*pgconn.PgError](err); ok {
		return pe.Code == "23505"
	}
	if se, ok := errors.AsType[*sqlite.Error](err); ok {
		return se.Code() == sqliteConstraintUnique || se.Code() == sqliteConstraintPrimaryKey
	}
	return false
}

// isForeignKeyViolation reports whether err is a foreign-key violation.
func isForeignKeyViolation(err error) bool {
	if pe, ok := errors.AsType[*pgconn.PgError](err); ok {
		return pe.Code == "23503"
	}
	if se, ok := errors.AsType[*sqlite.Error](err); ok {
		return se.Code() == sqliteConstraintForeignKey
	}
	return false
}

// isBusy reports whether err is SQLite's SQLITE_BUSY or SQLITE_LOCKED
// (any extended code).
func isBusy(err error) bool {
	se, ok := errors.AsType[*sqlite.Error](err)
	return ok && (se.Code()&0xff == 5 || se.Code()&0xff == 6)
}

// isRetryable reports whether a PostgreSQL transaction failed only because
// of a deadlock or serialization failure and may simply be run again.
func isRetryable(err error) bool {
	pe, ok := errors.AsType[*pgconn.PgError](err)
	return ok && (pe.Code == "40P01" || pe.Code == "40001")
}

// placeholders returns "?, ?, ..." with n placeholders.
func placeholders(n int) string {
	if n == 0 {
		return ""
	}
	return strings.Repeat("?, ", n-1) + "?"
}

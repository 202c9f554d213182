package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/bodydouble/bodydouble/internal/model"
)

// Reads that the store's lists share.

// rowScanner is what *sql.Row and *sql.Rows have in common.
type rowScanner = interface{ Scan(...any) error }

// queryAll runs a read on db and scans each row with scan. No rows is an
// empty slice, never nil (clients get [] rather than null).
func queryAll[T any](ctx context.Context, db querier, query string, args []any, scan func(rowScanner) (T, error)) ([]T, error) {
	rows, err := db.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	xs := []T{}
	for rows.Next() {
		x, err := scan(rows)
		if err != nil {
			return nil, err
		}
		xs = append(xs, x)
	}
	return xs, rows.Err()
}

// cursorTime reads the time a pagination cursor stands at: query selects
// one time column of the row id names. A missing row is ErrNotFound, named
// what (for example "cursor room") and id.
func (s *Store) cursorTime(ctx context.Context, what, id, query string, args ...any) (time.Time, error) {
	var t time.Time
	err := s.r.QueryRowContext(ctx, s.q(query), args...).Scan(timeCol{&t})
	if errors.Is(err, sql.ErrNoRows) {
		err = fmt.Errorf("%s %q: %w", what, id, model.ErrNotFound)
	}
	return t, err
}

// orderLimit ends a paged list query: ORDER BY order and, when limit > 0,
// LIMIT limit.
func orderLimit(query string, args []any, order string, limit int) (string, []any) {
	query += " ORDER BY " + order
	if limit > 0 {
		query += " LIMIT ?"
		args = append(args, limit)
	}
	return query, args
}

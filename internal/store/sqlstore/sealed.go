package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"sync"

	"github.com/bodydouble/bodydouble/internal/keyring"
)

// Encryption at rest. With a keyring (UseKeyring), the store seals what
// people write about themselves before it reaches the database: session
// goals and achievements, and report notes. Every read opens them again,
// so every caller of the store sees plain text. Values written before the
// store had a keyring are plain; they are still read as they are, and
// Reencrypt seals them.
//
// Each value is sealed for its place, "<table>.<column>:<row id>" (see
// place): a sealed value copied into another row or column does not open.
// A sealed value that does not open (changed or moved in the database, or
// sealed by a key the keyring no longer holds) is an error, logged
// without its content, and never returned as text.
//
// The scanners of sessions and reports (scanSession, scanReport) are
// plain functions, shared by every file that reads those rows, so they
// open values with the keyring of whichever open store holds the key id
// the value names. A server process has one keyring; tests that open
// stores with different keyrings in one process should know that each
// store can then read the others' values. Key ids are random, so keys of
// different keyrings are not confused.

// sealer is an open store's keyring and where its failures are logged.
type sealer struct {
	keys *keyring.Keyring
	log  *slog.Logger
}

var sealers = struct {
	sync.RWMutex
	m map[*Store]sealer
}{m: map[*Store]sealer{}}

// UseKeyring makes s seal goals, achievements and report notes with k's
// active key, and open values sealed by any key k holds. Call it once,
// right after opening and before s is used. log receives the values that
// cannot be opened (nil: slog.Default()).
func (s *Store) UseKeyring(k *keyring.Keyring, log *slog.Logger) {
	if log == nil {
		log = slog.Default()
	}
	s.keys = k
	sealers.Lock()
	sealers.m[s] = sealer{keys: k, log: log}
	sealers.Unlock()
}

// forgetKeyring undoes UseKeyring (on Close).
func (s *Store) forgetKeyring() {
	sealers.Lock()
	delete(sealers.m, s)
	sealers.Unlock()
}

// place is what a value is sealed for: where it is stored.
func place(table, column, id string) string { return table + "." + column + ":" + id }

// sealText returns v sealed for its place, or v itself without a keyring.
func (s *Store) sealText(v, place string) string {
	if s.keys == nil {
		return v
	}
	return s.keys.Seal([]byte(v), place)
}

// sealJSON returns v as JSON text, sealed for its place.
func (s *Store) sealJSON(v any, place string) (string, error) {
	j, err := jsonArg(v)
	if err != nil {
		return "", err
	}
	return s.sealText(j, place), nil
}

// openText returns the plain text of a column value: v itself if it is
// not sealed, else v opened for its place by the keyring holding its
// key. Its errors are *unreadableError.
func openText(v, place string) (string, error) {
	kid, ok := keyring.KeyID(v)
	if !ok {
		return v, nil
	}
	sealers.RLock()
	defer sealers.RUnlock()
	// Until a keyring holding the key fails, the error is "unknown key",
	// logged by any open store's log.
	e := &unreadableError{log: slog.Default(), err: fmt.Errorf("%w: key %q", keyring.ErrUnknownKey, kid)}
	for _, r := range sealers.m {
		if !r.keys.Has(kid) {
			if errors.Is(e.err, keyring.ErrUnknownKey) {
				e.log = r.log
			}
			continue
		}
		pt, err := r.keys.Open(v, place)
		if err == nil {
			return string(pt), nil
		}
		e.log, e.err = r.log, err
	}
	return "", e
}

// unreadableError is a sealed value that did not open, with the log of
// the store that tried.
type unreadableError struct {
	log *slog.Logger
	err error
}

func (e *unreadableError) Error() string { return e.err.Error() }
func (e *unreadableError) Unwrap() error { return e.err }

// logUnreadable logs, if err is a sealed value that did not open, which
// row of which table and which key: never the value.
func logUnreadable(table, id string, err error) {
	if e, ok := errors.AsType[*unreadableError](err); ok {
		e.log.Error("sqlstore: a sealed value cannot be read; it is not shown", "table", table, "id", id, "err", e.err)
	}
}

// sealedJSONCol scans a JSON column that may be sealed into dst. The row
// id is read from id when the column is scanned: database/sql scans
// columns in order, so the id must be selected before this column.
type sealedJSONCol struct {
	dst           any
	table, column string
	id            *string
}

func (c sealedJSONCol) Scan(src any) error {
	v, ok, err := srcText(src)
	if err != nil || !ok {
		return err
	}
	pt, err := openText(v, place(c.table, c.column, *c.id))
	if err != nil {
		return err
	}
	return json.Unmarshal([]byte(pt), c.dst)
}

// sealedTextCol scans a text column that may be sealed into dst; id as
// for sealedJSONCol.
type sealedTextCol struct {
	dst           *string
	table, column string
	id            *string
}

func (c sealedTextCol) Scan(src any) error {
	v, ok, err := srcText(src)
	if err != nil || !ok {
		return err
	}
	*c.dst, err = openText(v, place(c.table, c.column, *c.id))
	return err
}

func srcText(src any) (string, bool, error) {
	switch v := src.(type) {
	case nil:
		return "", false, nil
	case string:
		return v, true, nil
	case []byte:
		return string(v), true, nil
	default:
		return "", false, fmt.Errorf("unexpected text value %T", src)
	}
}

// sealedColumns are the tables and columns that hold sealed values.
var sealedColumns = []struct {
	table string
	cols  []string
}{
	{"focus_sessions", []string{"goals", "achievements"}},
	{"reports", []string{"note"}},
}

// ReencryptResult is what Reencrypt did.
type ReencryptResult struct {
	// Rewritten rows, now wholly sealed with the active key.
	Rewritten int
	// Unreadable rows, left as they are (each is logged).
	Unreadable int
}

// Reencrypt seals with the active key every sealed column value that is
// plain or sealed with another key, batch rows at a time (one SELECT per
// batch, then one transaction of updates), while the store serves. Each
// update applies only if the row still holds what was read, so a value
// changed meanwhile is left to the next pass. It repeats whole passes
// until one rewrites nothing, so rows written with an older key during a
// pass are caught by the next. Without a keyring it does nothing.
func (s *Store) Reencrypt(ctx context.Context, batch int) (ReencryptResult, error) {
	var total ReencryptResult
	if s.keys == nil {
		return total, nil
	}
	for {
		var pass ReencryptResult
		for _, t := range sealedColumns {
			after := ""
			for {
				r, last, err := s.reencryptBatch(ctx, t.table, t.cols, after, batch)
				if err != nil {
					return total, fmt.Errorf("sqlstore: re-encrypt %s: %w", t.table, err)
				}
				pass.Rewritten += r.Rewritten
				pass.Unreadable += r.Unreadable
				if last == "" {
					break
				}
				after = last
			}
		}
		total.Rewritten += pass.Rewritten
		total.Unreadable = pass.Unreadable // the same rows again each pass
		if pass.Rewritten == 0 {
			return total, nil
		}
	}
}

// reencryptBatch rewrites up to batch rows of table with ids above after
// that are not wholly sealed with the active key. last is the id of the
// last row read, "" when there were none.
func (s *Store) reencryptBatch(ctx context.Context, table string, cols []string, after string, batch int) (ReencryptResult, string, error) {
	var res ReencryptResult
	current := keyring.Prefix + s.keys.Current() + ":%"
	where, args := "", []any{after}
	for i, c := range cols {
		if i > 0 {
			where += " AND "
		}
		where += c + " LIKE ?"
		args = append(args, current)
	}
	args = append(args, batch)
	list := ""
	for _, c := range cols {
		list += ", " + c
	}
	rows, err := queryAll(ctx, s.r, s.q("SELECT id"+list+" FROM "+table+" WHERE id > ? AND NOT ("+where+") ORDER BY id LIMIT ?"), args,
		func(sc rowScanner) ([]string, error) {
			vals := make([]string, len(cols)+1)
			ptrs := make([]any, len(vals))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			return vals, sc.Scan(ptrs...)
		})
	if err != nil || len(rows) == 0 {
		return res, "", err
	}
	set := ""
	for i, c := range cols {
		if i > 0 {
			set += ", "
		}
		set += c + " = ?"
	}
	err = s.withTx(ctx, func(tx *sql.Tx) error {
		res = ReencryptResult{}
		for _, row := range rows {
			id, old := row[0], row[1:]
			args := make([]any, 0, 2*len(cols)+1)
			ok := true
			for i, v := range old {
				pt, err := openText(v, place(table, cols[i], id))
				if err != nil {
					logUnreadable(table, id, err)
					res.Unreadable++
					ok = false
					break
				}
				args = append(args, s.sealText(pt, place(table, cols[i], id)))
			}
			if !ok {
				continue
			}
			args = append(args, id)
			cond := ""
			for i, c := range cols {
				cond += " AND " + c + " = ?"
				args = append(args, old[i])
			}
			r, err := tx.ExecContext(ctx, s.q("UPDATE "+table+" SET "+set+" WHERE id = ?"+cond), args...)
			if err != nil {
				return err
			}
			if n, _ := r.RowsAffected(); n > 0 {
				res.Rewritten++
			}
		}
		return nil
	})
	return res, rows[len(rows)-1][0], err
}

// SealedWith counts the rows holding a value sealed with key id: while
// any does, the key cannot retire.
func (s *Store) SealedWith(ctx context.Context, id string) (int64, error) {
	prefix := keyring.Prefix + id + ":%"
	var total int64
	for _, t := range sealedColumns {
		where, args := "", []any{}
		for i, c := range t.cols {
			if i > 0 {
				where += " OR "
			}
			where += c + " LIKE ?"
			args = append(args, prefix)
		}
		var n int64
		if err := s.r.QueryRowContext(ctx, s.q("SELECT COUNT(*) FROM "+t.table+" WHERE "+where), args...).Scan(&n); err != nil {
			return 0, fmt.Errorf("sqlstore: sealed with %q: %w", id, err)
		}
		total += n
	}
	return total, nil
}

package sqlstore

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/bodydouble/bodydouble/internal/keyring"
)

// What `bodydouble restore` (internal/backup) asks of an SQLite database
// file it has not opened as a store: which schema this binary knows, and
// which keys the file's sealed values need.

// SQLiteSchemaVersion is the newest SQLite migration embedded in this
// binary: a database whose schema_migrations holds a higher version was
// made by a newer one.
func SQLiteSchemaVersion() (int, error) {
	ms, err := (&Store{}).migrations()
	if err != nil {
		return 0, fmt.Errorf("sqlstore: migrations: %w", err)
	}
	if len(ms) == 0 {
		return 0, nil
	}
	return ms[len(ms)-1].version, nil
}

// SQLiteMigrationKnown reports whether version is one of this binary's
// SQLite migrations.
func SQLiteMigrationKnown(version int) bool {
	ms, err := (&Store{}).migrations()
	if err != nil {
		return false
	}
	for _, m := range ms {
		if m.version == version {
			return true
		}
	}
	return false
}

// SQLiteSealedKeys counts, per key id, the values in db (an SQLite
// database opened with any driver) sealed with that key: the keys
// a keyring must hold for every sealed value to open. Only the start of
// each value is read.
func SQLiteSealedKeys(ctx context.Context, db *sql.DB) (map[string]int64, error) {
	keys := map[string]int64{}
	for _, t := range sealedColumns {
		for _, c := range t.cols {
			rows, err := db.QueryContext(ctx, "SELECT substr("+c+", 1, 64) FROM "+t.table+" WHERE "+c+" LIKE ?", keyring.Prefix+"%")
			if err != nil {
				return nil, fmt.Errorf("sqlstore: sealed keys of %s.%s: %w", t.table, c, err)
			}
			for rows.Next() {
				var v string
				if err := rows.Scan(&v); err != nil {
					rows.Close()
					return nil, fmt.Errorf("sqlstore: sealed keys of %s.%s: %w", t.table, c, err)
				}
				if id, ok := keyring.KeyID(v); ok {
					keys[id]++
				}
			}
			err = rows.Err()
			rows.Close()
			if err != nil {
				return nil, fmt.Errorf("sqlstore: sealed keys of %s.%s: %w", t.table, c, err)
			}
		}
	}
	return keys, nil
}

package sqlstore

import (
	"context"
	"database/sql"
	"embed"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strconv"
	"strings"

	"github.com/bodydouble/bodydouble/internal/model"
)

//go:embed migrations
var migrationFS embed.FS

// migration is one embedded SQL file, named NNNN_description.sql.
type migration struct {
	version int
	name    string
	sql     string
}

// migrations lists the dialect's migrations in version order.
func (s *Store) migrations() ([]migration, error) {
	dir := "migrations/sqlite"
	if s.pg {
		dir = "migrations/postgres"
	}
	entries, err := fs.ReadDir(migrationFS, dir)
	if err != nil {
		return nil, err
	}
	var ms []migration
	for _, e := range entries {
		name := e.Name()
		if e.IsDir() || !strings.HasSuffix(name, ".sql") {
			continue
		}
		prefix, _, _ := strings.Cut(name, "_")
		v, err := strconv.Atoi(prefix)
		if err != nil {
			return nil, fmt.Errorf("migration %s: name must start with a number", name)
		}
		body, err := fs.ReadFile(migrationFS, path.Join(dir, name))
		if err != nil {
			return nil, err
		}
		ms = append(ms, migration{version: v, name: name, sql: string(body)})
	}
	sort.Slice(ms, func(i, j int) bool { return ms[i].version < ms[j].version })
	return ms, nil
}

// migrate applies pending migrations in one transaction. Several processes
// may open the same empty database at once: on PostgreSQL the transaction
// first takes an advisory lock; on SQLite the transaction is IMMEDIATE, so it
// holds the write lock from BEGIN. Either way the second process waits, then
// finds the migrations recorded and applies nothing.
func (s *Store) migrate(ctx context.Context) error {
	ms, err := s.migrations()
	if err != nil {
		return fmt.Errorf("sqlstore: migrate: %w", err)
	}
	err = s.withTx(ctx, func(tx *sql.Tx) error {
		if err := s.advisoryXactLock(ctx, tx, lockMigrate); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
			version INTEGER PRIMARY KEY,
			name    TEXT NOT NULL
		)`); err != nil {
			return err
		}
		known := map[int]bool{}
		for _, m := range ms {
			known[m.version] = true
		}
		applied := map[int]bool{}
		newer := "" // the first contract migration of a newer release, if any
		rows, err := tx.QueryContext(ctx, "SELECT version, name FROM schema_migrations ORDER BY version")
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var v int
			var name string
			if err := rows.Scan(&v, &name); err != nil {
				return err
			}
			applied[v] = true
			if !known[v] && newer == "" && isContract(name) {
				newer = name
			}
		}
		if err := rows.Err(); err != nil {
			return err
		}
		rows.Close()
		// A newer release's expand migrations only add what this binary
		// ignores, so it runs on that schema (a rolling upgrade, a
		// rollback). A contract migration removed or changed something
		// older releases may use: refuse rather than fail request by request.
		if newer != "" {
			return fmt.Errorf("the database has migration %s of a newer release, which removes or changes what this release may use: run that release or a newer one", newer)
		}
		for _, m := range ms {
			if applied[m.version] {
				continue
			}
			if _, err := tx.ExecContext(ctx, m.sql); err != nil {
				return fmt.Errorf("%s: %w", m.name, err)
			}
			if step := migrationSteps[m.version]; step != nil {
				if err := step(s, ctx, tx); err != nil {
					return fmt.Errorf("%s (Go step): %w", m.name, err)
				}
			}
			if _, err := tx.ExecContext(ctx, s.q("INSERT INTO schema_migrations (version, name) VALUES (?, ?)"),
				m.version, m.name); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("sqlstore: migrate: %w", err)
	}
	return nil
}

// isContract reports whether a migration file is a contract step: named
// NNNN_contract_<what>.sql, it drops, renames or tightens what an older
// release may still use, so it may run only once every instance runs a
// release that no longer uses it (docs/operations.md "Upgrading"). Every
// other migration only expands the schema.
func isContract(name string) bool {
	_, rest, _ := strings.Cut(name, "_")
	return strings.HasPrefix(rest, "contract_")
}

// migrationSteps are Go steps of migrations, by version: each runs right
// after that migration's SQL, in the same transaction (so under the same
// lock, exactly once), for what SQL cannot do alike in both dialects.
var migrationSteps = map[int]func(s *Store, ctx context.Context, tx *sql.Tx) error{
	4: (*Store).backfillAvatarVersions,
}

// avatarBackfillBatch bounds the avatars read (up to 32 KB each) and the
// rows updated per statement while backfilling.
const avatarBackfillBatch = 100

// backfillAvatarVersions sets avatar_version of every user who has an
// avatar, with the very function every write uses (model.AvatarVersion),
// so that URLs browsers already cached stay the same. In Go rather than
// SQL: SQLite has no SHA-256, and PostgreSQL's would hash the text in the
// database's encoding rather than the bytes Go hashed until now. Pages by
// id, so memory stays at one batch of avatars however many there are.
func (s *Store) backfillAvatarVersions(ctx context.Context, tx *sql.Tx) error {
	after := ""
	for {
		rows, err := tx.QueryContext(ctx, s.q(`SELECT id, avatar_url FROM users
			WHERE avatar_url IS NOT NULL AND id > ? ORDER BY id LIMIT ?`), after, avatarBackfillBatch)
		if err != nil {
			return err
		}
		args := make([]any, 0, 2*avatarBackfillBatch)
		for rows.Next() {
			var id, avatar string
			if err := rows.Scan(&id, &avatar); err != nil {
				rows.Close()
				return err
			}
			args = append(args, id, model.AvatarVersion(avatar))
			after = id
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		if len(args) == 0 {
			return nil
		}
		// One statement per batch; the rows are closed first, as
		// PostgreSQL runs one statement at a time on a connection.
		q := "WITH v(id, version) AS (VALUES " + strings.Repeat("(?, ?), ", len(args)/2-1) + `(?, ?))
			UPDATE users SET avatar_version = v.version FROM v WHERE users.id = v.id`
		if _, err := tx.ExecContext(ctx, s.q(q), args...); err != nil {
			return err
		}
	}
}

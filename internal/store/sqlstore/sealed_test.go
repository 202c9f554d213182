package sqlstore_test

import (
	"database/sql"
	"path/filepath"
	"strconv"
	"testing"

	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" driver, for raw access

	"github.com/bodydouble/bodydouble/internal/store/sqlstore"
	"github.com/bodydouble/bodydouble/internal/store/storetest"
)

func TestSealedSQLite(t *testing.T) {
	dir := t.TempDir()
	open := func(t testing.TB) *sqlstore.Store {
		s, err := sqlstore.OpenSQLite(t.Context(), dir)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		return s
	}
	open(t) // creates the schema before the raw connection looks
	raw, err := sql.Open("sqlite", filepath.Join(dir, sqlstore.SQLiteFile))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { raw.Close() })
	storetest.RunSealed(t, storetest.SealedBackend{
		Open: open, Raw: raw,
		Tables:      "SELECT name FROM sqlite_master WHERE type = 'table'",
		Placeholder: func(int) string { return "?" },
	})
}

func TestSealedPostgres(t *testing.T) {
	url := storetest.PostgresURL(t)
	open := func(t testing.TB) *sqlstore.Store {
		s, err := sqlstore.OpenPostgres(t.Context(), url)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		return s
	}
	open(t)
	raw, err := sql.Open("pgx", url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { raw.Close() })
	storetest.RunSealed(t, storetest.SealedBackend{
		Open: open, Raw: raw,
		Tables:      "SELECT tablename FROM pg_tables WHERE schemaname = 'public'",
		Placeholder: func(i int) string { return "$" + strconv.Itoa(i) },
	})
}

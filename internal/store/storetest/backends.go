// Package storetest is the contract suite every store.Store implementation
// must pass, plus helpers that open throwaway stores for other packages' tests.
package storetest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/bodydouble/bodydouble/internal/store"
	"github.com/bodydouble/bodydouble/internal/store/sqlstore"
)

// PostgresEnv names the environment variable holding the URL of a PostgreSQL
// server for tests, e.g.
// postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable. The role must
// be allowed to create databases. Unset, PostgreSQL tests are skipped.
const PostgresEnv = "BODYDOUBLE_TEST_DATABASE_URL"

// Backend is one store implementation for tests to run against.
type Backend struct {
	Name string
	Open func(t testing.TB) store.Store
}

// Backends lists every implementation: sqlite always, postgres when
// PostgresEnv is set (its Open skips the test otherwise).
func Backends() []Backend {
	return []Backend{
		{Name: "sqlite", Open: OpenSQLite},
		{Name: "postgres", Open: OpenPostgres},
	}
}

// OpenSQLite opens a store on a fresh SQLite database in t.TempDir(),
// closed when the test ends.
func OpenSQLite(t testing.TB) store.Store {
	t.Helper()
	s, err := sqlstore.OpenSQLite(t.Context(), t.TempDir())
	return opened(t, "sqlite", s, err)
}

// OpenPostgres opens a store on a fresh PostgreSQL database (see
// PostgresURL), closed and dropped when the test ends. It skips the test
// when PostgresEnv is unset.
func OpenPostgres(t testing.TB) store.Store {
	t.Helper()
	u := PostgresURL(t)
	s, err := sqlstore.OpenPostgres(t.Context(), u)
	// Its Close is registered after PostgresURL's cleanup, so it runs
	// before the DROP.
	return opened(t, "postgres", s, err)
}

// opened fails the test if opening the kind store failed, and closes the
// store when the test ends.
func opened(t testing.TB, kind string, s *sqlstore.Store, err error) store.Store {
	t.Helper()
	if err != nil {
		t.Fatalf("open %s store: %v", kind, err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Errorf("close %s store: %v", kind, err)
		}
	})
	return s
}

// PostgresURL creates an empty database named bd_test_<random> on the
// server at PostgresEnv and returns its URL; the database is dropped (with
// any connections still open to it) when the test ends. It skips the test
// when PostgresEnv is unset. Use it for tests that open the database
// themselves, for example by starting server processes.
func PostgresURL(t testing.TB) string {
	t.Helper()
	admin := os.Getenv(PostgresEnv)
	if admin == "" {
		t.Skip(PostgresEnv + " is not set")
	}
	u, err := url.Parse(admin)
	if err != nil {
		t.Fatalf("%s: %v", PostgresEnv, err)
	}
	name := "bd_test_" + randomHex(8)
	// The name is ours (hex digits), so it is safe to put in the statement.
	if err := adminExec(admin, "CREATE DATABASE "+name); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := adminExec(admin, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)"); err != nil {
			t.Error(err)
		}
	})
	u.Path = "/" + name
	return u.String()
}

// adminExec runs one statement on the admin database. It does not use
// t.Context(), which is already cancelled when cleanups run.
func adminExec(adminURL, stmt string) error {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	conn, err := pgx.Connect(ctx, adminURL)
	if err != nil {
		return fmt.Errorf("connect to %s: %w", PostgresEnv, err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, stmt); err != nil {
		return fmt.Errorf("%s: %w", stmt, err)
	}
	return nil
}

func randomHex(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return hex.EncodeToString(b)
}

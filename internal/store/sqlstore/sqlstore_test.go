package sqlstore_test

import (
	"context"
	"database/sql"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/bodydouble/bodydouble/internal/model"
	"github.com/bodydouble/bodydouble/internal/store/sqlstore"
	"github.com/bodydouble/bodydouble/internal/store/storetest"
)

func TestSQLite(t *testing.T) { storetest.Run(t, storetest.OpenSQLite) }

func TestPostgres(t *testing.T) { storetest.Run(t, storetest.OpenPostgres) }

// migrationCount is the number of migration files of a dialect.
func migrationCount(t *testing.T, dialect string) int {
	t.Helper()
	entries, err := os.ReadDir(filepath.Join("migrations", dialect))
	if err != nil {
		t.Fatal(err)
	}
	return len(entries)
}

// openConcurrently opens four stores on one empty database at the same
// moment; all must succeed and see each other's writes.
func openConcurrently(t *testing.T, open func(ctx context.Context) (*sqlstore.Store, error)) {
	t.Helper()
	ctx := t.Context()
	stores := make([]*sqlstore.Store, 4)
	errs := make([]error, len(stores))
	start := make(chan struct{})
	done := make(chan int)
	for i := range stores {
		go func() {
			<-start
			stores[i], errs[i] = open(ctx)
			done <- i
		}()
	}
	close(start)
	for range stores {
		<-done
	}
	for i, err := range errs {
		if err != nil {
			t.Fatalf("open %d: %v", i, err)
		}
		t.Cleanup(func() { stores[i].Close() })
	}
	u := model.User{ID: uuid.NewString(), AnonymousID: uuid.NewString(), DisplayName: "shared", CreatedAt: time.Now()}
	if err := stores[0].CreateUser(ctx, u); err != nil {
		t.Fatal(err)
	}
	if _, err := stores[1].GetUser(ctx, u.ID); err != nil {
		t.Fatalf("second store does not see the first one's user: %v", err)
	}
}

func TestConcurrentOpenSQLite(t *testing.T) {
	dir := t.TempDir()
	openConcurrently(t, func(ctx context.Context) (*sqlstore.Store, error) { return sqlstore.OpenSQLite(ctx, dir) })

	db, err := sql.Open("sqlite", filepath.Join(dir, sqlstore.SQLiteFile))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var n int
	if err := db.QueryRow("SELECT COUNT(*) FROM schema_migrations").Scan(&n); err != nil {
		t.Fatal(err)
	}
	if want := migrationCount(t, "sqlite"); n != want {
		t.Errorf("schema_migrations has %d rows, want %d", n, want)
	}
}

func TestConcurrentOpenPostgres(t *testing.T) {
	url := storetest.PostgresURL(t)
	openConcurrently(t, func(ctx context.Context) (*sqlstore.Store, error) { return sqlstore.OpenPostgres(ctx, url) })

	conn, err := pgx.Connect(t.Context(), url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	var n int
	if err := conn.QueryRow(t.Context(), "SELECT COUNT(*) FROM schema_migrations").Scan(&n); err != nil {
		t.Fatal(err)
	}
	if want := migrationCount(t, "postgres"); n != want {
		t.Errorf("schema_migrations has %d rows, want %d", n, want)
	}
}

func TestSQLiteDataDir(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "nested", "data")
	s, err := sqlstore.OpenSQLite(t.Context(), dir)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	info, err := os.Stat(dir)
	if err != nil {
		t.Fatal(err)
	}
	if perm := info.Mode().Perm(); perm != 0o700 {
		t.Errorf("data dir mode %v, want 0700", perm)
	}
	info, err = os.Stat(filepath.Join(dir, sqlstore.SQLiteFile))
	if err != nil {
		t.Fatalf("database file: %v", err)
	}
	if perm := info.Mode().Perm(); perm != 0o600 {
		t.Errorf("database file mode %v, want 0600", perm)
	}
}

// reopen writes through one store, closes it, and reads through a second
// store on the same database.
func reopen(t *testing.T, open func(ctx context.Context) (*sqlstore.Store, error)) {
	ctx := t.Context()
	s, err := open(ctx)
	if err != nil {
		t.Fatal(err)
	}
	u := model.User{ID: uuid.NewString(), AnonymousID: uuid.NewString(), DisplayName: "kept", CreatedAt: time.Now()}
	if err := s.CreateUser(ctx, u); err != nil {
		t.Fatal(err)
	}
	r, err := s.CreateRoom(ctx, model.Room{Name: "kept", Category: "study", IsActive: true})
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	if _, err := s.JoinRoom(ctx, r.ID, u.ID, now, now.Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	secret, err := s.Secret(ctx, func() string { return uuid.NewString() })
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}

	s, err = open(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if _, err := s.GetUser(ctx, u.ID); err != nil {
		t.Errorf("user after reopening: %v", err)
	}
	if cur, err := s.CurrentRoom(ctx, u.ID); err != nil || cur != r.ID {
		t.Errorf("CurrentRoom after reopening = %q, %v; want %q", cur, err, r.ID)
	}
	got, err := s.Secret(ctx, func() string { t.Error("secret generated again"); return "" })
	if err != nil || got != secret {
		t.Errorf("Secret after reopening = %q, %v; want %q", got, err, secret)
	}
}

func TestReopenSQLite(t *testing.T) {
	dir := t.TempDir()
	reopen(t, func(ctx context.Context) (*sqlstore.Store, error) { return sqlstore.OpenSQLite(ctx, dir) })
}

func TestReopenPostgres(t *testing.T) {
	url := storetest.PostgresURL(t)
	reopen(t, func(ctx context.Context) (*sqlstore.Store, error) { return sqlstore.OpenPostgres(ctx, url) })
}

func TestOpenPostgresBadURL(t *testing.T) {
	_, err := sqlstore.OpenPostgres(t.Context(), "postgres://nobody@127.0.0.1:1/none?sslmode=disable&connect_timeout=1")
	if err == nil {
		t.Fatal("OpenPostgres on a closed port succeeded")
	}
}

package jobs_test

import (
	"context"
	"database/sql"
	"errors"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/bodydouble/bodydouble/internal/jobs"
	"github.com/bodydouble/bodydouble/internal/model"
	"github.com/bodydouble/bodydouble/internal/store/sqlstore"
	"github.com/bodydouble/bodydouble/internal/store/storetest"
)

// poll is how often the tests' queues look for jobs.
const poll = 50 * time.Millisecond

// waitFor waits until cond holds, checking every poll, failing the test
// after a minute.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	tick := time.NewTicker(poll)
	defer tick.Stop()
	deadline := time.After(time.Minute)
	for !cond() {
		select {
		case <-tick.C:
		case <-deadline:
			t.Fatalf("waited a minute for %s", what)
		}
	}
}

func count(t *testing.T, db *sql.DB, query string) int {
	t.Helper()
	var n int
	if err := db.QueryRowContext(context.Background(), query).Scan(&n); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	return n
}

const (
	completedJobs = "SELECT COUNT(*) FROM river_job WHERE kind = 'retention' AND state = 'completed'"
	retentionJobs = "SELECT COUNT(*) FROM river_job WHERE kind = 'retention'"
	runs          = "SELECT COUNT(*) FROM retention_runs"
)

func stop(t *testing.T, q *jobs.Queue) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := q.Stop(ctx); err != nil {
		t.Error(err)
	}
}

// TestQueueSQLite: River on the store's SQLite file migrates its tables
// and runs the retention job, which erases the inactive.
func TestQueueSQLite(t *testing.T) {
	dir := t.TempDir()
	st, err := sqlstore.OpenSQLite(t.Context(), dir)
	must(t, err)
	t.Cleanup(func() { st.Close() })
	old := user(t, st, now.Add(-366*day))
	kept := user(t, st, now.Add(-364*day))

	db, err := st.OpenJobsSQLite(t.Context())
	must(t, err)
	t.Cleanup(func() { db.Close() })
	q, err := jobs.Start(t.Context(), jobs.Options{SQLite: db, Retention: newRetention(st, nil), PollInterval: poll})
	must(t, err)
	raw, err := sql.Open("sqlite", "file:"+filepath.Join(dir, sqlstore.SQLiteFile)+"?mode=ro&_pragma=busy_timeout(5000)")
	must(t, err)
	t.Cleanup(func() { raw.Close() })
	waitFor(t, "the retention job", func() bool { return count(t, raw, completedJobs) == 1 })
	stop(t, q)

	if _, err := st.GetUser(t.Context(), old.ID); !errors.Is(err, model.ErrNotFound) {
		t.Errorf("GetUser of the inactive: %v, want not found", err)
	}
	if _, err := st.GetUser(t.Context(), kept.ID); err != nil {
		t.Errorf("GetUser of the kept: %v", err)
	}
	if n := count(t, raw, runs); n != 1 {
		t.Errorf("%d retention runs, want 1", n)
	}
}

// TestQueueRetriesUnderSameID: an attempt that fails halfway is retried
// by River as the same job, which finishes the run with exact counts.
func TestQueueRetriesUnderSameID(t *testing.T) {
	dir := t.TempDir()
	st, err := sqlstore.OpenSQLite(t.Context(), dir)
	must(t, err)
	t.Cleanup(func() { st.Close() })
	for range 3 {
		user(t, st, now.Add(-366*day))
	}
	db, err := st.OpenJobsSQLite(t.Context())
	must(t, err)
	t.Cleanup(func() { db.Close() })
	r := newRetention(st, nil)
	var leaves atomic.Int64
	r.Leave = func(context.Context, string) error {
		if leaves.Add(1) == 2 {
			return errors.New("the database went away")
		}
		return nil
	}
	var (
		mu     sync.Mutex
		failed []string // what Options.Failed heard: kind and error
	)
	q, err := jobs.Start(t.Context(), jobs.Options{SQLite: db, Retention: r, PollInterval: poll,
		Failed: func(_ context.Context, kind string, err error) {
			mu.Lock()
			defer mu.Unlock()
			failed = append(failed, kind+": "+err.Error())
		}})
	must(t, err)
	raw, err := sql.Open("sqlite", "file:"+filepath.Join(dir, sqlstore.SQLiteFile)+"?mode=ro&_pragma=busy_timeout(5000)")
	must(t, err)
	t.Cleanup(func() { raw.Close() })
	waitFor(t, "the retried retention job", func() bool { return count(t, raw, completedJobs) == 1 })
	stop(t, q)

	// The failed attempt was reported (to Sentry, in the server), once.
	mu.Lock()
	if len(failed) != 1 || !strings.HasPrefix(failed[0], "retention: ") || !strings.Contains(failed[0], "the database went away") {
		t.Errorf("failures reported: %q, want the one failed attempt", failed)
	}
	mu.Unlock()

	if n := count(t, raw, "SELECT attempt FROM river_job WHERE kind = 'retention'"); n != 2 {
		t.Errorf("the job took %d attempts, want 2", n)
	}
	var id string
	if err := raw.QueryRow("SELECT id FROM retention_runs").Scan(&id); err != nil {
		t.Fatal(err)
	}
	if n := count(t, raw, "SELECT CAST(id AS TEXT) = '"+id+"' FROM river_job WHERE kind = 'retention'"); n != 1 {
		t.Errorf("the run %s is not the job's id", id)
	}
	got, err := st.RetentionRun(t.Context(), id)
	must(t, err)
	if got.Erased != 3 {
		t.Errorf("erased %d over the two attempts, want 3", got.Erased)
	}
}

// TestQueueOncePerCluster: two servers on one PostgreSQL database run
// the retention job once between them, and each inactive person is
// erased once.
func TestQueueOncePerCluster(t *testing.T) {
	url := storetest.PostgresURL(t)
	var erased [2]atomic.Int64
	var queues [2]*jobs.Queue
	var stores [2]*sqlstore.Store
	for i := range stores {
		st, err := sqlstore.OpenPostgres(t.Context(), url)
		must(t, err)
		t.Cleanup(func() { st.Close() })
		stores[i] = st
	}
	var old []model.User
	for range 3 {
		old = append(old, user(t, stores[0], now.Add(-366*day)))
	}
	for i, st := range stores {
		r := newRetention(st, nil)
		r.Erased = func(context.Context, string) { erased[i].Add(1) }
		q, err := jobs.Start(t.Context(), jobs.Options{Pool: st.PgxPool(), Retention: r, PollInterval: poll})
		must(t, err)
		queues[i] = q
	}
	raw, err := sql.Open("pgx", url)
	must(t, err)
	t.Cleanup(func() { raw.Close() })
	waitFor(t, "the retention job", func() bool { return count(t, raw, completedJobs) == 1 })
	for _, q := range queues {
		stop(t, q)
	}

	if n := count(t, raw, retentionJobs); n != 1 {
		t.Errorf("%d retention jobs, want 1", n)
	}
	if n := count(t, raw, runs); n != 1 {
		t.Errorf("%d retention runs, want 1", n)
	}
	a, b := erased[0].Load(), erased[1].Load()
	if a+b != 3 || a*b != 0 {
		t.Errorf("erasures by the two servers: %d and %d, want 3 by one of them", a, b)
	}
	for _, u := range old {
		if _, err := stores[1].GetUser(t.Context(), u.ID); !errors.Is(err, model.ErrNotFound) {
			t.Errorf("GetUser of the inactive: %v, want not found", err)
		}
	}
}

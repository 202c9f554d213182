package acme

import (
	"bytes"
	"context"
	"errors"
	"io/fs"
	"log/slog"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/bodydouble/bodydouble/internal/store/sqlstore"
	"github.com/bodydouble/bodydouble/internal/store/storetest"
)

// backends open the ACME tables of a fresh database: SQLite always,
// PostgreSQL when BODYDOUBLE_TEST_DATABASE_URL is set.
var backends = []struct {
	name string
	open func(t *testing.T) Backend
}{
	{"sqlite", func(t *testing.T) Backend {
		s, err := sqlstore.OpenSQLite(t.Context(), t.TempDir())
		return opened(t, s, err)
	}},
	{"postgres", func(t *testing.T) Backend {
		s, err := sqlstore.OpenPostgres(t.Context(), storetest.PostgresURL(t))
		return opened(t, s, err)
	}},
}

func opened(t *testing.T, s *sqlstore.Store, err error) Backend {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s.ACME()
}

// TestStorage is the contract of Storage, as certmagic uses it, on both
// databases.
func TestStorage(t *testing.T) {
	tests := []struct {
		name string
		fn   func(t *testing.T, db Backend)
	}{
		{"FilesAndDirectories", testFilesAndDirectories},
		{"List", testList},
		{"Delete", testDelete},
		{"LockExcludes", testLockExcludes},
		{"LockWaitsAndHonoursContext", testLockWaits},
		{"LockOfCrashedHolderExpires", testLockExpires},
		{"HeldLockIsRenewed", testLockRenewed},
		{"LockConcurrent", testLockConcurrent},
		{"CloseReleases", testCloseReleases},
	}
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			t.Parallel()
			for _, tc := range tests {
				t.Run(tc.name, func(t *testing.T) {
					t.Parallel()
					tc.fn(t, b.open(t))
				})
			}
		})
	}
}

func newStorage(t *testing.T, db Backend) *Storage {
	return NewStorage(db, slog.New(slog.DiscardHandler))
}

func testFilesAndDirectories(t *testing.T, db Backend) {
	ctx := t.Context()
	s := newStorage(t, db)
	if _, err := s.Load(ctx, "certificates/ca/x/x.crt"); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("load of a missing key: %v, want fs.ErrNotExist", err)
	}
	if _, err := s.Stat(ctx, "certificates"); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("stat of a missing key: %v, want fs.ErrNotExist", err)
	}
	before := time.Now().Add(-time.Second)
	crt := []byte("-----BEGIN CERTIFICATE-----\n\x00\xff binary too")
	if err := s.Store(ctx, "certificates/ca/x/x.crt", crt); err != nil {
		t.Fatal(err)
	}
	got, err := s.Load(ctx, "certificates/ca/x/x.crt")
	if err != nil || !bytes.Equal(got, crt) {
		t.Fatalf("load: %q, %v; want %q", got, err, crt)
	}
	// Another Storage (another instance) on the same database sees it.
	if got, err := newStorage(t, db).Load(ctx, "certificates/ca/x/x.crt"); err != nil || !bytes.Equal(got, crt) {
		t.Fatalf("load by another storage: %q, %v", got, err)
	}
	// Overwrite, and an empty value is a value.
	if err := s.Store(ctx, "certificates/ca/x/x.crt", []byte("v2")); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.Load(ctx, "certificates/ca/x/x.crt"); string(got) != "v2" {
		t.Fatalf("after overwrite: %q", got)
	}
	if err := s.Store(ctx, "empty", nil); err != nil {
		t.Fatal(err)
	}
	if got, err := s.Load(ctx, "empty"); err != nil || len(got) != 0 {
		t.Fatalf("empty: %q, %v", got, err)
	}

	info, err := s.Stat(ctx, "certificates/ca/x/x.crt")
	if err != nil || !info.IsTerminal || info.Size != 2 || info.Key != "certificates/ca/x/x.crt" || info.Modified.Before(before) || info.Modified.After(time.Now().Add(time.Second)) {
		t.Fatalf("stat of a file: %+v, %v", info, err)
	}
	for _, dir := range []string{"certificates", "certificates/ca", "certificates/ca/x"} {
		info, err := s.Stat(ctx, dir)
		if err != nil || info.IsTerminal || info.Key != dir {
			t.Fatalf("stat of directory %s: %+v, %v", dir, info, err)
		}
		if !s.Exists(ctx, dir) {
			t.Fatalf("directory %s does not exist", dir)
		}
	}
	// A prefix that is not a whole path component is nothing.
	for _, key := range []string{"cert", "certificates/c", "certificates/ca/x/x", "certificates/ca/x/x.crt/more"} {
		if s.Exists(ctx, key) {
			t.Errorf("%s exists", key)
		}
	}
	for _, bad := range []string{"", "/a", "a/", "a//b"} {
		if err := s.Store(ctx, bad, []byte("x")); err == nil {
			t.Errorf("store of key %q: no error", bad)
		}
	}
}

func testList(t *testing.T, db Backend) {
	ctx := t.Context()
	s := newStorage(t, db)
	for _, k := range []string{
		"acme/ca/users/a@x/a.json", "acme/ca/users/a@x/a.key",
		"acme/ca/users/b_c/b.json", // _ and % are not patterns
		"acme/ca/usersX/other", "acme/ca/users%/other",
		"acme/other",
	} {
		if err := s.Store(ctx, k, []byte(k)); err != nil {
			t.Fatal(err)
		}
	}
	got, err := s.List(ctx, "acme/ca/users", false)
	slices.Sort(got)
	if want := []string{"acme/ca/users/a@x", "acme/ca/users/b_c"}; err != nil || !slices.Equal(got, want) {
		t.Fatalf("list: %q, %v; want %q", got, err, want)
	}
	got, err = s.List(ctx, "acme/ca/users", true)
	slices.Sort(got)
	if want := []string{"acme/ca/users/a@x", "acme/ca/users/a@x/a.json", "acme/ca/users/a@x/a.key", "acme/ca/users/b_c", "acme/ca/users/b_c/b.json"}; err != nil || !slices.Equal(got, want) {
		t.Fatalf("recursive list: %q, %v; want %q", got, err, want)
	}
	got, err = s.List(ctx, "acme", false)
	slices.Sort(got)
	if want := []string{"acme/ca", "acme/other"}; err != nil || !slices.Equal(got, want) {
		t.Fatalf("list of acme: %q, %v; want %q", got, err, want)
	}
	got, err = s.List(ctx, "", false)
	if want := []string{"acme"}; err != nil || !slices.Equal(got, want) {
		t.Fatalf("list of the root: %q, %v; want %q", got, err, want)
	}
	if _, err := s.List(ctx, "acme/ca/none", false); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("list of a missing directory: %v, want fs.ErrNotExist", err)
	}
}

func testDelete(t *testing.T, db Backend) {
	ctx := t.Context()
	s := newStorage(t, db)
	for _, k := range []string{"c/d/one", "c/d/sub/two", "c/d_e", "c/dd", "c/d"} {
		if err := s.Store(ctx, k, []byte("x")); err != nil {
			t.Fatal(err)
		}
	}
	// "c/d" is both a file and a directory here: both go.
	if err := s.Delete(ctx, "c/d"); err != nil {
		t.Fatal(err)
	}
	got, err := s.List(ctx, "c", true)
	slices.Sort(got)
	if want := []string{"c/d_e", "c/dd"}; err != nil || !slices.Equal(got, want) {
		t.Fatalf("after delete: %q, %v; want %q", got, err, want)
	}
	// Deleting what is not there is no error.
	if err := s.Delete(ctx, "c/d"); err != nil {
		t.Fatalf("second delete: %v", err)
	}
	if err := s.Delete(ctx, "c/dd"); err != nil || s.Exists(ctx, "c/dd") {
		t.Fatalf("delete of a file: %v, still there: %v", err, s.Exists(ctx, "c/dd"))
	}
}

func testLockExcludes(t *testing.T, db Backend) {
	ctx := t.Context()
	a, b := newStorage(t, db), newStorage(t, db)
	if err := a.Lock(ctx, "issue_cert_x"); err != nil {
		t.Fatal(err)
	}
	if ok, err := b.TryLock(ctx, "issue_cert_x"); ok || err != nil {
		t.Fatalf("second holder: %v, %v", ok, err)
	}
	if ok, err := a.TryLock(ctx, "issue_cert_x"); ok || err != nil {
		t.Fatalf("the same storage again (not re-entrant): %v, %v", ok, err)
	}
	// Another name is another lock.
	if ok, err := b.TryLock(ctx, "issue_cert_y"); !ok || err != nil {
		t.Fatalf("other name: %v, %v", ok, err)
	}
	// b cannot release a's lock.
	if err := b.Unlock(ctx, "issue_cert_x"); err != nil {
		t.Fatal(err)
	}
	if ok, _ := b.TryLock(ctx, "issue_cert_x"); ok {
		t.Fatal("b took a's lock after its own failed unlock")
	}
	if err := a.Unlock(ctx, "issue_cert_x"); err != nil {
		t.Fatal(err)
	}
	if ok, err := b.TryLock(ctx, "issue_cert_x"); !ok || err != nil {
		t.Fatalf("after unlock: %v, %v", ok, err)
	}
	if err := b.Unlock(ctx, "issue_cert_x"); err != nil {
		t.Fatal(err)
	}
	if err := b.Unlock(ctx, "issue_cert_y"); err != nil {
		t.Fatal(err)
	}
}

func testLockWaits(t *testing.T, db Backend) {
	ctx := t.Context()
	a, b := newStorage(t, db), newStorage(t, db)
	b.poll = 10 * time.Millisecond
	if err := a.Lock(ctx, "n"); err != nil {
		t.Fatal(err)
	}
	// Lock gives up when its context ends.
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	if err := b.Lock(cancelled, "n"); !errors.Is(err, context.Canceled) {
		t.Fatalf("lock with a cancelled context: %v", err)
	}
	// Lock blocks until the holder unlocks.
	got := make(chan error, 1)
	go func() { got <- b.Lock(ctx, "n") }()
	select {
	case err := <-got:
		t.Fatalf("lock returned while held: %v", err)
	default:
	}
	if err := a.Unlock(ctx, "n"); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-got:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("lock still waiting 10 s after unlock")
	}
	if ok, _ := a.TryLock(ctx, "n"); ok {
		t.Fatal("a took the lock b waited for")
	}
}

func testLockExpires(t *testing.T, db Backend) {
	ctx := t.Context()
	// A holder that crashed two leases ago: its lease has run out.
	if ok, err := db.TryLock(ctx, "n", "crashed", time.Now().Add(-2*LockLease), LockLease); !ok || err != nil {
		t.Fatalf("crashed holder: %v, %v", ok, err)
	}
	// One whose lease still runs holds its lock.
	if ok, err := db.TryLock(ctx, "m", "alive", time.Now(), LockLease); !ok || err != nil {
		t.Fatalf("live holder: %v, %v", ok, err)
	}
	s := newStorage(t, db)
	if ok, err := s.TryLock(ctx, "n"); !ok || err != nil {
		t.Fatalf("lock of a crashed holder: %v, %v", ok, err)
	}
	if ok, err := s.TryLock(ctx, "m"); ok || err != nil {
		t.Fatalf("lock of a live holder: %v, %v", ok, err)
	}
	// The crashed holder can neither renew nor release what it lost.
	if ok, _ := db.RenewLock(ctx, "n", "crashed", time.Now().Add(LockLease)); ok {
		t.Fatal("the crashed holder renewed a lock it lost")
	}
	if err := db.Unlock(ctx, "n", "crashed"); err != nil {
		t.Fatal(err)
	}
	if ok, _ := newStorage(t, db).TryLock(ctx, "n"); ok {
		t.Fatal("the crashed holder's unlock freed the new holder's lock")
	}
}

func testLockRenewed(t *testing.T, db Backend) {
	ctx := t.Context()
	a, b := newStorage(t, db), newStorage(t, db)
	// Renewed every lease/3: a renewal may be late by up to two thirds of
	// a lease before b could take the lock. 300 ms left 200 ms, which a
	// busy CI machine's PostgreSQL once missed; 2 s leaves 1.3 s.
	a.lease = 2 * time.Second
	if err := a.Lock(ctx, "n"); err != nil {
		t.Fatal(err)
	}
	// Well past its first lease, a still holds the lock: it renews it.
	for end := time.Now().Add(5 * a.lease / 2); time.Now().Before(end); {
		if ok, err := b.TryLock(ctx, "n"); ok || err != nil {
			t.Fatalf("b took a renewed lock: %v, %v", ok, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
	// certmagic may ask for a longer lease.
	if err := a.RenewLockLease(ctx, "n", time.Hour); err != nil {
		t.Fatal(err)
	}
	if err := b.RenewLockLease(ctx, "n", time.Hour); err == nil {
		t.Fatal("b renewed a lock it does not hold")
	}
	if err := a.Unlock(ctx, "n"); err != nil {
		t.Fatal(err)
	}
	if ok, err := b.TryLock(ctx, "n"); !ok || err != nil {
		t.Fatalf("after unlock: %v, %v", ok, err)
	}
}

func testLockConcurrent(t *testing.T, db Backend) {
	ctx := t.Context()
	var inside, most, total atomic.Int32
	var wg sync.WaitGroup
	for range 4 {
		s := newStorage(t, db)
		s.poll = 5 * time.Millisecond
		for range 2 { // two goroutines per storage: one process's own callers exclude each other too
			wg.Go(func() {
				for range 5 {
					if err := s.Lock(ctx, "n"); err != nil {
						t.Error(err)
						return
					}
					n := inside.Add(1)
					for m := most.Load(); n > m && !most.CompareAndSwap(m, n); m = most.Load() {
					}
					total.Add(1)
					inside.Add(-1)
					if err := s.Unlock(ctx, "n"); err != nil {
						t.Error(err)
						return
					}
				}
			})
		}
	}
	wg.Wait()
	if most.Load() != 1 || total.Load() != 40 {
		t.Fatalf("%d holders at once (want 1), %d critical sections (want 40)", most.Load(), total.Load())
	}
}

func testCloseReleases(t *testing.T, db Backend) {
	ctx := t.Context()
	a, b := newStorage(t, db), newStorage(t, db)
	for _, n := range []string{"x", "y"} {
		if err := a.Lock(ctx, n); err != nil {
			t.Fatal(err)
		}
	}
	if err := a.Close(ctx); err != nil {
		t.Fatal(err)
	}
	for _, n := range []string{"x", "y"} {
		if ok, err := b.TryLock(ctx, n); !ok || err != nil {
			t.Fatalf("%s after close: %v, %v", n, ok, err)
		}
	}
}

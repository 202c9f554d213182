package backup_test

import (
	"archive/tar"
	"bytes"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"filippo.io/age"

	"github.com/bodydouble/bodydouble/internal/backup"
	"github.com/bodydouble/bodydouble/internal/blob"
	"github.com/bodydouble/bodydouble/internal/keyring"
	"github.com/bodydouble/bodydouble/internal/store/sqlstore"
)

var now = time.Date(2026, 12, 4, 9, 0, 0, 0, time.UTC)

// dataDir makes an SQLite data directory with the full schema, a secret,
// a keyring, one blob and one session whose goals are sealed with the
// keyring. It returns the directory and the keyring's JSON.
func dataDir(t *testing.T) (string, []byte) {
	t.Helper()
	dir := t.TempDir()
	st, err := sqlstore.OpenSQLite(context.Background(), dir)
	if err != nil {
		t.Fatal(err)
	}
	st.Close()
	f := keyring.Generate(now)
	ring, err := keyring.New(f)
	if err != nil {
		t.Fatal(err)
	}
	raw := f.Marshal()
	writeFile(t, filepath.Join(dir, "keyring.json"), raw)
	writeFile(t, filepath.Join(dir, "secret"), []byte(strings.Repeat("s", 44)))
	bs, err := blob.NewFS(filepath.Join(dir, "blobs"))
	if err != nil {
		t.Fatal(err)
	}
	if err := bs.Put(context.Background(), "avatars/abc123", []byte("picture"), ""); err != nil {
		t.Fatal(err)
	}
	db := rawDB(t, filepath.Join(dir, "bodydouble.db"))
	goals := ring.Seal([]byte(`["secret goal"]`), "focus_sessions.goals:s1")
	if _, err := db.Exec(`INSERT INTO focus_sessions (id, room_id, user_id, started_at, goals) VALUES ('s1', 'r', 'u', 0, ?)`, goals); err != nil {
		t.Fatal(err)
	}
	db.Close()
	return dir, raw
}

// rawDB opens an SQLite file with foreign keys off (rows without parents).
func rawDB(t *testing.T, path string) *sql.DB {
	t.Helper()
	db, err := sql.Open("sqlite", path+"?_pragma=foreign_keys(0)&_pragma=busy_timeout(5000)")
	if err != nil {
		t.Fatal(err)
	}
	db.SetMaxOpenConns(1)
	return db
}

func writeFile(t *testing.T, path string, b []byte) {
	t.Helper()
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
}

// tree is every file under dir with its SHA-256: what "changes nothing"
// compares (the lock file, empty and made by the attempt, aside).
func tree(t *testing.T, dir string) map[string]string {
	t.Helper()
	m := map[string]string{}
	filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || d.Name() == backup.LockFile {
			return nil
		}
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		s := sha256.Sum256(b)
		rel, _ := filepath.Rel(dir, p)
		m[rel] = hex.EncodeToString(s[:])
		return nil
	})
	return m
}

func sameTree(t *testing.T, what string, a, b map[string]string) {
	t.Helper()
	if len(a) != len(b) {
		t.Fatalf("%s changed the data directory: %d files before, %d after", what, len(a), len(b))
	}
	for k, v := range a {
		if b[k] != v {
			t.Fatalf("%s changed %s", what, k)
		}
	}
}

func makeBackup(t *testing.T, dir string, o backup.Options) string {
	t.Helper()
	o.DataDir, o.Now = dir, now
	if o.BlobDir == "" {
		o.BlobDir = filepath.Join(dir, "blobs")
	}
	dst := filepath.Join(t.TempDir(), "b.tar")
	res, err := backup.Create(context.Background(), dst, o)
	if err != nil {
		t.Fatal(err)
	}
	if res.Blobs != 1 || res.SchemaVersion == 0 {
		t.Fatalf("backup: %+v", res)
	}
	// Nothing but the backup is left beside it: the plain copy is gone.
	entries, _ := os.ReadDir(filepath.Dir(dst))
	if len(entries) != 1 {
		t.Fatalf("left beside the backup: %v", entries)
	}
	return dst
}

func restore(dst, dir string, o backup.RestoreOptions) (backup.RestoreResult, error) {
	o.DataDir, o.Now = dir, now
	if o.KeyringPath == "" {
		o.KeyringPath = filepath.Join(dir, "keyring.json")
	}
	o.Blobs = func() (blob.Store, error) { return blob.NewFS(filepath.Join(dir, "blobs")) }
	return backup.Restore(context.Background(), dst, o)
}

// TestRoundTripKeepsTheOldDatabase: a backup restored over a directory
// puts the backed-up database, secret and blob in place, keeps the old
// database (and its WAL) beside it, and needs the keyring that sealed it.
func TestRoundTripKeepsTheOldDatabase(t *testing.T) {
	src, ring := dataDir(t)
	file := makeBackup(t, src, backup.Options{})

	// Without any keyring the sealed goals could not be read: refused.
	fresh := t.TempDir()
	if _, err := restore(file, fresh, backup.RestoreOptions{}); !errors.Is(err, backup.ErrMissingKeys) {
		t.Fatalf("restore without a keyring: %v", err)
	}
	// With another keyring, just as refused.
	writeFile(t, filepath.Join(fresh, "keyring.json"), keyring.Generate(now).Marshal())
	if _, err := restore(file, fresh, backup.RestoreOptions{}); !errors.Is(err, backup.ErrMissingKeys) {
		t.Fatalf("restore with a wrong keyring: %v", err)
	}

	// Over an existing directory with the right keyring, and a WAL file
	// of its old database.
	dst, _ := dataDir(t)
	writeFile(t, filepath.Join(dst, "keyring.json"), ring)
	writeFile(t, filepath.Join(dst, "bodydouble.db-wal"), []byte("old wal"))
	writeFile(t, filepath.Join(dst, "secret"), []byte(strings.Repeat("o", 44)))
	before := tree(t, dst)
	res, err := restore(file, dst, backup.RestoreOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if res.Sealed != 1 || res.Encrypted || len(res.Kept) != 3 {
		t.Fatalf("restore: %+v", res)
	}
	after := tree(t, dst)
	stamp := ".before-restore-20261204T090000Z"
	for name, kept := range map[string]string{"bodydouble.db": "bodydouble.db" + stamp, "bodydouble.db-wal": "bodydouble.db" + stamp + "-wal", "secret": "secret" + stamp} {
		if after[kept] != before[name] {
			t.Errorf("%s not kept as %s", name, kept)
		}
	}
	if _, err := os.Stat(filepath.Join(dst, "bodydouble.db-wal")); err == nil {
		t.Error("the old WAL is still beside the restored database")
	}
	if after["secret"] != tree(t, src)["secret"] {
		t.Error("secret not restored")
	}
	db := rawDB(t, filepath.Join(dst, "bodydouble.db"))
	defer db.Close()
	var goals string
	if err := db.QueryRow("SELECT goals FROM focus_sessions WHERE id = 's1'").Scan(&goals); err != nil || !keyring.IsSealed(goals) {
		t.Fatalf("restored session: %q %v", goals, err)
	}
	if b, err := os.ReadFile(filepath.Join(dst, "blobs", "avatars", "abc123")); err != nil || string(b) != "picture" {
		t.Fatalf("restored blob: %q %v", b, err)
	}
	leftovers, _ := filepath.Glob(filepath.Join(dst, ".restore-*"))
	if len(leftovers) != 0 {
		t.Fatalf("left in the data directory: %v", leftovers)
	}
}

// TestEncryptedRoundTrip: an age-encrypted backup holds no plain text,
// is refused without an identity or with another one, changing nothing,
// and restores with its identity; with --include-keys its keyring is
// placed in a fresh directory, which then reads the sealed goals.
func TestEncryptedRoundTrip(t *testing.T) {
	src, ring := dataDir(t)
	id, err := age.GenerateX25519Identity()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := backup.Create(context.Background(), filepath.Join(t.TempDir(), "x"), backup.Options{DataDir: src, Keyring: ring, Now: now}); err == nil {
		t.Fatal("a plain backup took the keyring")
	}
	file := makeBackup(t, src, backup.Options{Recipients: []age.Recipient{id.Recipient()}, Keyring: ring})
	b, _ := os.ReadFile(file)
	for _, plain := range []string{"SQLite format 3", "manifest.json", "picture", string(ring[:20])} {
		if bytes.Contains(b, []byte(plain)) {
			t.Fatalf("the encrypted backup contains %q", plain)
		}
	}

	dst := t.TempDir()
	before := tree(t, dst)
	if _, err := restore(file, dst, backup.RestoreOptions{}); !errors.Is(err, backup.ErrEncrypted) {
		t.Fatalf("restore without identity: %v", err)
	}
	other, _ := age.GenerateX25519Identity()
	if _, err := restore(file, dst, backup.RestoreOptions{Identities: []age.Identity{other}}); err == nil || !strings.Contains(err.Error(), "another recipient") {
		t.Fatalf("restore with another identity: %v", err)
	}
	sameTree(t, "a refused encrypted restore", before, tree(t, dst))

	res, err := restore(file, dst, backup.RestoreOptions{Identities: []age.Identity{id}})
	if err != nil {
		t.Fatal(err)
	}
	if !res.Encrypted || !res.KeyringPlaced || res.Sealed != 1 || res.Blobs != 1 {
		t.Fatalf("restore: %+v", res)
	}
	if got, _ := os.ReadFile(filepath.Join(dst, "keyring.json")); !bytes.Equal(got, ring) {
		t.Fatal("the backup's keyring was not placed")
	}
}

// TestRestoreRefusesBadFiles: a file that is not a backup, one cut short,
// one with a changed byte, and one whose database is of a newer schema
// are refused, and the data directory is left as it was.
func TestRestoreRefusesBadFiles(t *testing.T) {
	src, ring := dataDir(t)
	file := makeBackup(t, src, backup.Options{})
	good, _ := os.ReadFile(file)
	dst, _ := dataDir(t)
	writeFile(t, filepath.Join(dst, "keyring.json"), ring)
	before := tree(t, dst)

	bad := map[string][]byte{
		"not a backup": []byte(strings.Repeat("hello ", 1000)),
		"cut short":    good[:len(good)/2],
		"empty":        nil,
	}
	flipped := bytes.Clone(good)
	flipped[len(flipped)/2] ^= 0x40 // inside the database
	bad["a changed byte"] = flipped
	bad["an unexpected entry"] = tarOf(t, map[string]string{"manifest.json": `{"format":"bodydouble-backup","version":1}`, "../evil": "x"})
	for what, b := range bad {
		p := filepath.Join(t.TempDir(), "bad")
		writeFile(t, p, b)
		if _, err := restore(p, dst, backup.RestoreOptions{}); !errors.Is(err, backup.ErrNotBackup) {
			t.Errorf("%s: %v", what, err)
		}
		sameTree(t, what, before, tree(t, dst))
	}

	// A database one migration ahead of this binary.
	latest, err := sqlstore.SQLiteSchemaVersion()
	if err != nil {
		t.Fatal(err)
	}
	db := rawDB(t, filepath.Join(src, "bodydouble.db"))
	if _, err := db.Exec("INSERT INTO schema_migrations (version, name) VALUES (?, 'future.sql')", latest+1); err != nil {
		t.Fatal(err)
	}
	db.Close()
	newer := makeBackup(t, src, backup.Options{})
	if _, err := restore(newer, dst, backup.RestoreOptions{}); !errors.Is(err, backup.ErrNewerSchema) {
		t.Fatalf("newer schema: %v", err)
	}
	sameTree(t, "a newer schema", before, tree(t, dst))
}

// tarOf is a tar file of the given entries, in name order.
func tarOf(t *testing.T, files map[string]string) []byte {
	t.Helper()
	var names []string
	for n := range files {
		names = append(names, n)
	}
	sort.Strings(names)
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, n := range names {
		tw.WriteHeader(&tar.Header{Name: n, Size: int64(len(files[n])), Mode: 0o600, Typeflag: tar.TypeReg})
		tw.Write([]byte(files[n]))
	}
	tw.Close()
	return buf.Bytes()
}

// TestLocks: a restore is refused while a server (a shared lock) holds the
// directory, and a server cannot start while a restore holds it.
func TestLocks(t *testing.T) {
	src, ring := dataDir(t)
	file := makeBackup(t, src, backup.Options{})
	dst, _ := dataDir(t)
	writeFile(t, filepath.Join(dst, "keyring.json"), ring)

	server, err := backup.LockShared(dst)
	if err != nil {
		t.Fatal(err)
	}
	other, err := backup.LockShared(dst) // a second instance on the same directory
	if err != nil {
		t.Fatalf("two servers on one directory: %v", err)
	}
	before := tree(t, dst)
	if _, err := restore(file, dst, backup.RestoreOptions{}); !errors.Is(err, backup.ErrInUse) {
		t.Fatalf("restore under a running server: %v", err)
	}
	sameTree(t, "a restore under a running server", before, tree(t, dst))
	server.Close()
	if _, err := restore(file, dst, backup.RestoreOptions{}); !errors.Is(err, backup.ErrInUse) {
		t.Fatalf("restore under the second server: %v", err)
	}
	other.Close()

	r, err := backup.LockExclusive(dst)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := backup.LockShared(dst); !errors.Is(err, backup.ErrRestoring) {
		t.Fatalf("a server starting during a restore: %v", err)
	}
	r.Close()
	if _, err := restore(file, dst, backup.RestoreOptions{}); err != nil {
		t.Fatalf("restore once the servers stopped: %v", err)
	}
}

// TestLeftoversOfKilledBackupsGo: a working directory of a backup killed
// outright a day ago (it may hold a plain copy of the database) is removed
// by the next backup into the same directory; a recent one, perhaps a
// backup still running, is not.
func TestLeftoversOfKilledBackupsGo(t *testing.T) {
	src, _ := dataDir(t)
	out := t.TempDir()
	old, recent := filepath.Join(out, ".bodydouble-backup-1"), filepath.Join(out, ".bodydouble-backup-2")
	for _, d := range []string{old, recent} {
		if err := os.Mkdir(d, 0o700); err != nil {
			t.Fatal(err)
		}
		writeFile(t, filepath.Join(d, "bodydouble.db"), []byte("plain"))
	}
	at := time.Now().Add(-25 * time.Hour)
	if err := os.Chtimes(old, at, at); err != nil {
		t.Fatal(err)
	}
	if _, err := backup.Create(context.Background(), filepath.Join(out, "b.tar"), backup.Options{DataDir: src, Now: time.Now()}); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(old); err == nil {
		t.Fatal("the day-old leftover is still there")
	}
	if _, err := os.Stat(recent); err != nil {
		t.Fatalf("the recent working directory went: %v", err)
	}
}

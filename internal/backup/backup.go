package backup

import (
	"archive/tar"
	"bufio"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"filippo.io/age"
	_ "modernc.org/sqlite" // the "sqlite" driver

	"github.com/bodydouble/bodydouble/internal/blob"
)

// Options says what Create puts in a backup.
type Options struct {
	// DataDir is the SQLite data directory (bodydouble.db, secret).
	DataDir string
	// BlobDir, when not empty, is the directory of a file blob store
	// whose files (uploaded avatars) go in too.
	BlobDir string
	// Recipients encrypt the file (age); none: plain.
	Recipients []age.Recipient
	// Keyring, when not nil, is the keyring's JSON, put in the file.
	// Only with Recipients: a backup with its keyring in plain text would
	// be the database in plain text.
	Keyring []byte
	// Now is the time written in the manifest.
	Now time.Time
}

// Result is what Create wrote.
type Result struct {
	Path          string
	Size          int64
	SchemaVersion int
	Encrypted     bool
	Keyring       bool
	Blobs         int
}

// Create writes a backup of o.DataDir to dst, which must not exist yet.
// The database is copied with VACUUM INTO, one read transaction: a
// consistent snapshot that leaves out free pages (rows already deleted),
// taken while servers keep writing. The copy is made in a private
// directory (0700) beside dst, read once into the (encrypted) archive and
// removed on every path; the archive is written under a temporary name
// and renamed to dst when complete.
func Create(ctx context.Context, dst string, o Options) (res Result, err error) {
	if len(o.Keyring) > 0 && len(o.Recipients) == 0 {
		return res, errors.New("backup: the keyring goes into an encrypted backup only: give an --age-recipient too")
	}
	src := filepath.Join(o.DataDir, databaseName)
	if strings.ContainsAny(src, "?#") {
		return res, fmt.Errorf("backup: data dir %q must not contain '?' or '#'", o.DataDir)
	}
	if _, err := os.Stat(src); err != nil {
		return res, fmt.Errorf("backup: no database to back up: %w", err)
	}
	if _, err := os.Lstat(dst); err == nil {
		return res, fmt.Errorf("backup: %s already exists; choose a new name", dst)
	} else if !errors.Is(err, fs.ErrNotExist) {
		return res, fmt.Errorf("backup: %w", err)
	}
	lk, err := LockShared(o.DataDir)
	if err != nil {
		return res, err
	}
	defer lk.Close()

	removeStale(filepath.Dir(dst), o.Now)
	work, err := os.MkdirTemp(filepath.Dir(dst), ".bodydouble-backup-*")
	if err != nil {
		return res, fmt.Errorf("backup: %w", err)
	}
	defer os.RemoveAll(work)
	snap := filepath.Join(work, databaseName)
	if res.SchemaVersion, err = snapshot(ctx, src, snap); err != nil {
		return res, err
	}

	part := filepath.Join(work, "backup.part")
	f, err := os.OpenFile(part, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return res, fmt.Errorf("backup: %w", err)
	}
	defer f.Close()
	bw := bufio.NewWriterSize(f, 1<<20)
	var w io.Writer = bw
	var enc io.WriteCloser
	if len(o.Recipients) > 0 {
		if enc, err = age.Encrypt(bw, o.Recipients...); err != nil {
			return res, fmt.Errorf("backup: encrypt: %w", err)
		}
		w = enc
		res.Encrypted = true
	}
	aw := &archiveWriter{tw: tar.NewWriter(w), now: o.Now}

	secret, err := os.ReadFile(filepath.Join(o.DataDir, secretName))
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return res, fmt.Errorf("backup: read secret: %w", err)
	}
	m := Manifest{Format: Format, Version: FormatVersion, Created: o.Now.UTC(), SchemaVersion: res.SchemaVersion,
		Secret: secret != nil, Keyring: len(o.Keyring) > 0}
	mj, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return res, err
	}
	if err := aw.bytes(manifestName, mj); err != nil {
		return res, err
	}
	if err := aw.file(databaseName, snap); err != nil {
		return res, err
	}
	// The plain copy is in the archive: gone from disk before anything else.
	if err := os.Remove(snap); err != nil {
		return res, fmt.Errorf("backup: %w", err)
	}
	if secret != nil {
		if err := aw.bytes(secretName, secret); err != nil {
			return res, err
		}
	}
	if m.Keyring {
		if err := aw.bytes(keyringName, o.Keyring); err != nil {
			return res, err
		}
		res.Keyring = true
	}
	if o.BlobDir != "" {
		if res.Blobs, err = aw.blobs(ctx, o.BlobDir); err != nil {
			return res, err
		}
	}
	if err := aw.bytes(checksumsName, []byte(aw.sums.String())); err != nil {
		return res, err
	}
	if err := aw.tw.Close(); err != nil {
		return res, fmt.Errorf("backup: %w", err)
	}
	if enc != nil {
		if err := enc.Close(); err != nil {
			return res, fmt.Errorf("backup: encrypt: %w", err)
		}
	}
	if err := bw.Flush(); err != nil {
		return res, fmt.Errorf("backup: write: %w", err)
	}
	if err := f.Sync(); err != nil {
		return res, fmt.Errorf("backup: write: %w", err)
	}
	st, err := f.Stat()
	if err != nil {
		return res, fmt.Errorf("backup: %w", err)
	}
	if err := f.Close(); err != nil {
		return res, fmt.Errorf("backup: write: %w", err)
	}
	// A link, not a rename: a file that appeared at dst meanwhile stays.
	if err := os.Link(part, dst); err != nil {
		return res, fmt.Errorf("backup: %w", err)
	}
	syncDir(filepath.Dir(dst))
	res.Path, res.Size = dst, st.Size()
	return res, nil
}

// snapshot copies the database at src to dst (VACUUM INTO) and returns
// the copy's schema version. dst is created empty first, so that it is
// private (0600) from the start.
func snapshot(ctx context.Context, src, dst string) (int, error) {
	f, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return 0, fmt.Errorf("backup: %w", err)
	}
	f.Close()
	// Not query_only, which VACUUM INTO refuses, but nothing here writes
	// the live database: VACUUM INTO only reads it. busy_timeout waits
	// out a checkpoint's brief lock.
	db, err := sql.Open("sqlite", src+"?_pragma=busy_timeout(10000)")
	if err != nil {
		return 0, fmt.Errorf("backup: open database: %w", err)
	}
	defer db.Close()
	if _, err := db.ExecContext(ctx, "VACUUM INTO ?", dst); err != nil {
		return 0, fmt.Errorf("backup: copy database: %w", err)
	}
	copyDB, err := openCheck(dst)
	if err != nil {
		return 0, err
	}
	defer copyDB.Close()
	var v sql.NullInt64
	if err := copyDB.QueryRowContext(ctx, "SELECT MAX(version) FROM schema_migrations").Scan(&v); err != nil {
		return 0, fmt.Errorf("backup: schema version: %w", err)
	}
	return int(v.Int64), nil
}

// openCheck opens an SQLite file that is not live (a snapshot, or one
// being restored) for reading.
func openCheck(path string) (*sql.DB, error) {
	db, err := sql.Open("sqlite", path+"?_pragma=query_only(1)")
	if err != nil {
		return nil, fmt.Errorf("backup: open %s: %w", filepath.Base(path), err)
	}
	return db, nil
}

// archiveWriter writes tar entries and notes each one's SHA-256 for the
// checksums entry.
type archiveWriter struct {
	tw   *tar.Writer
	now  time.Time
	sums strings.Builder
}

func (a *archiveWriter) header(name string, size int64) error {
	err := a.tw.WriteHeader(&tar.Header{Typeflag: tar.TypeReg, Name: name, Size: size, Mode: 0o600, ModTime: a.now, Format: tar.FormatPAX})
	if err != nil {
		return fmt.Errorf("backup: write %s: %w", name, err)
	}
	return nil
}

func (a *archiveWriter) note(name string, h hash.Hash) {
	fmt.Fprintf(&a.sums, "%s  %s\n", hex.EncodeToString(h.Sum(nil)), name)
}

func (a *archiveWriter) bytes(name string, b []byte) error {
	if err := a.header(name, int64(len(b))); err != nil {
		return err
	}
	if _, err := a.tw.Write(b); err != nil {
		return fmt.Errorf("backup: write %s: %w", name, err)
	}
	if name != checksumsName {
		h := sha256.New()
		h.Write(b)
		a.note(name, h)
	}
	return nil
}

// file copies the file at path; skipped, with false, if it is gone.
func (a *archiveWriter) file(name, path string) error {
	_, err := a.fileIfThere(name, path)
	return err
}

func (a *archiveWriter) fileIfThere(name, path string) (bool, error) {
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("backup: read %s: %w", name, err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return false, fmt.Errorf("backup: read %s: %w", name, err)
	}
	if err := a.header(name, st.Size()); err != nil {
		return false, err
	}
	h := sha256.New()
	// Exactly the size announced: the files copied are never written in
	// place (the snapshot is ours, blobs are replaced by rename).
	if _, err := io.CopyN(io.MultiWriter(a.tw, h), f, st.Size()); err != nil {
		return false, fmt.Errorf("backup: read %s: %w", name, err)
	}
	a.note(name, h)
	return true, nil
}

// blobs copies every file of the blob store under dir whose name is a
// blob key (temporary files of writes under way are not), skipping those
// deleted meanwhile, and returns how many it copied.
func (a *archiveWriter) blobs(ctx context.Context, dir string) (int, error) {
	n := 0
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				return nil
			}
			return err
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		if !d.Type().IsRegular() {
			return nil
		}
		rel, err := filepath.Rel(dir, path)
		if err != nil {
			return err
		}
		key := filepath.ToSlash(rel)
		if !blob.ValidKey(key) {
			return nil
		}
		ok, err := a.fileIfThere(blobsPrefix+key, path)
		if ok {
			n++
		}
		return err
	})
	if err != nil {
		return n, fmt.Errorf("backup: blobs: %w", err)
	}
	return n, nil
}

// staleAfter is the age at which a backup's working directory is taken
// for the leftover of a backup killed outright (SIGKILL, power loss); a
// backup still running into the same directory is younger.
const staleAfter = 24 * time.Hour

// removeStale removes such leftovers from dir: they may hold a plain copy
// of the database.
func removeStale(dir string, now time.Time) {
	old, _ := filepath.Glob(filepath.Join(dir, ".bodydouble-backup-*"))
	for _, o := range old {
		if st, err := os.Stat(o); err == nil && st.IsDir() && now.Sub(st.ModTime()) > staleAfter {
			os.RemoveAll(o)
		}
	}
}

// syncDir makes a rename in dir durable, as far as the system allows.
func syncDir(dir string) {
	if d, err := os.Open(dir); err == nil {
		d.Sync()
		d.Close()
	}
}

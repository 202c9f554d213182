package backup

import (
	"archive/tar"
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"filippo.io/age"
	"filippo.io/age/armor"

	"github.com/bodydouble/bodydouble/internal/blob"
	"github.com/bodydouble/bodydouble/internal/keyring"
	"github.com/bodydouble/bodydouble/internal/store/sqlstore"
)

// RestoreOptions says where a backup goes.
type RestoreOptions struct {
	// DataDir is the SQLite data directory to restore into (created if
	// missing).
	DataDir string
	// Identities decrypt an encrypted backup.
	Identities []age.Identity
	// KeyringPath is where the deployment's keyring file is (--keyring-file,
	// or keyring.json in DataDir). When no file is there and the backup
	// holds a keyring, the backup's is placed there. Empty when the
	// keyring is given inline (KeyringJSON).
	KeyringPath string
	// KeyringJSON is a keyring given inline (BODYDOUBLE_KEYRING), if any.
	KeyringJSON []byte
	// Blobs opens the store that receives the backup's blobs (uploaded
	// avatars), once the file has passed its checks; nil: they are left
	// out.
	Blobs func() (blob.Store, error)
	// Now names the kept copies (<file>.before-restore-<time>).
	Now time.Time
}

// RestoreResult is what Restore did.
type RestoreResult struct {
	Manifest
	Encrypted bool
	// Blobs put into the blob store (those it had already are not counted).
	Blobs int
	// Sealed is how many encrypted values the database holds; all of
	// them open with the keyring.
	Sealed int64
	// KeyringPlaced: the backup's keyring was written to KeyringPath.
	KeyringPlaced bool
	// Kept are the files moved aside (the previous database and secret).
	Kept []string
}

// Limits of the small entries of a backup file.
const (
	maxManifest = 64 << 10
	maxSmall    = 1 << 20 // secret, keyring, checksums
)

// Restore replaces opts.DataDir's database (and secret, and blobs) with
// the backup in file. It refuses while any server or backup holds the
// data directory (ErrInUse). Everything is read into a private directory
// inside the data directory and checked first: the checksums, the
// database's integrity, its schema (not newer than this binary), and that
// the keyring opens every sealed value. Only then does anything move: the
// blobs the store lacks are added, the keyring is placed if there was
// none, and the secret and the database are replaced, the old ones kept
// beside them as <name>.before-restore-<time>.
func Restore(ctx context.Context, file string, opts RestoreOptions) (res RestoreResult, err error) {
	lk, err := LockExclusive(opts.DataDir)
	if err != nil {
		return res, err
	}
	defer lk.Close()

	f, err := os.Open(file)
	if err != nil {
		return res, fmt.Errorf("restore: %w", err)
	}
	defer f.Close()
	r, encrypted, err := decrypt(f, opts.Identities)
	if err != nil {
		return res, err
	}
	res.Encrypted = encrypted

	// What a restore killed outright left (this one holds the lock alone).
	if old, _ := filepath.Glob(filepath.Join(opts.DataDir, ".restore-*")); len(old) > 0 {
		for _, o := range old {
			os.RemoveAll(o)
		}
	}
	work, err := os.MkdirTemp(opts.DataDir, ".restore-*")
	if err != nil {
		return res, fmt.Errorf("restore: %w", err)
	}
	defer os.RemoveAll(work)
	x, err := extract(r, work)
	if err != nil {
		return res, err
	}
	res.Manifest = x.manifest

	// The database: whole, of a schema this binary knows, readable.
	dbPath := filepath.Join(work, databaseName)
	sealed, err := checkDatabase(ctx, dbPath, x.manifest.SchemaVersion)
	if err != nil {
		return res, err
	}
	ring, placeKeyring, err := chooseKeyring(opts, x)
	if err != nil {
		return res, err
	}
	if res.Sealed, err = checkKeys(sealed, ring); err != nil {
		return res, err
	}

	// Checked: now move things into place, the database last.
	if opts.Blobs != nil && len(x.blobs) > 0 {
		store, err := opts.Blobs()
		if err != nil {
			return res, fmt.Errorf("restore: blob store: %w", err)
		}
		for _, key := range x.blobs {
			if _, err := store.Get(ctx, key); err == nil {
				continue
			} else if !errors.Is(err, blob.ErrNotFound) {
				return res, fmt.Errorf("restore: blob store: %w", err)
			}
			data, err := os.ReadFile(filepath.Join(work, filepath.FromSlash(blobsPrefix+key)))
			if err != nil {
				return res, fmt.Errorf("restore: %w", err)
			}
			if err := store.Put(ctx, key, data, ""); err != nil {
				return res, fmt.Errorf("restore: blob store: %w", err)
			}
			res.Blobs++
		}
	}
	if placeKeyring {
		// Only where none is: an existing keyring is never replaced.
		if err := os.MkdirAll(filepath.Dir(opts.KeyringPath), 0o700); err != nil {
			return res, fmt.Errorf("restore: keyring: %w", err)
		}
		if err := os.Link(filepath.Join(work, keyringName), opts.KeyringPath); err != nil {
			return res, fmt.Errorf("restore: keyring: %w", err)
		}
		syncDir(filepath.Dir(opts.KeyringPath))
		res.KeyringPlaced = true
	}
	stamp := ".before-restore-" + opts.Now.UTC().Format("20060102T150405Z")
	if x.manifest.Secret && !sameFile(filepath.Join(work, secretName), filepath.Join(opts.DataDir, secretName)) {
		kept, err := replace(filepath.Join(work, secretName), filepath.Join(opts.DataDir, secretName), stamp, nil)
		if err != nil {
			return res, err
		}
		res.Kept = append(res.Kept, kept...)
	}
	// SQLite's -wal and -shm of the old database must not meet the new
	// one: they move aside with it (a -wal left by a crash still holds
	// the old database's last commits).
	kept, err := replace(dbPath, filepath.Join(opts.DataDir, databaseName), stamp, []string{"-wal", "-shm", "-journal"})
	if err != nil {
		return res, err
	}
	res.Kept = append(res.Kept, kept...)
	return res, nil
}

// decrypt returns the archive in f: f itself, or f decrypted with ids
// when it is an age file (binary or armored).
func decrypt(f io.Reader, ids []age.Identity) (io.Reader, bool, error) {
	br := bufio.NewReader(f)
	head, _ := br.Peek(len(armor.Header))
	var r io.Reader
	switch {
	case bytes.HasPrefix(head, []byte("age-encryption.org/")):
		r = br
	case bytes.Equal(head, []byte(armor.Header)):
		r = armor.NewReader(br)
	default:
		return br, false, nil
	}
	if len(ids) == 0 {
		return nil, true, ErrEncrypted
	}
	d, err := age.Decrypt(r, ids...)
	if err != nil {
		if _, ok := errors.AsType[*age.NoIdentityMatchError](err); ok {
			return nil, true, errors.New("restore: the backup is encrypted for another recipient: none of the --age-identity keys opens it")
		}
		return nil, true, fmt.Errorf("restore: %w: %v", ErrNotBackup, err)
	}
	return d, true, nil
}

// extracted is a backup read into a directory.
type extracted struct {
	manifest Manifest
	keyring  []byte
	blobs    []string // keys
}

// extract reads the archive into dir, checking every entry's name, size
// and checksum, and that the file is whole (the checksums entry last).
func extract(r io.Reader, dir string) (x extracted, err error) {
	bad := func(format string, a ...any) error {
		return fmt.Errorf("restore: %w: %s", ErrNotBackup, fmt.Sprintf(format, a...))
	}
	tr := tar.NewReader(r)
	sums := map[string]string{}
	var listed []byte
	for i := 0; ; i++ {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return x, bad("%v", err)
		}
		if listed != nil {
			return x, bad("%s after the checksums", h.Name)
		}
		name := h.Name
		if h.Typeflag != tar.TypeReg {
			return x, bad("%s is not a regular file", name)
		}
		if i == 0 && name != manifestName {
			return x, bad("no manifest first")
		}
		if _, dup := sums[name]; dup {
			return x, bad("%s twice", name)
		}
		limit := int64(-1)
		switch {
		case name == manifestName:
			limit = maxManifest
		case name == databaseName:
		case name == secretName, name == keyringName, name == checksumsName:
			limit = maxSmall
		case strings.HasPrefix(name, blobsPrefix) && blob.ValidKey(strings.TrimPrefix(name, blobsPrefix)):
			limit = blob.MaxSize
		default:
			return x, bad("unexpected entry %q", name)
		}
		if limit >= 0 && h.Size > limit {
			return x, bad("%s is %d bytes, more than %d", name, h.Size, limit)
		}
		h256 := sha256.New()
		var keep bytes.Buffer
		var w io.Writer = h256
		small := name == manifestName || name == checksumsName || name == keyringName
		if small {
			w = io.MultiWriter(h256, &keep)
		}
		if name != checksumsName {
			p := filepath.Join(dir, filepath.FromSlash(name))
			if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
				return x, fmt.Errorf("restore: %w", err)
			}
			out, err := os.OpenFile(p, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
			if err != nil {
				return x, fmt.Errorf("restore: %w", err)
			}
			_, err = io.Copy(io.MultiWriter(w, out), tr)
			if err == nil {
				err = out.Sync()
			}
			if cerr := out.Close(); err == nil {
				err = cerr
			}
			if err != nil {
				if isRead(err) {
					return x, bad("%s: %v", name, err)
				}
				return x, fmt.Errorf("restore: write %s: %w", name, err)
			}
		} else if _, err := io.Copy(w, tr); err != nil {
			return x, bad("%s: %v", name, err)
		}
		switch {
		case name == manifestName:
			d := json.NewDecoder(bytes.NewReader(keep.Bytes()))
			if err := d.Decode(&x.manifest); err != nil {
				return x, bad("manifest: %v", err)
			}
			if x.manifest.Format != Format {
				return x, bad("manifest format %q", x.manifest.Format)
			}
			if x.manifest.Version < 1 || x.manifest.Version > FormatVersion {
				return x, bad("format version %d; this bodydouble reads up to %d", x.manifest.Version, FormatVersion)
			}
		case name == keyringName:
			x.keyring = keep.Bytes()
		case name == checksumsName:
			listed = keep.Bytes()
			continue
		case strings.HasPrefix(name, blobsPrefix):
			x.blobs = append(x.blobs, strings.TrimPrefix(name, blobsPrefix))
		}
		sums[name] = hex.EncodeToString(h256.Sum(nil))
	}
	if listed == nil {
		return x, bad("the file ends early (no checksums)")
	}
	// Every entry listed, with its checksum, and nothing else.
	want := map[string]string{}
	for _, line := range strings.Split(strings.TrimSuffix(string(listed), "\n"), "\n") {
		sum, name, ok := strings.Cut(line, "  ")
		if !ok {
			return x, bad("checksums line %q", line)
		}
		want[name] = sum
	}
	names := make([]string, 0, len(sums))
	for n := range sums {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		if want[n] != sums[n] {
			return x, bad("%s does not match its checksum", n)
		}
		delete(want, n)
	}
	for n := range want {
		return x, bad("%s is listed but missing", n)
	}
	if _, ok := sums[databaseName]; !ok {
		return x, bad("no database")
	}
	if x.manifest.Secret != (sums[secretName] != "") || x.manifest.Keyring != (x.keyring != nil) {
		return x, bad("the manifest does not match the contents")
	}
	return x, nil
}

// isRead tells a failure to read the archive from a failure to write.
func isRead(err error) bool {
	var pe *fs.PathError
	return !errors.As(err, &pe)
}

// checkDatabase checks the SQLite file at path: integrity, a schema this
// binary knows and the manifest's version; it returns how many values
// each key seals.
func checkDatabase(ctx context.Context, path string, manifestVersion int) (map[string]int64, error) {
	db, err := openCheck(path)
	if err != nil {
		return nil, err
	}
	defer db.Close()
	rows, err := db.QueryContext(ctx, "PRAGMA integrity_check")
	if err != nil {
		return nil, fmt.Errorf("restore: %w: the database does not open: %v", ErrNotBackup, err)
	}
	var problems []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			rows.Close()
			return nil, fmt.Errorf("restore: integrity check: %w", err)
		}
		if s != "ok" {
			problems = append(problems, s)
		}
	}
	err = rows.Err()
	rows.Close()
	if err != nil {
		return nil, fmt.Errorf("restore: %w: integrity check: %v", ErrNotBackup, err)
	}
	if len(problems) > 0 {
		return nil, fmt.Errorf("restore: %w: the database fails its integrity check: %s", ErrNotBackup, strings.Join(problems[:min(3, len(problems))], "; "))
	}
	latest, err := sqlstore.SQLiteSchemaVersion()
	if err != nil {
		return nil, err
	}
	rows, err = db.QueryContext(ctx, "SELECT version FROM schema_migrations ORDER BY version")
	if err != nil {
		return nil, fmt.Errorf("restore: %w: no schema_migrations: %v", ErrNotBackup, err)
	}
	top := 0
	for rows.Next() {
		var v int
		if err := rows.Scan(&v); err != nil {
			rows.Close()
			return nil, fmt.Errorf("restore: schema: %w", err)
		}
		if v > latest {
			rows.Close()
			return nil, fmt.Errorf("restore: %w (migration %d; this one knows up to %d)", ErrNewerSchema, v, latest)
		}
		if !sqlstore.SQLiteMigrationKnown(v) {
			rows.Close()
			return nil, fmt.Errorf("restore: %w: unknown migration %d", ErrNotBackup, v)
		}
		top = max(top, v)
	}
	err = rows.Err()
	rows.Close()
	if err != nil {
		return nil, fmt.Errorf("restore: schema: %w", err)
	}
	if top != manifestVersion {
		return nil, fmt.Errorf("restore: %w: the database's schema is %d, the manifest says %d", ErrNotBackup, top, manifestVersion)
	}
	sealed, err := sqlstore.SQLiteSealedKeys(ctx, db)
	if err != nil {
		return nil, fmt.Errorf("restore: %w", err)
	}
	return sealed, nil
}

// chooseKeyring returns the keyring the restored server will use (nil if
// there is none yet) and whether it is the backup's, to be placed.
func chooseKeyring(opts RestoreOptions, x extracted) (raw []byte, place bool, err error) {
	if len(opts.KeyringJSON) > 0 {
		return opts.KeyringJSON, false, nil
	}
	if opts.KeyringPath == "" {
		return nil, false, nil
	}
	b, err := os.ReadFile(opts.KeyringPath)
	if err == nil {
		return b, false, nil
	}
	if !errors.Is(err, fs.ErrNotExist) {
		return nil, false, fmt.Errorf("restore: keyring: %w", err)
	}
	if x.keyring != nil {
		return x.keyring, true, nil
	}
	return nil, false, nil
}

// checkKeys makes sure ring (JSON; nil: none yet) holds the seed of every
// key that seals a value, and returns how many values are sealed.
func checkKeys(sealed map[string]int64, ring []byte) (int64, error) {
	var total int64
	var ids []string
	for id, n := range sealed {
		total += n
		ids = append(ids, id)
	}
	sort.Strings(ids)
	if len(ids) == 0 {
		return 0, nil
	}
	if ring == nil {
		return total, fmt.Errorf("restore: %w: there is no keyring yet, and %d values are sealed with key(s) %s: put the deployment's keyring in place first (--keyring-file, or keyring.json in the data directory), or restore a backup made with --include-keys", ErrMissingKeys, total, strings.Join(ids, ", "))
	}
	f, err := keyring.Parse(ring)
	if err != nil {
		return total, fmt.Errorf("restore: keyring: %w", err)
	}
	var missing []string
	for _, id := range ids {
		if k, ok := f.Key(id); !ok || len(k.Seed) == 0 {
			missing = append(missing, fmt.Sprintf("%s (%d values)", id, sealed[id]))
		}
	}
	if len(missing) > 0 {
		return total, fmt.Errorf("restore: %w: it lacks key(s) %s; use the keyring from the time of the backup", ErrMissingKeys, strings.Join(missing, ", "))
	}
	return total, nil
}

// sameFile reports whether the files at a and b both exist and hold the
// same bytes (used for small files only).
func sameFile(a, b string) bool {
	x, err := os.ReadFile(a)
	if err != nil {
		return false
	}
	y, err := os.ReadFile(b)
	return err == nil && bytes.Equal(x, y)
}

// replace moves the file at src to dst, first keeping dst (and dst plus
// each of sidecars) as <name><stamp>. It returns the names kept.
func replace(src, dst, stamp string, sidecars []string) ([]string, error) {
	var kept []string
	if _, err := os.Lstat(dst); err == nil {
		// A link keeps the old file while dst itself is replaced at once
		// by the rename below.
		if err := os.Link(dst, dst+stamp); err != nil {
			return kept, fmt.Errorf("restore: keep %s: %w", filepath.Base(dst), err)
		}
		kept = append(kept, dst+stamp)
	} else if !errors.Is(err, fs.ErrNotExist) {
		return kept, fmt.Errorf("restore: %w", err)
	}
	for _, s := range sidecars {
		if err := os.Rename(dst+s, dst+stamp+s); err == nil {
			kept = append(kept, dst+stamp+s)
		} else if !errors.Is(err, fs.ErrNotExist) {
			return kept, fmt.Errorf("restore: keep %s: %w", filepath.Base(dst+s), err)
		}
	}
	if err := os.Rename(src, dst); err != nil {
		return kept, fmt.Errorf("restore: %w", err)
	}
	syncDir(filepath.Dir(dst))
	return kept, nil
}

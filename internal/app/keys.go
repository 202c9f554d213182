package app

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/bodydouble/bodydouble/internal/auth"
	"github.com/bodydouble/bodydouble/internal/config"
	"github.com/bodydouble/bodydouble/internal/keyring"
	"github.com/bodydouble/bodydouble/internal/model"
	"github.com/bodydouble/bodydouble/internal/moderation"
	"github.com/bodydouble/bodydouble/internal/store/sqlstore"
)

// keyringFile is the generated keyring of an SQLite deployment given none.
const keyringFile = "keyring.json"

// keyringPoll is how often a server looks at its keyring for a rotation
// or a retirement made by `bodydouble keys`.
const keyringPoll = 5 * time.Second

// reencryptBatch is how many rows one step of the background
// re-encryption reads and rewrites.
const reencryptBatch = 500

// retireMargin is added to a token's lifetime when deciding whether a key
// may retire: servers keep signing with a replaced key until they next
// look at the keyring (keyringPoll), and clocks differ a little.
const retireMargin = 10 * time.Minute

// Audit log actions of `bodydouble keys`.
const (
	ActionKeysRotate = "keys.rotate"
	ActionKeysRetire = "keys.retire"
)

// keySource is where a deployment's keyring is kept.
type keySource interface {
	// read returns the keyring's JSON, generating it where that is allowed.
	read(ctx context.Context) (string, error)
	// write replaces the keyring, which must still be old.
	write(ctx context.Context, old, next string) error
	String() string
}

// keySourceFor picks where cfg's keyring is: given inline
// (BODYDOUBLE_KEYRING holding JSON), a file (--keyring-file, or
// BODYDOUBLE_KEYRING holding a path), else keyring.json in the data
// directory with SQLite (generated) or the database with PostgreSQL.
func keySourceFor(cfg config.Config, st *sqlstore.Store) keySource {
	postgres := cfg.DatabaseURL != ""
	switch {
	case cfg.KeyringJSON != "":
		return inlineKeys(cfg.KeyringJSON)
	case cfg.KeyringFile != "":
		// One SQLite server may make its own file; instances sharing a
		// PostgreSQL database must share one, made once (keys init).
		return fileKeys{path: cfg.KeyringFile, create: !postgres}
	case postgres:
		return dbKeys{st}
	default:
		return fileKeys{path: filepath.Join(cfg.DataDir, keyringFile), create: true}
	}
}

// generatedKeyring is a fresh keyring file's JSON.
func generatedKeyring() string { return string(keyring.Generate(time.Now()).Marshal()) }

type inlineKeys string

func (k inlineKeys) read(context.Context) (string, error) { return string(k), nil }
func (inlineKeys) write(context.Context, string, string) error {
	return errors.New("the keyring is given inline in BODYDOUBLE_KEYRING: keep it in a file (--keyring-file) to change it with bodydouble keys, or edit the variable and restart every server")
}
func (inlineKeys) String() string { return "BODYDOUBLE_KEYRING" }

type dbKeys struct{ st *sqlstore.Store }

func (k dbKeys) read(ctx context.Context) (string, error) {
	return k.st.Keyring(ctx, generatedKeyring)
}
func (k dbKeys) write(ctx context.Context, old, next string) error {
	return k.st.SwapKeyring(ctx, old, next)
}
func (dbKeys) String() string { return "the database" }

type fileKeys struct {
	path   string
	create bool
}

func (k fileKeys) String() string { return k.path }

func (k fileKeys) read(context.Context) (string, error) {
	b, err := os.ReadFile(k.path)
	if err == nil {
		return string(b), nil
	}
	if !errors.Is(err, fs.ErrNotExist) {
		return "", fmt.Errorf("app: read keyring: %w", err)
	}
	if !k.create {
		return "", fmt.Errorf("app: keyring file %s does not exist; make it once with `bodydouble keys init` and give every server the same file", k.path)
	}
	if err := k.place(generatedKeyring(), false); err != nil {
		return "", err
	}
	b, err = os.ReadFile(k.path)
	if err != nil {
		return "", fmt.Errorf("app: read keyring: %w", err)
	}
	return string(b), nil
}

func (k fileKeys) write(ctx context.Context, old, next string) error {
	cur, err := os.ReadFile(k.path)
	if err != nil {
		return fmt.Errorf("app: read keyring: %w", err)
	}
	if string(cur) != old {
		return fmt.Errorf("app: keyring %s changed meanwhile: %w", k.path, model.ErrConflict)
	}
	return k.place(next, true)
}

// place writes data to a private temporary file beside the keyring and
// moves it into place: replacing the file (replace), or only if there is
// none yet, so that two processes generating at once agree on one.
func (k fileKeys) place(data string, replace bool) error {
	tmp, err := os.CreateTemp(filepath.Dir(k.path), ".keyring-*")
	if err != nil {
		return fmt.Errorf("app: write keyring: %w", err)
	}
	defer os.Remove(tmp.Name())
	if err := tmp.Chmod(0o600); err != nil {
		tmp.Close()
		return fmt.Errorf("app: write keyring: %w", err)
	}
	_, err = tmp.WriteString(data)
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("app: write keyring: %w", err)
	}
	if replace {
		err = os.Rename(tmp.Name(), k.path)
	} else if err = os.Link(tmp.Name(), k.path); errors.Is(err, fs.ErrExist) {
		err = nil
	}
	if err != nil {
		return fmt.Errorf("app: write keyring: %w", err)
	}
	return nil
}

// keys is a running server's keyring and where it comes from.
type keys struct {
	ring *keyring.Keyring
	src  keySource
	st   *sqlstore.Store
	log  *slog.Logger
	// poll is how often run looks at the keyring (keyringPoll; tests
	// that drive reloads themselves set it long), batch how many rows a
	// step of re-encryption takes (reencryptBatch).
	poll  time.Duration
	batch int

	mu  sync.Mutex // held by reload and reencrypt
	raw string     // the keyring's JSON last loaded
}

// openKeys loads the keyring and gives it to the store, which seals with
// it from then on.
func openKeys(ctx context.Context, cfg config.Config, st *sqlstore.Store, log *slog.Logger) (*keys, error) {
	src := keySourceFor(cfg, st)
	raw, err := src.read(ctx)
	if err != nil {
		return nil, err
	}
	f, err := keyring.Parse([]byte(raw))
	if err != nil {
		return nil, fmt.Errorf("app: keyring in %s: %w", src, err)
	}
	ring, err := keyring.New(f)
	if err != nil {
		return nil, fmt.Errorf("app: keyring in %s: %w", src, err)
	}
	if _, ok := src.(dbKeys); ok {
		log.Warn("the keyring is kept in the database: encryption at rest then protects only backups made without the meta table; give --keyring-file or BODYDOUBLE_KEYRING to keep the keys apart from the data")
	}
	st.UseKeyring(ring, log)
	return &keys{ring: ring, src: src, st: st, log: log, poll: keyringPoll, batch: reencryptBatch, raw: raw}, nil
}

// reload reads the keyring again and swaps it in if it changed. A keyring
// that cannot be read or is not valid keeps the one loaded, and says so.
func (k *keys) reload(ctx context.Context) (changed bool, err error) {
	k.mu.Lock()
	defer k.mu.Unlock()
	raw, err := k.src.read(ctx)
	if err != nil {
		return false, err
	}
	if raw == k.raw {
		return false, nil
	}
	f, err := keyring.Parse([]byte(raw))
	if err == nil {
		err = k.ring.Replace(f)
	}
	if err != nil {
		return false, fmt.Errorf("app: keyring in %s: %w", k.src, err)
	}
	k.raw = raw
	k.log.Info("keyring reloaded", "from", k.src.String(), "active", k.ring.Current())
	return true, nil
}

// reencrypt seals with the active key every value that is plain or sealed
// with another key.
func (k *keys) reencrypt(ctx context.Context) (sqlstore.ReencryptResult, error) {
	res, err := k.st.Reencrypt(ctx, k.batch)
	if err != nil {
		return res, err
	}
	if res.Rewritten > 0 || res.Unreadable > 0 {
		k.log.Info("values re-encrypted", "key", k.ring.Current(), "rows", res.Rewritten, "unreadable", res.Unreadable)
	}
	return res, nil
}

// run re-encrypts once (values written before encryption existed, or
// left by an interrupted run), then reloads the keyring on each tick and
// re-encrypts after each change, until ctx ends.
func (k *keys) run(ctx context.Context, ticks <-chan time.Time) {
	if _, err := k.reencrypt(ctx); err != nil && ctx.Err() == nil {
		k.log.Warn("re-encryption stopped; it is tried again after the next keyring change or restart", "err", err)
	}
	for {
		select {
		case <-ctx.Done():
			return
		case <-ticks:
		}
		changed, err := k.reload(ctx)
		if err != nil {
			if ctx.Err() == nil {
				k.log.Warn("keyring not reloaded; the loaded one stays", "err", err)
			}
			continue
		}
		if changed {
			if _, err := k.reencrypt(ctx); err != nil && ctx.Err() == nil {
				k.log.Warn("re-encryption stopped; it is tried again after the next keyring change or restart", "err", err)
			}
		}
	}
}

// ReloadKeys does at once what a running server does every few seconds:
// it reads the keyring again, swaps it in, and re-encrypts every value
// not sealed with the active key, returning when that is done.
func (a *App) ReloadKeys(ctx context.Context) (sqlstore.ReencryptResult, error) {
	if _, err := a.keys.reload(ctx); err != nil {
		return sqlstore.ReencryptResult{}, err
	}
	return a.keys.reencrypt(ctx)
}

// keysUsage is the help of `bodydouble keys`.
const keysUsage = "usage: bodydouble keys list|rotate|retire <keyId>|init [server flags]"

// Keys runs `bodydouble keys ...` (args after "keys") with the server's
// flags and BODYDOUBLE_* environment, so that it reaches the server's
// keyring and database:
//
//   - list: the keys, their state and how many rows each still seals;
//   - rotate: a new key signs and seals from now on (running servers
//     notice within seconds and re-encrypt the old values in the
//     background); written to the audit log;
//   - retire <keyId>: forget a replaced key's secret, refused while a row
//     or a live token may still need it; written to the audit log;
//   - init: create the keyring file (--keyring-file) if there is none.
func Keys(ctx context.Context, args []string, getenv func(string) string, out io.Writer) error {
	cfg, words, err := config.ParseCommand(args, getenv, out)
	if err != nil {
		return err
	}
	return keysCommand(ctx, cfg, words, out, time.Now())
}

func keysCommand(ctx context.Context, cfg config.Config, words []string, out io.Writer, now time.Time) error {
	if len(words) == 0 || (words[0] == "retire") != (len(words) == 2) || len(words) > 2 {
		return errors.New(keysUsage)
	}
	var st *sqlstore.Store
	var err error
	if cfg.DatabaseURL != "" {
		st, err = sqlstore.OpenPostgres(ctx, cfg.DatabaseURL)
	} else {
		st, err = sqlstore.OpenSQLite(ctx, cfg.DataDir)
	}
	if err != nil {
		return err
	}
	defer st.Close()
	src := keySourceFor(cfg, st)
	if words[0] == "init" {
		fk, ok := src.(fileKeys)
		if !ok {
			return fmt.Errorf("keys init makes a keyring file; the keyring here is in %s", src)
		}
		fk.create = true
		src = fk
	}
	raw, err := src.read(ctx)
	if err != nil {
		return err
	}
	f, err := keyring.Parse([]byte(raw))
	if err != nil {
		return fmt.Errorf("keyring in %s: %w", src, err)
	}
	audit := func(action, id, reason string) error {
		return st.AddAudit(ctx, model.AuditEntry{At: now, ActorID: moderation.CLIActor, Action: action, TargetType: "key", TargetID: id, Reason: reason})
	}
	switch words[0] {
	case "init":
		fmt.Fprintf(out, "keyring %s: active key %s\n", src, activeKey(f))
		return nil
	case "list":
		for _, k := range f.Keys {
			line := fmt.Sprintf("%s  %-8s  created %s", k.ID, k.State, k.Created.Format(time.RFC3339))
			if k.State != keyring.Retired {
				n, err := st.SealedWith(ctx, k.ID)
				if err != nil {
					return err
				}
				line += fmt.Sprintf("  rows %d", n)
			}
			if k.State == keyring.Retiring {
				line += "  retire after " + retireAfter(f, k.ID).Format(time.RFC3339)
			}
			fmt.Fprintln(out, line)
		}
		return nil
	case "rotate":
		old := activeKey(f)
		next, id, err := keyring.Rotate(f, now)
		if err != nil {
			return err
		}
		if err := src.write(ctx, raw, string(next.Marshal())); err != nil {
			return err
		}
		if err := audit(ActionKeysRotate, id, "replaces "+old); err != nil {
			return fmt.Errorf("keys rotated, but the audit log was not written: %w", err)
		}
		fmt.Fprintf(out, "key %s is active; %s is retiring (running servers switch within %v and re-encrypt in the background)\n", id, old, keyringPoll)
		return nil
	case "retire":
		id := words[1]
		next, err := keyring.Retire(f, id)
		if err != nil {
			return err
		}
		n, err := st.SealedWith(ctx, id)
		if err != nil {
			return err
		}
		if n > 0 {
			return fmt.Errorf("key %s still seals %d rows: running servers re-encrypt them in the background (bodydouble keys list shows progress); retire it once none is left", id, n)
		}
		if at := retireAfter(f, id); now.Before(at) {
			return fmt.Errorf("key %s may have signed tokens that live until %s: retire it after that", id, at.Format(time.RFC3339))
		}
		if err := src.write(ctx, raw, string(next.Marshal())); err != nil {
			return err
		}
		if err := audit(ActionKeysRetire, id, ""); err != nil {
			return fmt.Errorf("key retired, but the audit log was not written: %w", err)
		}
		fmt.Fprintf(out, "key %s is retired\n", id)
		return nil
	default:
		return errors.New(keysUsage)
	}
}

func activeKey(f keyring.File) string {
	for _, k := range f.Keys {
		if k.State == keyring.Active {
			return k.ID
		}
	}
	return ""
}

// retireAfter is when the last token key id may have signed expires: a
// token lifetime after the key was replaced, plus retireMargin.
func retireAfter(f keyring.File, id string) time.Time {
	at, ok := f.Successor(id)
	if !ok {
		return time.Time{}
	}
	return at.Add(auth.TokenTTL + retireMargin)
}

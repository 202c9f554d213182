package app

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"filippo.io/age"

	"github.com/bodydouble/bodydouble/internal/backup"
	"github.com/bodydouble/bodydouble/internal/blob"
	"github.com/bodydouble/bodydouble/internal/config"
)

// Usage lines of `bodydouble backup` and `bodydouble restore`.
const (
	backupUsage  = "usage: bodydouble backup [--age-recipient age1…]… [--age-recipient-file FILE]… [--include-keys] FILE [server flags]"
	restoreUsage = "usage: bodydouble restore [--age-identity FILE]… FILE [server flags]"
)

// postgresBackup is the answer of both commands on PostgreSQL.
const postgresBackup = "with PostgreSQL (--database-url), back up with pg_dump and restore with pg_restore: docs/operations.md \"Backup and restore\""

// Backup runs `bodydouble backup FILE` (args after "backup") with the
// server's flags and BODYDOUBLE_* environment: a consistent copy of the
// SQLite database, the generated secret and the uploaded avatars of a file
// blob store, written to FILE while servers keep running; encrypted with
// age for each --age-recipient, and holding the keyring only with
// --include-keys (which needs a recipient).
func Backup(ctx context.Context, args []string, getenv func(string) string, out io.Writer) error {
	own, rest, err := takeFlags(args, []string{"age-recipient", "age-recipient-file"}, []string{"include-keys"})
	if err != nil {
		return fmt.Errorf("%v; %s", err, backupUsage)
	}
	cfg, words, err := config.ParseCommand(rest, getenv, out)
	if err != nil {
		return err
	}
	if len(words) != 1 {
		return errors.New(backupUsage)
	}
	return backupCommand(ctx, cfg, words[0], own, out, time.Now())
}

func backupCommand(ctx context.Context, cfg config.Config, file string, own map[string][]string, out io.Writer, now time.Time) error {
	if cfg.DatabaseURL != "" {
		return errors.New(postgresBackup)
	}
	var recipients []age.Recipient
	for _, s := range own["age-recipient"] {
		rs, err := age.ParseRecipients(strings.NewReader(s))
		if err != nil || len(rs) != 1 {
			return fmt.Errorf("--age-recipient %q is not an age recipient (age1…): %v", s, err)
		}
		recipients = append(recipients, rs...)
	}
	for _, p := range own["age-recipient-file"] {
		f, err := os.Open(p)
		if err != nil {
			return fmt.Errorf("--age-recipient-file: %w", err)
		}
		rs, err := age.ParseRecipients(f)
		f.Close()
		if err != nil {
			return fmt.Errorf("--age-recipient-file %s: %w", p, err)
		}
		recipients = append(recipients, rs...)
	}
	opts := backup.Options{DataDir: cfg.DataDir, Recipients: recipients, Now: now}
	if includeKeys(own) {
		if len(recipients) == 0 {
			return errors.New("--include-keys needs --age-recipient: a backup holding its keyring in plain text would be the database in plain text")
		}
		ring, err := readKeyring(cfg)
		if err != nil {
			return err
		}
		opts.Keyring = ring
	}
	var s3 bool
	opts.BlobDir, s3 = blobDir(cfg)
	res, err := backup.Create(ctx, file, opts)
	if err != nil {
		return err
	}
	line := fmt.Sprintf("%s: %s, schema %d, ", res.Path, size(res.Size), res.SchemaVersion)
	if res.Encrypted {
		line += fmt.Sprintf("encrypted for %d age recipient(s)", len(recipients))
	} else {
		line += "not encrypted"
	}
	if res.Keyring {
		line += ", with the keyring"
	} else {
		line += ", without the keyring"
	}
	if s3 {
		line += ", avatars not included (S3)"
	} else {
		line += fmt.Sprintf(", %d avatars", res.Blobs)
	}
	fmt.Fprintln(out, line)
	return nil
}

// Restore runs `bodydouble restore FILE` (args after "restore") with the
// server's flags and BODYDOUBLE_* environment: it refuses while a server
// runs on the data directory, checks the whole file, then puts the
// database, the secret and the avatars in place, keeping the previous
// database beside them. An encrypted file needs --age-identity.
func Restore(ctx context.Context, args []string, getenv func(string) string, out io.Writer) error {
	own, rest, err := takeFlags(args, []string{"age-identity"}, nil)
	if err != nil {
		return fmt.Errorf("%v; %s", err, restoreUsage)
	}
	cfg, words, err := config.ParseCommand(rest, getenv, out)
	if err != nil {
		return err
	}
	if len(words) != 1 {
		return errors.New(restoreUsage)
	}
	return restoreCommand(ctx, cfg, words[0], own, getenv, out, time.Now())
}

func restoreCommand(ctx context.Context, cfg config.Config, file string, own map[string][]string, getenv func(string) string, out io.Writer, now time.Time) error {
	if cfg.DatabaseURL != "" {
		return errors.New(postgresBackup)
	}
	var ids []age.Identity
	for _, p := range own["age-identity"] {
		f, err := os.Open(p)
		if err != nil {
			return fmt.Errorf("--age-identity: %w", err)
		}
		is, err := age.ParseIdentities(f)
		f.Close()
		if err != nil {
			return fmt.Errorf("--age-identity %s: %w", p, err)
		}
		ids = append(ids, is...)
	}
	opts := backup.RestoreOptions{DataDir: cfg.DataDir, Identities: ids, Now: now}
	switch src := keySourceFor(cfg, nil).(type) {
	case inlineKeys:
		opts.KeyringJSON = []byte(src)
	case fileKeys:
		opts.KeyringPath = src.path
	}
	opts.Blobs = func() (blob.Store, error) { return blob.Open(cfg.BlobURL, cfg.DataDir, getenv) }
	res, err := backup.Restore(ctx, file, opts)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "restored %s (made %s, schema %d) into %s: %d encrypted values readable with the keyring, %d avatars added\n",
		file, res.Created.Format(time.RFC3339), res.SchemaVersion, cfg.DataDir, res.Sealed, res.Blobs)
	if res.KeyringPlaced {
		fmt.Fprintf(out, "the backup's keyring is now %s\n", opts.KeyringPath)
	}
	for _, k := range res.Kept {
		fmt.Fprintf(out, "kept %s\n", k)
	}
	return nil
}

// readKeyring returns the keyring's JSON for --include-keys, never
// generating one.
func readKeyring(cfg config.Config) ([]byte, error) {
	switch src := keySourceFor(cfg, nil).(type) {
	case inlineKeys:
		return []byte(src), nil
	case fileKeys:
		b, err := os.ReadFile(src.path)
		if err != nil {
			return nil, fmt.Errorf("--include-keys: %w", err)
		}
		return b, nil
	}
	return nil, errors.New("--include-keys: no keyring file")
}

// blobDir is the directory of cfg's blob store when it is a file store
// ("" and true for S3, whose bucket is backed up on its own).
func blobDir(cfg config.Config) (string, bool) {
	if cfg.BlobURL == "" {
		return filepath.Join(cfg.DataDir, "blobs"), false
	}
	u, err := url.Parse(cfg.BlobURL)
	if err != nil || u.Scheme != "file" {
		return "", true
	}
	return u.Path, false
}

func includeKeys(own map[string][]string) bool {
	v := own["include-keys"]
	return len(v) > 0 && v[len(v)-1] == "true"
}

// size is n bytes for people: 12.3 MB.
func size(n int64) string {
	switch {
	case n >= 1<<30:
		return fmt.Sprintf("%.1f GB", float64(n)/(1<<30))
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f kB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d bytes", n)
}

// takeFlags takes a command's own flags out of args, leaving the server's
// flags and the words for config.ParseCommand: valued flags (--name v or
// --name=v, repeatable) and boolean ones (--name, --name=false).
func takeFlags(args []string, valued, bools []string) (map[string][]string, []string, error) {
	is := func(list []string, s string) bool {
		for _, x := range list {
			if x == s {
				return true
			}
		}
		return false
	}
	own := map[string][]string{}
	var rest []string
	for i := 0; i < len(args); i++ {
		a := args[i]
		if a == "--" {
			rest = append(rest, args[i:]...)
			break
		}
		if !strings.HasPrefix(a, "-") {
			rest = append(rest, a)
			continue
		}
		name, val, hasVal := strings.Cut(strings.TrimLeft(a, "-"), "=")
		switch {
		case is(valued, name):
			if !hasVal {
				if i+1 >= len(args) {
					return nil, nil, fmt.Errorf("--%s needs a value", name)
				}
				i++
				val = args[i]
			}
			own[name] = append(own[name], val)
		case is(bools, name):
			if hasVal {
				b, err := strconv.ParseBool(val)
				if err != nil {
					return nil, nil, fmt.Errorf("--%s=%s is not true or false", name, val)
				}
				val = strconv.FormatBool(b)
			} else {
				val = "true"
			}
			own[name] = append(own[name], val)
		default:
			rest = append(rest, a)
		}
	}
	return own, rest, nil
}

package app

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"filippo.io/age"

	"github.com/bodydouble/bodydouble/internal/config"
	"github.com/bodydouble/bodydouble/internal/store/sqlstore"
)

// TestTakeFlags: the commands' own flags come out in both spellings and
// wherever they stand; the server's flags and the words stay in order.
func TestTakeFlags(t *testing.T) {
	own, rest, err := takeFlags([]string{"--data-dir", "/d", "--age-recipient", "a", "out.tar", "-age-recipient=b", "--include-keys", "--log-format=json"},
		[]string{"age-recipient"}, []string{"include-keys"})
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(own["age-recipient"], []string{"a", "b"}) || !includeKeys(own) {
		t.Fatalf("own flags: %v", own)
	}
	if !reflect.DeepEqual(rest, []string{"--data-dir", "/d", "out.tar", "--log-format=json"}) {
		t.Fatalf("rest: %v", rest)
	}
	if own, _, _ := takeFlags([]string{"--include-keys=false"}, nil, []string{"include-keys"}); includeKeys(own) {
		t.Fatal("--include-keys=false included the keys")
	}
	for _, args := range [][]string{{"--age-recipient"}, {"--include-keys=maybe"}} {
		if _, _, err := takeFlags(args, []string{"age-recipient"}, []string{"include-keys"}); err == nil {
			t.Fatalf("%v accepted", args)
		}
	}
}

// TestBackupCommandRefusals: PostgreSQL is pointed at pg_dump, a bad
// recipient and a missing word are errors, and nothing is written.
func TestBackupCommandRefusals(t *testing.T) {
	dir := t.TempDir()
	st, err := sqlstore.OpenSQLite(context.Background(), dir)
	if err != nil {
		t.Fatal(err)
	}
	st.Close()
	env := func(string) string { return "" }
	out := filepath.Join(t.TempDir(), "b.tar")
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--data-dir", dir}, "usage: bodydouble backup"},
		{[]string{"--data-dir", dir, "--database-url", "postgres://x/y", out}, "pg_dump"},
		{[]string{"--data-dir", dir, "--age-recipient", "AGE-SECRET-KEY-1XYZ", out}, "not an age recipient"},
		{[]string{"--data-dir", dir, "--include-keys", out}, "--include-keys needs --age-recipient"},
	} {
		err := Backup(context.Background(), tc.args, env, &bytes.Buffer{})
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("backup %v: %v, want %q", tc.args, err, tc.want)
		}
	}
	if err := Restore(context.Background(), []string{"--database-url", "postgres://x/y", out}, env, &bytes.Buffer{}); err == nil || !strings.Contains(err.Error(), "pg_restore") {
		t.Errorf("restore on PostgreSQL: %v", err)
	}
	if _, err := os.Stat(out); err == nil {
		t.Fatal("a refused backup wrote its file")
	}

	// A recipient file and the keyring: the line says so.
	id, _ := age.GenerateX25519Identity()
	rf := filepath.Join(t.TempDir(), "recipients")
	os.WriteFile(rf, []byte("# ops\n"+id.Recipient().String()+"\n"), 0o600)
	os.WriteFile(filepath.Join(dir, keyringFile), []byte(generatedKeyring()), 0o600)
	var buf bytes.Buffer
	cfg := config.Default()
	cfg.DataDir = dir
	if err := backupCommand(context.Background(), cfg, out, map[string][]string{"age-recipient-file": {rf}, "include-keys": {"true"}}, &buf, time.Now()); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(buf.String(), "encrypted for 1 age recipient(s), with the keyring, 0 avatars") {
		t.Fatalf("output: %s", buf.String())
	}
}

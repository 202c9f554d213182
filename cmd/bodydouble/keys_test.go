package main_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// keysCmd runs `bodydouble keys args...` with env and returns its output.
func keysCmd(t *testing.T, env []string, args ...string) (string, error) {
	t.Helper()
	cmd := exec.Command(bin, append([]string{"keys"}, args...)...)
	cmd.Env = append(os.Environ(), env...)
	out, err := cmd.CombinedOutput()
	return string(out), err
}

// TestKeysCommand: the binary's keys subcommand reaches the data
// directory's keyring (made at mode 0600 on first use), rotates it, lists
// both keys, refuses to retire the old one while its tokens may live and
// the active one at all, and rejects bad usage with the usage line.
func TestKeysCommand(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	env := []string{"BODYDOUBLE_DATA_DIR=" + dir}
	out, err := keysCmd(t, env, "list")
	if err != nil || !strings.Contains(out, "active") {
		t.Fatalf("keys list: %v\n%s", err, out)
	}
	old := strings.Fields(out)[0]
	fi, err := os.Stat(filepath.Join(dir, "keyring.json"))
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("keyring.json: %v %v", fi, err)
	}
	if out, err = keysCmd(t, env, "rotate"); err != nil || !strings.Contains(out, old+" is retiring") {
		t.Fatalf("keys rotate: %v\n%s", err, out)
	}
	out, err = keysCmd(t, env, "list")
	if err != nil || !strings.Contains(out, old+"  retiring") || !strings.Contains(out, "retire after") {
		t.Fatalf("keys list after rotate: %v\n%s", err, out)
	}
	if out, err = keysCmd(t, env, "retire", old); err == nil || !strings.Contains(out, "tokens that live until") {
		t.Fatalf("keys retire too early: %v\n%s", err, out)
	}
	var active string
	out, _ = keysCmd(t, env, "list")
	for _, line := range strings.Split(out, "\n") {
		if strings.Contains(line, " active ") {
			active = strings.Fields(line)[0]
		}
	}
	if out, err = keysCmd(t, env, "retire", active); err == nil || !strings.Contains(out, "rotate first") {
		t.Fatalf("keys retire of the active key: %v\n%s", err, out)
	}
	if out, err = keysCmd(t, env, "spin"); err == nil || !strings.Contains(out, "usage: bodydouble keys") {
		t.Fatalf("keys spin: %v\n%s", err, out)
	}
}

package deploytest

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"filippo.io/age"
)

// systemdUnescape undoes what systemd does to an ExecStart line before
// the shell sees it: "$$" is "$" and "%%" is "%".
func systemdUnescape(s string) string {
	return strings.NewReplacer("$$", "$", "%%", "%").Replace(s)
}

// The backup unit runs as the server unit's dynamic user on its state
// directory, and its command lines, run the way systemd runs them
// against a real data directory, write an age-encrypted backup and
// delete only the backups older than 14 days.
func TestSystemdBackupUnit(t *testing.T) {
	server := unitDirectives(t, read(t, "deploy/bodydouble.service"))
	text := read(t, "deploy/bodydouble-backup.service")
	d := unitDirectives(t, text)
	for k, want := range map[string]string{
		"Type":           "oneshot",
		"DynamicUser":    "yes",
		"User":           "bodydouble", // DynamicUser's name for bodydouble.service
		"LoadCredential": "recipients:/etc/bodydouble/backup-recipients.txt",
		"ProtectSystem":  "strict",
	} {
		if got := d[k]; len(got) != 1 || got[0] != want {
			t.Errorf("%s=%q, want %q", k, got, want)
		}
	}
	if got := server["User"]; len(got) != 0 {
		t.Errorf("bodydouble.service names User=%q: the backup unit's User= must follow it", got)
	}
	states := strings.Fields(d["StateDirectory"][0])
	if !slices.Contains(states, server["StateDirectory"][0]) {
		t.Errorf("StateDirectory=%q lacks the server's %q", states, server["StateDirectory"][0])
	}
	if got := d["EnvironmentFile"]; len(got) != 1 || got[0] != server["EnvironmentFile"][0] {
		t.Errorf("EnvironmentFile=%q, want the server's %q", got, server["EnvironmentFile"])
	}

	// The shell line inside ExecStart=/bin/sh -c '…'.
	m := regexp.MustCompile(`^/bin/sh -c '(.*)'$`).FindStringSubmatch(d["ExecStart"][0])
	if m == nil {
		t.Fatalf("ExecStart=%q is not /bin/sh -c '…'", d["ExecStart"][0])
	}
	script := systemdUnescape(m[1])
	if !strings.Contains(script, "/usr/local/bin/bodydouble backup --data-dir /var/lib/bodydouble ") {
		t.Fatalf("ExecStart does not back up the server's /var/lib/bodydouble: %s", script)
	}
	post := strings.Fields(strings.ReplaceAll(d["ExecStartPost"][0], "'", ""))

	// A data directory with a database in it, as the server leaves it.
	bin := filepath.Join(release(t), "bodydouble-"+releaseVersion+"-linux-amd64")
	dir := t.TempDir()
	data, backups, creds := filepath.Join(dir, "data"), filepath.Join(dir, "backups"), filepath.Join(dir, "creds")
	for _, p := range []string{backups, creds} {
		if err := os.Mkdir(p, 0o700); err != nil {
			t.Fatal(err)
		}
	}
	if out, err := exec.Command(bin, "keys", "list", "--data-dir", data).CombinedOutput(); err != nil {
		t.Fatalf("bodydouble keys list: %v\n%s", err, out)
	}
	id, err := age.GenerateX25519Identity()
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(creds, "recipients"), []byte("# backups\n"+id.Recipient().String()+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	old := filepath.Join(backups, "2026-01-01T0000.bdbackup")
	if err := os.WriteFile(old, []byte("old"), 0o600); err != nil {
		t.Fatal(err)
	}
	fifteenDaysAgo := time.Now().Add(-15 * 24 * time.Hour)
	if err := os.Chtimes(old, fifteenDaysAgo, fifteenDaysAgo); err != nil {
		t.Fatal(err)
	}
	paths := strings.NewReplacer("/usr/local/bin/bodydouble", bin, "/var/lib/bodydouble-backups", backups, "/var/lib/bodydouble", data)
	cmd := exec.Command("/bin/sh", "-c", paths.Replace(script))
	cmd.Env = append(os.Environ(), "CREDENTIALS_DIRECTORY="+creds)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("ExecStart: %v\n%s", err, out)
	}
	for i, a := range post {
		post[i] = paths.Replace(a)
	}
	if out, err := exec.Command(post[0], post[1:]...).CombinedOutput(); err != nil {
		t.Fatalf("ExecStartPost: %v\n%s", err, out)
	}
	files, err := filepath.Glob(filepath.Join(backups, "*.bdbackup"))
	if err != nil || len(files) != 1 || files[0] == old {
		t.Fatalf("backups after one run: %q %v, want one new file and the 15-day-old one gone", files, err)
	}
	b, err := os.ReadFile(files[0])
	if err != nil {
		t.Fatal(err)
	}
	r, err := age.Decrypt(bytes.NewReader(b), id)
	if err != nil {
		t.Fatalf("the backup does not decrypt with the recipients' identity: %v", err)
	}
	if n, err := r.Read(make([]byte, 512)); err != nil || n == 0 {
		t.Fatalf("decrypted backup: %d bytes, %v", n, err)
	}

	analyze, err := exec.LookPath("systemd-analyze")
	if err != nil {
		t.Skip("systemd-analyze is not installed: the units are not verified")
	}
	unitDir := t.TempDir()
	for _, name := range []string{"bodydouble-backup.service", "bodydouble-backup.timer"} {
		if err := os.WriteFile(filepath.Join(unitDir, name), []byte(read(t, "deploy/"+name)), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	// verify exits 0 on directives it only warns about: any output fails.
	out, err := exec.Command(analyze, "verify", filepath.Join(unitDir, "bodydouble-backup.timer"), filepath.Join(unitDir, "bodydouble-backup.service")).CombinedOutput()
	if err != nil || len(bytes.TrimSpace(out)) > 0 {
		t.Errorf("systemd-analyze verify: %v\n%s", err, out)
	}
	out, err = exec.Command(analyze, "security", "--offline=yes", "--threshold=20", filepath.Join(unitDir, "bodydouble-backup.service")).CombinedOutput()
	if m := regexp.MustCompile(`Overall exposure level for bodydouble-backup.service: (\d+\.\d)`).FindSubmatch(out); err != nil || m == nil || string(m[1]) > "2.0" {
		t.Errorf("exposure level %s, want at most 2.0: %v\n%s", m, err, out)
	}
}

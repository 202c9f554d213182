package main_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"filippo.io/age"

	"github.com/bodydouble/bodydouble/internal/store/storetest"
)

// completed is a focus session the load completed, and what it said.
type completed struct {
	id, token, goal string
}

// writeLoad is people starting and completing focus sessions over REST
// until stop, each in a starter room.
type writeLoad struct {
	mu   sync.Mutex
	done []completed
	stop chan struct{}
	wg   sync.WaitGroup
	errs chan error
}

func startLoad(t *testing.T, base string, people int) *writeLoad {
	t.Helper()
	var rooms roomList
	first := signUp(t, base)
	if code := call(t, nil, "GET", base+"/api/rooms", first.Token, nil, &rooms); code != 200 || len(rooms.Rooms) == 0 {
		t.Fatalf("rooms: %d", code)
	}
	l := &writeLoad{stop: make(chan struct{}), errs: make(chan error, people)}
	for p := range people {
		me := signUp(t, base)
		room := rooms.Rooms[p%len(rooms.Rooms)].ID
		l.wg.Add(1)
		go func() {
			defer l.wg.Done()
			l.errs <- l.person(base, me, room, p)
		}()
	}
	return l
}

// person is one person's loop; it returns the first unexpected answer.
func (l *writeLoad) person(base string, me session, room string, p int) error {
	for i := 0; ; i++ {
		select {
		case <-l.stop:
			return nil
		default:
		}
		// Joining again is harmless, and brings back a person whose seat
		// lapsed (they have no socket).
		if code, err := do("POST", base+"/api/rooms/"+room+"/join", me.Token, nil, nil); err != nil || code != 200 {
			return fmt.Errorf("join: %d %v", code, err)
		}
		goal := fmt.Sprintf("goal of person %d, session %d", p, i)
		var s struct{ ID string }
		code, err := do("POST", base+"/api/sessions", me.Token, map[string]any{"roomId": room, "goals": []string{goal}}, &s)
		if err != nil || code != 201 {
			return fmt.Errorf("start session: %d %v", code, err)
		}
		code, err = do("POST", base+"/api/sessions/"+s.ID+"/complete", me.Token, map[string]any{"achievements": []string{"done " + goal}, "rating": 4}, nil)
		if err != nil || code != 200 {
			return fmt.Errorf("complete session: %d %v", code, err)
		}
		l.mu.Lock()
		l.done = append(l.done, completed{id: s.ID, token: me.Token, goal: goal})
		l.mu.Unlock()
	}
}

// completedSoFar is a copy of the sessions completed until now.
func (l *writeLoad) completedSoFar() []completed {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]completed(nil), l.done...)
}

// waitFor polls until at least n sessions have completed.
func (l *writeLoad) waitFor(t *testing.T, n int) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for len(l.completedSoFar()) < n {
		if time.Now().After(deadline) {
			t.Fatalf("only %d sessions completed within 60 s", len(l.completedSoFar()))
		}
		select {
		case err := <-l.errs:
			t.Fatalf("load: %v", err)
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// end stops the load and reports its errors.
func (l *writeLoad) end(t *testing.T) {
	t.Helper()
	close(l.stop)
	l.wg.Wait()
	close(l.errs)
	for err := range l.errs {
		if err != nil {
			t.Fatalf("load: %v", err)
		}
	}
}

// do is call for goroutines: errors are returned, not fatal.
func do(method, url, token string, body, out any) (int, error) {
	var r io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		r = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, url, r)
	if err != nil {
		return 0, err
	}
	req.Header.Set("Authorization", "Bearer "+token)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	if out != nil && resp.StatusCode < 300 {
		if err := json.NewDecoder(resp.Body).Decode(out); err != nil {
			return resp.StatusCode, err
		}
	}
	return resp.StatusCode, nil
}

// checkSessions asserts that every session is on the server at base,
// completed, with its goal readable.
func checkSessions(t *testing.T, base string, sessions []completed) {
	t.Helper()
	for _, c := range sessions {
		var got struct {
			Goals        []string `json:"goals"`
			Achievements []string `json:"achievements"`
			IsCompleted  bool     `json:"isCompleted"`
		}
		if code := call(t, nil, "GET", base+"/api/sessions/"+c.id, c.token, nil, &got); code != http.StatusOK {
			t.Fatalf("session %s after restore: %d", c.id, code)
		}
		if !got.IsCompleted || len(got.Goals) != 1 || got.Goals[0] != c.goal || len(got.Achievements) != 1 || got.Achievements[0] != "done "+c.goal {
			t.Fatalf("session %s after restore: %+v, want completed with goal %q", c.id, got, c.goal)
		}
	}
}

// command runs the binary with args in dir and returns its output.
func command(t *testing.T, dir string, env []string, args ...string) (string, error) {
	t.Helper()
	cmd := exec.Command(bin, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), env...)
	out, err := cmd.CombinedOutput()
	return string(out), err
}

// TestBackupDuringWritesAndRestore: `bodydouble backup` taken twice while
// people start and complete focus sessions (plain, then age-encrypted
// with the keyring); restore refuses while the server runs and refuses a
// damaged file; each backup restored into a fresh directory (the plain
// one with the keyring kept apart, the encrypted one with its own) starts
// a server that has every session completed before the backup began,
// goals readable.
func TestBackupDuringWritesAndRestore(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	data := filepath.Join(dir, "data")
	s := start(t, dir, nil, "--rate-limit", "off")
	load := startLoad(t, s.URL, 6)
	load.waitFor(t, 20)

	id, err := age.GenerateX25519Identity()
	if err != nil {
		t.Fatal(err)
	}
	idFile := filepath.Join(dir, "backup-identity.txt")
	if err := os.WriteFile(idFile, []byte(id.String()+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	plain, sealed := filepath.Join(dir, "plain.bdbackup"), filepath.Join(dir, "sealed.bdbackup")

	beforePlain := load.completedSoFar()
	began := time.Now()
	out, err := command(t, dir, nil, "backup", "--data-dir", data, plain)
	t.Logf("backup under load: %v: %s", time.Since(began).Round(time.Millisecond), out)
	if err != nil || !strings.Contains(out, "not encrypted, without the keyring") {
		t.Fatalf("backup: %v\n%s", err, out)
	}
	// The load goes on during and between the backups.
	load.waitFor(t, len(load.completedSoFar())+5)
	beforeSealed := load.completedSoFar()
	out, err = command(t, dir, nil, "backup", "--data-dir", data, "--age-recipient", id.Recipient().String(), "--include-keys", sealed)
	if err != nil || !strings.Contains(out, "encrypted for 1 age recipient(s), with the keyring") {
		t.Fatalf("encrypted backup: %v\n%s", err, out)
	}
	load.waitFor(t, len(load.completedSoFar())+5)
	out, err = command(t, dir, nil, "backup", "--data-dir", data, "--include-keys", filepath.Join(dir, "nope"))
	if err == nil || !strings.Contains(out, "--include-keys needs --age-recipient") {
		t.Fatalf("plain backup with the keyring: %v\n%s", err, out)
	}

	// Restore refuses while the server runs, and touches nothing.
	out, err = command(t, dir, nil, "restore", "--data-dir", data, plain)
	if err == nil || !strings.Contains(out, "running on this data directory") {
		t.Fatalf("restore under a running server: %v\n%s", err, out)
	}
	load.end(t)
	total := len(load.completedSoFar())
	s.stop()
	if kept, _ := filepath.Glob(filepath.Join(data, "*before-restore*")); len(kept) != 0 {
		t.Fatalf("a refused restore moved files aside: %v", kept)
	}
	t.Logf("%d sessions completed in all; %d before the plain backup, %d before the encrypted one", total, len(beforePlain), len(beforeSealed))

	// A damaged file is refused.
	damaged := filepath.Join(dir, "damaged.bdbackup")
	b, _ := os.ReadFile(plain)
	b[len(b)/2] ^= 1
	os.WriteFile(damaged, b, 0o600)
	fresh := t.TempDir()
	out, err = command(t, fresh, nil, "restore", damaged)
	if err == nil || !strings.Contains(out, "not a bodydouble backup, or a damaged one") {
		t.Fatalf("restore of a damaged file: %v\n%s", err, out)
	}

	// The plain backup, with the keyring from where it is kept apart.
	ring, err := os.ReadFile(filepath.Join(data, "keyring.json"))
	if err != nil {
		t.Fatal(err)
	}
	os.MkdirAll(filepath.Join(fresh, "data"), 0o700)
	os.WriteFile(filepath.Join(fresh, "data", "keyring.json"), ring, 0o600)
	out, err = command(t, fresh, nil, "restore", plain)
	if err != nil || !strings.Contains(out, "restored") {
		t.Fatalf("restore: %v\n%s", err, out)
	}
	r := start(t, fresh, nil, "--rate-limit", "off")
	checkSessions(t, r.URL, beforePlain)
	r.stop()

	// The encrypted one: refused without the identity, then with it its
	// keyring lands in the empty directory.
	fresh = t.TempDir()
	out, err = command(t, fresh, nil, "restore", sealed)
	if err == nil || !strings.Contains(out, "encrypted with age: give --age-identity") {
		t.Fatalf("restore without identity: %v\n%s", err, out)
	}
	out, err = command(t, fresh, nil, "restore", "--age-identity", idFile, sealed)
	if err != nil || !strings.Contains(out, "the backup's keyring is now") {
		t.Fatalf("encrypted restore: %v\n%s", err, out)
	}
	r = start(t, fresh, nil, "--rate-limit", "off")
	checkSessions(t, r.URL, beforeSealed)
	r.stop()
}

// TestPostgresDumpAndRestore runs the procedure of docs/operations.md
// "Backup and restore" for PostgreSQL: pg_dump --format=custom while people
// complete focus sessions, pg_restore --clean --if-exists --no-owner into
// a new database, and a server on it (same keyring file) has every
// session completed before the dump began.
func TestPostgresDumpAndRestore(t *testing.T) {
	t.Parallel()
	for _, tool := range []string{"pg_dump", "pg_restore"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s not installed", tool)
		}
	}
	srcURL := storetest.PostgresURL(t)
	dstURL := storetest.PostgresURL(t)
	dir := t.TempDir()
	keys := filepath.Join(dir, "keyring.json")
	env := []string{"BODYDOUBLE_DATABASE_URL=" + srcURL, "BODYDOUBLE_KEYRING_FILE=" + keys}
	if out, err := keysCmd(t, env, "init"); err != nil {
		t.Fatalf("keys init: %v\n%s", err, out)
	}
	s := start(t, dir, env, "--rate-limit", "off")
	load := startLoad(t, s.URL, 6)
	load.waitFor(t, 20)
	before := load.completedSoFar()
	dump := filepath.Join(dir, "bodydouble.dump")
	if out, err := exec.Command("pg_dump", "--format=custom", "--file="+dump, srcURL).CombinedOutput(); err != nil {
		t.Fatalf("pg_dump: %v\n%s", err, out)
	}
	load.waitFor(t, len(load.completedSoFar())+5)
	load.end(t)
	s.stop()

	if out, err := exec.Command("pg_restore", "--clean", "--if-exists", "--no-owner", "--dbname="+dstURL, dump).CombinedOutput(); err != nil {
		t.Fatalf("pg_restore: %v\n%s", err, out)
	}
	r := start(t, dir, []string{"BODYDOUBLE_DATABASE_URL=" + dstURL, "BODYDOUBLE_KEYRING_FILE=" + keys}, "--rate-limit", "off")
	checkSessions(t, r.URL, before)
	r.stop()
}

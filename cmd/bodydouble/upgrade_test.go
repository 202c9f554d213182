package main_test

import (
	"archive/tar"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/jackc/pgx/v5"
	_ "modernc.org/sqlite" // to write into a stopped instance's database

	"github.com/bodydouble/bodydouble/internal/realtime"
	"github.com/bodydouble/bodydouble/internal/realtime/wstest"
	"github.com/bodydouble/bodydouble/internal/release"
)

// TestUpgradeFromThePreviousRelease runs a rolling upgrade's riskiest
// moment for real: an instance of the previous release (deploy/previous-release,
// built from its commit) creates the schema and serves people; an instance
// of this tree starts on the same PostgreSQL and Redis and migrates; then
// both serve at once, each reading what the other wrote, with people on
// either instance seeing each other in one room. Finally the old instance
// restarts on the migrated schema (an instance restarting mid-rollout, or
// a rollback) and serves again.
func TestUpgradeFromThePreviousRelease(t *testing.T) {
	t.Parallel()
	env, dbURL := scaleOutEnv(t)
	prev := readPreviousRelease(t)
	oldBin := buildRelease(t, prev)

	// The previous release creates its schema and serves.
	old := startBinary(t, oldBin, t.TempDir(), env)
	if v := schemaVersion(t, dbURL); v != prev.LastMigration {
		t.Fatalf("%s left the schema at migration %d, want %d", prev.Version, v, prev.LastMigration)
	}
	alice, bob := signUp(t, old.URL), signUp(t, old.URL)
	var created struct {
		ID string `json:"id"`
	}
	if code := call(t, nil, "POST", old.URL+"/api/rooms", alice.Token, map[string]any{"name": "Before and after", "category": "study", "timerControl": "anyone"}, &created); code != http.StatusCreated {
		t.Fatalf("create room on %s: %d", prev.Version, code)
	}
	room := created.ID
	ca := wstest.Dial(t, wsURL(old.URL), alice.Token)
	ca.Join(room)
	var aliceSession sessionBody
	if code := call(t, nil, "POST", old.URL+"/api/sessions", alice.Token, map[string]any{"roomId": room, "goals": []string{"plan the week"}, "plannedMinutes": 50}, &aliceSession); code != http.StatusCreated {
		t.Fatalf("start a session on %s: %d", prev.Version, code)
	}
	ca.Expect("focus-session-started", "")

	// This tree's instance starts on the same database and migrates it,
	// while the old one keeps serving.
	cur := start(t, t.TempDir(), env)
	latest := latestMigration(t)
	if v := schemaVersion(t, dbURL); v != latest {
		t.Fatalf("after the new instance started the schema is at %d, want %d", v, latest)
	}
	if latest == prev.LastMigration {
		t.Logf("no migration since %s: the upgrade test checks only that both serve", prev.Version)
	}
	t.Logf("upgraded the schema from %04d (%s) to %04d", prev.LastMigration, prev.Version, latest)

	// Tokens and data cross both ways.
	carol := signUp(t, cur.URL)
	for _, tc := range []struct {
		base, token, who string
	}{{cur.URL, alice.Token, "old token on new"}, {old.URL, carol.Token, "new token on old"}} {
		if code := call(t, nil, "GET", tc.base+"/api/auth/session", tc.token, nil, nil); code != http.StatusOK {
			t.Fatalf("%s: %d", tc.who, code)
		}
	}
	var onNew sessionBody
	if code := call(t, nil, "GET", cur.URL+"/api/sessions/"+aliceSession.ID, alice.Token, nil, &onNew); code != http.StatusOK || strings.Join(onNew.Goals, "|") != "plan the week" || onNew.PlannedMinutes == nil || *onNew.PlannedMinutes != 50 {
		t.Fatalf("session started on %s, read on the new instance: %d %+v", prev.Version, code, onNew)
	}
	var carolsRoom struct {
		ID string `json:"id"`
	}
	if code := call(t, nil, "POST", old.URL+"/api/rooms", carol.Token, map[string]any{"name": "Made on the old one", "category": "creative"}, &carolsRoom); code != http.StatusCreated {
		t.Fatalf("create room on %s after the migration: %d", prev.Version, code)
	}
	for _, base := range []string{old.URL, cur.URL} {
		var rooms roomList
		if code := call(t, nil, "GET", base+"/api/rooms", bob.Token, nil, &rooms); code != http.StatusOK {
			t.Fatalf("rooms on %s: %d", base, code)
		}
		ids := map[string]bool{}
		for _, r := range rooms.Rooms {
			ids[r.ID] = true
		}
		if len(rooms.Rooms) != 7 || !ids[room] || !ids[carolsRoom.ID] {
			t.Fatalf("rooms on %s: %+v", base, rooms.Rooms)
		}
	}

	// One room, people on both instances: each sees the other.
	cb := wstest.Dial(t, wsURL(cur.URL), bob.Token)
	snap := cb.Join(room)
	if n := len(snap.Field(t, "participants").([]any)); n != 2 {
		t.Fatalf("bob's snapshot on the new instance has %d participants", n)
	}
	if got := ca.Expect("participant-joined", "").Field(t, "participant", "id"); got != bob.User.ID {
		t.Fatalf("alice on %s saw %v join", prev.Version, got)
	}
	cb.Send("update-presence", map[string]any{"roomId": room, "status": "break"}, "p")
	cb.ExpectAfterJoin(snap, "presence-updated", "p")
	ca.Expect("presence-updated", "")
	ca.Send("update-presence", map[string]any{"roomId": room, "status": "away"}, "q")
	ca.Expect("presence-updated", "q")
	cb.Expect("presence-updated", "")

	var bobSession sessionBody
	if code := call(t, nil, "POST", cur.URL+"/api/sessions", bob.Token, map[string]any{"roomId": room, "goals": []string{"read"}}, &bobSession); code != http.StatusCreated {
		t.Fatalf("start a session on the new instance: %d", code)
	}
	cb.Expect("focus-session-started", "")
	if got := ca.Expect("focus-session-started", "").Field(t, "session", "id"); got != bobSession.ID {
		t.Fatalf("alice on %s saw session %v start", prev.Version, got)
	}

	// The old instance writes to the migrated schema, and the new one
	// reads it: progress, then the check-in.
	if code := call(t, nil, "PUT", old.URL+"/api/sessions/"+aliceSession.ID, alice.Token, map[string]any{"progress": 60}, nil); code != http.StatusOK {
		t.Fatalf("update a session on %s after the migration: %d", prev.Version, code)
	}
	ca.Expect("focus-session-updated", "")
	cb.Expect("focus-session-updated", "")
	if code := call(t, nil, "POST", old.URL+"/api/sessions/"+aliceSession.ID+"/complete", alice.Token, map[string]any{"achievements": []string{"week planned"}, "rating": 4}, nil); code != http.StatusOK {
		t.Fatalf("complete a session on %s after the migration: %d", prev.Version, code)
	}
	ca.Expect("focus-session-completed", "")
	cb.Expect("focus-session-completed", "")
	var history struct {
		Sessions []sessionBody `json:"sessions"`
	}
	if code := call(t, nil, "GET", cur.URL+"/api/sessions/history", alice.Token, nil, &history); code != http.StatusOK || len(history.Sessions) != 1 {
		t.Fatalf("alice's history on the new instance: %d %+v", code, history)
	}
	if s := history.Sessions[0]; s.ID != aliceSession.ID || !s.IsCompleted || s.Progress != 60 || strings.Join(s.Achievements, "|") != "week planned" {
		t.Fatalf("the session %s completed, read on the new instance: %+v", prev.Version, s)
	}

	// The old instance restarts on the migrated schema (a crash during the
	// rollout, or a rollback) and serves again. Alice comes back to it
	// within the grace period: bob hears nothing but her next change.
	old.stop()
	if code := ca.WaitClose(); code != websocket.StatusCode(realtime.CloseRestarting) {
		t.Fatalf("alice's socket closed with %d, want 1012", code)
	}
	first := old
	old = startBinary(t, oldBin, t.TempDir(), env)
	ca = wstest.Dial(t, wsURL(old.URL), alice.Token)
	if n := len(ca.Join(room).Field(t, "participants").([]any)); n != 2 {
		t.Fatalf("%d participants after %s restarted on the migrated schema", n, prev.Version)
	}
	ca.Send("update-presence", map[string]any{"roomId": room, "status": "working"}, "r")
	ca.Expect("presence-updated", "r")
	if got := cb.Expect("presence-updated", "").Field(t, "participantId"); got != alice.User.ID {
		t.Fatalf("bob heard %v, want alice's presence", got)
	}
	dave := signUp(t, old.URL)
	if code := call(t, nil, "GET", cur.URL+"/api/auth/session", dave.Token, nil, nil); code != http.StatusOK {
		t.Fatalf("signed up on the restarted %s, on the new instance: %d", prev.Version, code)
	}
	if v := schemaVersion(t, dbURL); v != latest {
		t.Fatalf("the schema went from %d to %d when %s restarted", latest, v, prev.Version)
	}

	old.stop()
	cur.stop()
	for _, s := range []struct {
		name string
		*server
	}{{prev.Version, first}, {"new", cur}, {prev.Version + " restarted", old}} {
		if m := errorLine.FindString(s.logs.String()); m != "" {
			t.Errorf("%s logged an error: %s\n%s", s.name, m, s.logs)
		}
		for _, w := range warnLine.FindAllString(s.logs.String(), -1) {
			t.Logf("%s warned: %s", s.name, w)
		}
	}
}

// TestRefusesADatabaseANewerReleaseContracted starts bodydouble on a
// database that a newer release migrated past a contract migration this
// binary does not know (docs/operations.md "Migrations: expand, then
// contract"): it exits with one line naming that migration and changes
// nothing. A newer release's expand migration alone does not stop it.
func TestRefusesADatabaseANewerReleaseContracted(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	start(t, dir, nil).stop()
	db, err := sql.Open("sqlite", filepath.Join(dir, "data", "bodydouble.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec("CREATE TABLE later (id TEXT); INSERT INTO schema_migrations (version, name) VALUES (9998, '9998_later.sql')"); err != nil {
		t.Fatal(err)
	}
	start(t, dir, nil).stop()

	if _, err := db.Exec("INSERT INTO schema_migrations (version, name) VALUES (9999, '9999_contract_drop_role.sql')"); err != nil {
		t.Fatal(err)
	}
	before := migrationsRecorded(t, db)
	ctx, cancel := context.WithTimeout(context.Background(), 3*startupLimit)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, "--addr", "127.0.0.1:0", "--turn-addr", "off")
	cmd.Dir = dir
	var stderr strings.Builder
	cmd.Stderr = &stderr
	err = cmd.Run()
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() != 1 {
		t.Fatalf("exit %v, want code 1; stderr:\n%s", err, stderr.String())
	}
	out := strings.TrimSpace(stderr.String())
	if strings.Contains(out, "\n") || !strings.HasPrefix(out, "bodydouble: ") || !strings.Contains(out, "9999_contract_drop_role.sql") || !strings.Contains(out, "newer release") {
		t.Fatalf("stderr is not one line naming the migration:\n%s", out)
	}
	if after := migrationsRecorded(t, db); after != before {
		t.Fatalf("the refused start changed schema_migrations: %d rows, then %d", before, after)
	}
	t.Log(out)
}

func migrationsRecorded(t *testing.T, db *sql.DB) int {
	t.Helper()
	var n int
	if err := db.QueryRow("SELECT COUNT(*) FROM schema_migrations").Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// sessionBody is the part of a focus session these tests read.
type sessionBody struct {
	ID             string   `json:"id"`
	Goals          []string `json:"goals"`
	Achievements   []string `json:"achievements"`
	Progress       int      `json:"progress"`
	IsCompleted    bool     `json:"isCompleted"`
	PlannedMinutes *int     `json:"plannedMinutes"`
}

// errorLine and warnLine find log lines at level ERROR and WARN.
var (
	errorLine = regexp.MustCompile(`(?m)^.*level=ERROR.*$`)
	warnLine  = regexp.MustCompile(`(?m)^.*level=WARN.*$`)
)

func readPreviousRelease(t *testing.T) release.Previous {
	t.Helper()
	p, err := release.ReadPrevious()
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// buildRelease builds bodydouble as it was at prev's commit, taken from
// this repository's history (git archive, so the working tree and .git
// stay untouched), without the race detector or cgo, to save time. It
// skips only when git or the commit is missing (a source archive, a
// shallow clone).
func buildRelease(t *testing.T, prev release.Previous) string {
	t.Helper()
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("git is not installed: cannot build the previous release")
	}
	top, err := exec.Command("git", "rev-parse", "--show-toplevel").Output()
	if err != nil {
		t.Skipf("not in a git checkout: cannot build the previous release: %v", err)
	}
	root := strings.TrimSpace(string(top))
	if err := exec.Command("git", "-C", root, "cat-file", "-e", prev.Commit+"^{commit}").Run(); err != nil {
		t.Skipf("commit %s (%s) is not in this checkout (a shallow clone?): %v", prev.Commit, prev.Version, err)
	}

	src := t.TempDir()
	archive := exec.Command("git", "-C", root, "archive", "--format=tar", prev.Commit)
	out, err := archive.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr strings.Builder
	archive.Stderr = &stderr
	if err := archive.Start(); err != nil {
		t.Fatal(err)
	}
	if err := untar(out, src); err != nil {
		archive.Process.Kill()
		archive.Wait()
		t.Fatalf("unpack %s: %v", prev.Version, err)
	}
	if err := archive.Wait(); err != nil {
		t.Fatalf("git archive %s: %v\n%s", prev.Commit, err, stderr.String())
	}

	bin := filepath.Join(t.TempDir(), "bodydouble-"+prev.Version)
	args := []string{"build", "-trimpath", "-o", bin} // -trimpath: the temporary directory does not defeat the build cache
	if _, err := os.Stat(filepath.Join(src, "web", "embed_noweb.go")); err == nil {
		args = append(args, "-tags", "noweb") // the API and socket are what an upgrade tests
	}
	build := exec.Command("go", append(args, "./cmd/bodydouble")...)
	build.Dir = src
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	began := time.Now()
	if b, err := build.CombinedOutput(); err != nil {
		t.Fatalf("build %s: %v\n%s", prev.Version, err, b)
	}
	t.Logf("built %s (%s) in %v", prev.Version, prev.Commit[:12], time.Since(began).Round(time.Second))
	return bin
}

// untar writes the regular files, directories and symbolic links of a tar
// stream under dir.
func untar(r io.Reader, dir string) error {
	tr := tar.NewReader(r)
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
		name := filepath.Join(dir, filepath.FromSlash(h.Name))
		if !strings.HasPrefix(name, dir+string(filepath.Separator)) {
			return fmt.Errorf("%q leaves the directory", h.Name)
		}
		switch h.Typeflag {
		case tar.TypeDir:
			err = os.MkdirAll(name, 0o755)
		case tar.TypeReg:
			err = writeFile(name, tr, h.FileInfo().Mode().Perm())
		case tar.TypeSymlink:
			err = os.Symlink(h.Linkname, name)
		}
		if err != nil {
			return err
		}
	}
}

func writeFile(name string, r io.Reader, mode os.FileMode) error {
	if err := os.MkdirAll(filepath.Dir(name), 0o755); err != nil {
		return err
	}
	f, err := os.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_EXCL, mode)
	if err != nil {
		return err
	}
	if _, err := io.Copy(f, r); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// schemaVersion is the newest migration the database has recorded.
func schemaVersion(t *testing.T, dbURL string) int {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	var v int
	if err := conn.QueryRow(ctx, "SELECT COALESCE(MAX(version), 0) FROM schema_migrations").Scan(&v); err != nil {
		t.Fatal(err)
	}
	return v
}

// latestMigration is the newest PostgreSQL migration of this tree.
func latestMigration(t *testing.T) int {
	t.Helper()
	entries, err := os.ReadDir("../../internal/store/sqlstore/migrations/postgres")
	if err != nil {
		t.Fatal(err)
	}
	latest := 0
	for _, e := range entries {
		if v, err := strconv.Atoi(strings.SplitN(e.Name(), "_", 2)[0]); err == nil {
			latest = max(latest, v)
		}
	}
	return latest
}

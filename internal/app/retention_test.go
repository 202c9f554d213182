package app

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"image"
	"image/png"
	"io/fs"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/bodydouble/bodydouble/internal/blob"
	"github.com/bodydouble/bodydouble/internal/config"
	"github.com/bodydouble/bodydouble/internal/model"
	"github.com/bodydouble/bodydouble/internal/store/sqlstore"
	"github.com/bodydouble/bodydouble/internal/store/storetest"
	"github.com/bodydouble/bodydouble/internal/testlog"
	"github.com/bodydouble/bodydouble/internal/users"
)

// oldUser stores someone made, and never active since, age ago.
func oldUser(t *testing.T, st *sqlstore.Store, age time.Duration) string {
	t.Helper()
	made := time.Now().Add(-age)
	u := model.User{ID: uuid.NewString(), AnonymousID: uuid.NewString(), DisplayName: "Old", CreatedAt: made, UpdatedAt: made}
	if err := st.CreateUser(t.Context(), u); err != nil {
		t.Fatal(err)
	}
	return u.ID
}

// waitUntil checks cond every 50 ms, failing the test after a minute.
func waitUntil(t *testing.T, what string, cond func() bool) {
	t.Helper()
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	deadline := time.After(time.Minute)
	for !cond() {
		select {
		case <-tick.C:
		case <-deadline:
			t.Fatalf("waited a minute for %s", what)
		}
	}
}

const retentionLine = "retention: erased 1 people, dropped 0 revoked tokens, 0 audit entries"

// TestRetentionOnSQLite: a server on SQLite runs the retention job at
// start: the person inactive 366 days is erased, the one inactive 364
// kept, and the run logged.
func TestRetentionOnSQLite(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	st, err := sqlstore.OpenSQLite(t.Context(), dir)
	if err != nil {
		t.Fatal(err)
	}
	gone, kept := oldUser(t, st, 366*24*time.Hour), oldUser(t, st, 364*24*time.Hour)
	// The inactive person uploaded a picture: its blob must go with them.
	blobs, err := blob.Open("", dir, func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	if _, err := users.New(st, nil).WithBlobs(blobs, true).UploadAvatar(t.Context(), gone, "image/png", tinyPNG(t)); err != nil {
		t.Fatal(err)
	}
	files := func() []string {
		var found []string
		filepath.WalkDir(filepath.Join(dir, "blobs"), func(p string, d fs.DirEntry, err error) error {
			if err == nil && !d.IsDir() {
				found = append(found, p)
			}
			return nil
		})
		return found
	}
	if len(files()) != 1 {
		t.Fatalf("blobs before the run: %v, want the one picture", files())
	}
	st.Close()

	a, logs, _ := startApp(t, func(c *config.Config) { c.DataDir = dir })
	waitUntil(t, "the retention run", func() bool { return strings.Contains(logs.String(), "retention: erased") })
	if !strings.Contains(logs.String(), retentionLine) {
		t.Fatalf("log lacks %q", retentionLine)
	}
	if _, err := a.store.GetUser(t.Context(), gone); !errors.Is(err, model.ErrNotFound) {
		t.Errorf("GetUser of the inactive: %v, want not found", err)
	}
	if _, err := a.store.GetUser(t.Context(), kept); err != nil {
		t.Errorf("GetUser of the kept: %v", err)
	}
	if left := files(); len(left) != 0 {
		t.Errorf("the erased person's picture is still stored: %v", left)
	}
	raw, err := sql.Open("sqlite", "file:"+filepath.Join(dir, sqlstore.SQLiteFile)+"?mode=ro&_pragma=busy_timeout(5000)")
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	var jobs int
	if err := raw.QueryRow("SELECT COUNT(*) FROM river_job WHERE kind = 'retention'").Scan(&jobs); err != nil || jobs != 1 {
		t.Errorf("retention jobs: %d, %v; want 1", jobs, err)
	}
}

// TestRetentionOncePerCluster: two servers on one PostgreSQL database
// run the retention job once between them.
func TestRetentionOncePerCluster(t *testing.T) {
	t.Parallel()
	url := storetest.PostgresURL(t)
	st, err := sqlstore.OpenPostgres(t.Context(), url)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	gone := oldUser(t, st, 366*24*time.Hour)

	var logs [2]*testlog.Buffer
	for i := range logs {
		_, logs[i], _ = startApp(t, func(c *config.Config) { c.DatabaseURL = url })
	}
	waitUntil(t, "the retention run", func() bool {
		return strings.Contains(logs[0].String(), "retention: erased") || strings.Contains(logs[1].String(), "retention: erased")
	})
	if _, err := st.GetUser(t.Context(), gone); !errors.Is(err, model.ErrNotFound) {
		t.Errorf("GetUser of the inactive: %v, want not found", err)
	}
	var jobs int
	if err := st.PgxPool().QueryRow(context.Background(), "SELECT COUNT(*) FROM river_job WHERE kind = 'retention'").Scan(&jobs); err != nil || jobs != 1 {
		t.Errorf("retention jobs: %d, %v; want 1", jobs, err)
	}
	runs := strings.Count(logs[0].String(), "retention: erased") + strings.Count(logs[1].String(), "retention: erased")
	if runs != 1 || !strings.Contains(logs[0].String()+logs[1].String(), retentionLine) {
		t.Errorf("%d retention runs logged, want 1 with %q", runs, retentionLine)
	}
}

// tinyPNG is a 4 × 4 PNG.
func tinyPNG(t *testing.T) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := png.Encode(&buf, image.NewRGBA(image.Rect(0, 0, 4, 4))); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

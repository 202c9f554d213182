package sqlstore_test

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/bodydouble/bodydouble/internal/model"
	"github.com/bodydouble/bodydouble/internal/store/sqlstore"
	"github.com/bodydouble/bodydouble/internal/store/storetest"
)

// createAt builds a database as a binary that knew only the migrations
// up to and including version upTo left it: their files run as migrate
// runs them, and schema_migrations records them.
func createAt(t *testing.T, db *sql.DB, dialect string, upTo int) {
	t.Helper()
	if _, err := db.Exec("CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL)"); err != nil {
		t.Fatal(err)
	}
	entries, err := os.ReadDir(filepath.Join("migrations", dialect))
	if err != nil {
		t.Fatal(err)
	}
	for i, e := range entries[:upTo] {
		body, err := os.ReadFile(filepath.Join("migrations", dialect, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := db.Exec(string(body)); err != nil {
			t.Fatalf("%s: %v", e.Name(), err)
		}
		if _, err := db.Exec(fmt.Sprintf("INSERT INTO schema_migrations (version, name) VALUES (%d, '%s')", i+1, e.Name())); err != nil {
			t.Fatal(err)
		}
	}
}

// avatarUpgrade fills a database left at migration 3 (before avatar
// versions) with people, most with an avatar, opens it with open, and
// checks that migrating gave every avatar the version its URL had before
// (16 hex digits of its SHA-256: what browsers have cached) and nobody
// else one.
func avatarUpgrade(t *testing.T, db *sql.DB, dialect, createdAt string, open func(ctx context.Context) (*sqlstore.Store, error)) {
	createAt(t, db, dialect, 3)
	// More avatars than one batch of the backfill, so it pages.
	const people = 250
	avatars := map[string]*string{}
	insert := "INSERT INTO users (id, anonymous_id, display_name, avatar_url, created_at, updated_at) VALUES (?, ?, ?, ?, " + createdAt + ", " + createdAt + ")"
	if dialect == "postgres" {
		insert = strings.NewReplacer("(?, ?, ?, ?,", "($1, $2, $3, $4,").Replace(insert)
	}
	for i := range people {
		id := uuid.NewString()
		var avatar *string
		if i%5 != 0 {
			a := fmt.Sprintf("data:image/png;base64,%d%s", i, strings.Repeat("A", 30<<10))
			avatar = &a
		}
		avatars[id] = avatar
		if _, err := db.Exec(insert, id, uuid.NewString(), fmt.Sprintf("person %d", i), avatar); err != nil {
			t.Fatal(err)
		}
	}
	db.Close()

	s, err := open(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	for id, avatar := range avatars {
		u, err := s.GetUser(t.Context(), id)
		if err != nil {
			t.Fatal(err)
		}
		var want *string
		if avatar != nil {
			sum := sha256.Sum256([]byte(*avatar))
			v := hex.EncodeToString(sum[:8])
			want = &v
		}
		if (u.AvatarVersion == nil) != (want == nil) || want != nil && *u.AvatarVersion != *want {
			t.Fatalf("user %s: AvatarVersion %s, want %s", id, deref(u.AvatarVersion), deref(want))
		}
		if stored, err := s.UserAvatar(t.Context(), id); avatar != nil && (err != nil || stored != *avatar) {
			t.Fatalf("user %s: UserAvatar changed by the migration: %v", id, err)
		}
	}
	// A write after the upgrade keeps both in step.
	for id := range avatars {
		a := "data:image/png;base64,BBBB"
		u, err := s.UpdateUser(t.Context(), id, model.UserUpdate{AvatarURL: &a}, time.Now())
		if err != nil || u.AvatarVersion == nil || *u.AvatarVersion != model.AvatarVersion(a) {
			t.Fatalf("UpdateUser after the upgrade: %v, %v", u.AvatarVersion, err)
		}
		break
	}
}

func TestAvatarVersionUpgradeSQLite(t *testing.T) {
	dir := t.TempDir()
	db, err := sql.Open("sqlite", filepath.Join(dir, sqlstore.SQLiteFile))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	avatarUpgrade(t, db, "sqlite", "0", func(ctx context.Context) (*sqlstore.Store, error) { return sqlstore.OpenSQLite(ctx, dir) })
}

func TestAvatarVersionUpgradePostgres(t *testing.T) {
	url := storetest.PostgresURL(t)
	db, err := sql.Open("pgx", url)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	avatarUpgrade(t, db, "postgres", "now()", func(ctx context.Context) (*sqlstore.Store, error) { return sqlstore.OpenPostgres(ctx, url) })
}

// deref shows a nullable string.
func deref(p *string) string {
	if p == nil {
		return "NULL"
	}
	return *p
}

package storetest

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" database/sql driver, for reading a dump

	"github.com/bodydouble/bodydouble/internal/model"
	"github.com/bodydouble/bodydouble/internal/store"
	"github.com/bodydouble/bodydouble/internal/store/sqlstore"
)

// Cell is one value of a database dump: a column of one row, as text.
type Cell struct {
	Table, Column, Value string
}

// Column is one column of the schema, and whether a foreign key makes it
// reference users.
type Column struct {
	Table, Name string
	RefUsers    bool
}

// Raw reads a database behind a store, bypassing it: its schema, and
// every value of every table as text (a dump to search for what must not
// be there).
type Raw struct {
	db *sql.DB
	pg bool
}

// RawBackend is a store with a raw view of its database.
type RawBackend struct {
	Name string
	Open func(t testing.TB) (store.Store, *Raw)
}

// RawBackends lists both databases (PostgreSQL skips without PostgresEnv).
func RawBackends() []RawBackend {
	return []RawBackend{
		{"sqlite", func(t testing.TB) (store.Store, *Raw) {
			dir := t.TempDir()
			s, err := sqlstore.OpenSQLite(t.Context(), dir)
			return opened(t, "sqlite", s, err), RawSQLite(t, dir)
		}},
		{"postgres", func(t testing.TB) (store.Store, *Raw) {
			u := PostgresURL(t)
			s, err := sqlstore.OpenPostgres(t.Context(), u)
			return opened(t, "postgres", s, err), RawPostgres(t, u)
		}},
	}
}

// RawSQLite reads the SQLite database in dataDir, read-only.
func RawSQLite(t testing.TB, dataDir string) *Raw {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+filepath.Join(dataDir, sqlstore.SQLiteFile)+"?mode=ro&_pragma=busy_timeout(5000)")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return &Raw{db: db}
}

// RawPostgres reads the PostgreSQL database at url.
func RawPostgres(t testing.TB, url string) *Raw {
	t.Helper()
	db, err := sql.Open("pgx", url)
	if err != nil {
		t.Fatal(err)
	}
	db.SetMaxOpenConns(1)
	t.Cleanup(func() { db.Close() })
	return &Raw{db: db, pg: true}
}

// Columns lists every column of every table of the schema.
func (r *Raw) Columns(t testing.TB) []Column {
	t.Helper()
	ctx := context.Background()
	var cols []Column
	if r.pg {
		rows, err := r.db.QueryContext(ctx, `SELECT c.table_name, c.column_name,
			EXISTS (SELECT 1 FROM information_schema.key_column_usage k
				JOIN information_schema.referential_constraints rc ON rc.constraint_name = k.constraint_name AND rc.constraint_schema = k.constraint_schema
				JOIN information_schema.constraint_column_usage u ON u.constraint_name = rc.unique_constraint_name AND u.constraint_schema = rc.unique_constraint_schema
				WHERE k.table_schema = c.table_schema AND k.table_name = c.table_name AND k.column_name = c.column_name AND u.table_name = 'users')
			FROM information_schema.columns c
			JOIN information_schema.tables tb ON tb.table_schema = c.table_schema AND tb.table_name = c.table_name AND tb.table_type = 'BASE TABLE'
			WHERE c.table_schema = current_schema() ORDER BY c.table_name, c.ordinal_position`)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		for rows.Next() {
			var c Column
			if err := rows.Scan(&c.Table, &c.Name, &c.RefUsers); err != nil {
				t.Fatal(err)
			}
			cols = append(cols, c)
		}
		if err := rows.Err(); err != nil {
			t.Fatal(err)
		}
		return cols
	}
	var tables []string
	rows, err := r.db.QueryContext(ctx, "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			t.Fatal(err)
		}
		tables = append(tables, n)
	}
	rows.Close()
	for _, tb := range tables {
		refs := map[string]bool{}
		for _, row := range r.strings(t, "SELECT \"from\", \"table\" FROM pragma_foreign_key_list(?)", tb) {
			if row[1] == "users" {
				refs[row[0]] = true
			}
		}
		for _, row := range r.strings(t, "SELECT name FROM pragma_table_info(?) ORDER BY cid", tb) {
			cols = append(cols, Column{Table: tb, Name: row[0], RefUsers: refs[row[0]]})
		}
	}
	return cols
}

// strings runs a query whose columns are all text.
func (r *Raw) strings(t testing.TB, query string, args ...any) [][]string {
	t.Helper()
	rows, err := r.db.QueryContext(context.Background(), query, args...)
	if err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	defer rows.Close()
	n := len(must(rows.Columns()))
	var out [][]string
	for rows.Next() {
		vals := make([]sql.NullString, n)
		ptrs := make([]any, n)
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			t.Fatalf("%s: %v", query, err)
		}
		row := make([]string, n)
		for i, v := range vals {
			row[i] = v.String
		}
		out = append(out, row)
	}
	if err := rows.Err(); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	return out
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

// Dump reads every value of every column of every table, as text
// (PostgreSQL casts each column to text; SQLite gives its values as they
// are stored, blobs included).
func (r *Raw) Dump(t testing.TB) []Cell {
	t.Helper()
	var cells []Cell
	for _, c := range r.Columns(t) {
		// Names come from the schema itself; quoted all the same.
		q := fmt.Sprintf(`SELECT CAST(%q AS TEXT) FROM %q`, c.Name, c.Table)
		for _, row := range r.strings(t, q) {
			cells = append(cells, Cell{Table: c.Table, Column: c.Name, Value: row[0]})
		}
	}
	return cells
}

// Find returns the cells of the dump that contain any of needles.
func Find(cells []Cell, needles ...string) []Cell {
	var out []Cell
	for _, c := range cells {
		for _, n := range needles {
			if n != "" && strings.Contains(c.Value, n) {
				out = append(out, c)
				break
			}
		}
	}
	return out
}

// Person is someone SeedPerson gave a row in every table that can hold a
// person's data, with the texts that must not survive their erasure.
type Person struct {
	ID, Name, OldName, Avatar string
	Goals                     []string
	// Other is someone they share a room with, blocked both ways and
	// reported both ways.
	Other model.User
	// ReportBy is their report about Other, ReportAbout Other's about them.
	ReportBy, ReportAbout string
	// RoomCreated is the room they created; Room the one they are in.
	RoomCreated, Room string
}

// Secrets are the texts of p that no dump may hold after the erasure.
func (p Person) Secrets() []string {
	return append([]string{p.ID, p.Name, p.OldName, p.Avatar}, p.Goals...)
}

// SeedPerson stores a person with data everywhere: a renamed user with
// an avatar, preferences, a finished and an open focus session with
// goals, a room they created, a seat in another room held by an
// instance, blocks and reports both ways, a ban against them and a room
// ban, and, as a moderator, a ban they made, a report they resolved and a
// timer they started, each with its audit entries.
func SeedPerson(t testing.TB, s store.Store, now time.Time) Person {
	t.Helper()
	ctx := context.Background()
	check := func(err error, what string) {
		t.Helper()
		if err != nil {
			t.Fatalf("seed person: %s: %v", what, err)
		}
	}
	tag := randomHex(6)
	p := Person{
		ID: uuid.NewString(), OldName: "oldname" + tag, Name: "erasable" + tag,
		Avatar: "data:image/png;base64,QUJD" + tag,
		Goals:  []string{"goal one " + tag, "goal two " + tag},
	}
	user := func(id, name string, avatar *string) model.User {
		u := model.User{ID: id, AnonymousID: uuid.NewString(), DisplayName: name, AvatarURL: avatar, CreatedAt: now, UpdatedAt: now}
		check(s.CreateUser(ctx, u), "create "+name)
		return u
	}
	user(p.ID, p.OldName, &p.Avatar)
	name := p.Name
	_, err := s.UpdateUser(ctx, p.ID, model.UserUpdate{DisplayName: &name}, now)
	check(err, "rename")
	p.Other = user(uuid.NewString(), "other"+tag, nil)
	third := user(uuid.NewString(), "third"+tag, nil)
	check(s.PutPreferences(ctx, p.ID, model.DefaultPreferences(), now), "preferences")

	created, err := s.CreateRoom(ctx, model.Room{ID: uuid.NewString(), Name: "made by them", Category: model.Categories[0],
		MaxCapacity: 8, IsActive: true, CreatedBy: &p.ID, CreatedAt: now})
	check(err, "create room")
	p.RoomCreated = created.ID
	room, err := s.CreateRoom(ctx, model.Room{ID: uuid.NewString(), Name: "shared", Category: model.Categories[0],
		MaxCapacity: 8, IsActive: true, CreatedAt: now})
	check(err, "create shared room")
	p.Room = room.ID
	hold := now.Add(time.Hour)
	_, err = s.JoinRoom(ctx, room.ID, p.ID, now, hold)
	check(err, "join")
	_, err = s.JoinRoom(ctx, room.ID, p.Other.ID, now, hold)
	check(err, "other joins")
	done, err := s.StartSession(ctx, model.Session{RoomID: room.ID, UserID: p.ID, StartedAt: now, Goals: p.Goals[:1], ShareGoals: true})
	check(err, "start session")
	_, err = s.CompleteSession(ctx, done.ID, p.ID, p.Goals[:1], nil, now.Add(time.Minute))
	check(err, "complete session")
	_, err = s.StartSession(ctx, model.Session{RoomID: room.ID, UserID: p.ID, StartedAt: now.Add(2 * time.Minute), Goals: p.Goals[1:]})
	check(err, "start open session")
	check(s.HoldSeats(ctx, "instance-"+tag, []string{p.ID}, hold), "hold seat")
	check(s.SaveTimer(ctx, model.Timer{RoomID: room.ID, State: "running", Type: "work", Duration: 1500,
		EndsAt: &hold, By: &p.ID, Version: 1}, 0), "timer")
	check(s.Ban(ctx, created.ID, p.ID, hold), "room ban")

	rep, _, err := s.CreateReport(ctx, model.Report{ReporterID: p.ID, ReportedUserID: p.Other.ID, RoomID: &room.ID,
		Reason: "spam", Note: "their note", CreatedAt: now}, now)
	check(err, "report by them")
	p.ReportBy = rep.ID
	rep, _, err = s.CreateReport(ctx, model.Report{ReporterID: p.Other.ID, ReportedUserID: p.ID, RoomID: &room.ID,
		Reason: "harassment", Note: "about them", CreatedAt: now}, now)
	check(err, "report about them")
	p.ReportAbout = rep.ID
	rep, _, err = s.CreateReport(ctx, model.Report{ReporterID: third.ID, ReportedUserID: p.Other.ID, Reason: "spam", CreatedAt: now}, now)
	check(err, "third's report")

	check(s.SetUserRole(ctx, p.ID, model.RoleModerator, model.AuditEntry{At: now, ActorID: "cli", Action: "role.set",
		TargetType: "user", TargetID: p.ID, Reason: model.RoleModerator}), "role")
	_, err = s.ResolveReport(ctx, rep.ID, p.ID, "dismiss", now)
	check(err, "resolve")
	check(s.AddAudit(ctx, model.AuditEntry{At: now, ActorID: p.ID, Action: "report.resolve", TargetType: "report", TargetID: rep.ID,
		Reason: "dismiss: fine"}), "audit resolve")
	_, err = s.CreateUserBan(ctx, model.UserBan{UserID: third.ID, Reason: "by them", CreatedBy: p.ID, CreatedAt: now},
		model.AuditEntry{At: now, ActorID: p.ID, Action: "user.ban", TargetType: "user", TargetID: third.ID, Reason: "by them"})
	check(err, "ban by them")
	until := now.Add(24 * time.Hour)
	_, err = s.CreateUserBan(ctx, model.UserBan{UserID: p.ID, Reason: "against them", Until: &until, CreatedBy: p.Other.ID, CreatedAt: now},
		model.AuditEntry{At: now, ActorID: p.Other.ID, Action: "user.ban", TargetType: "user", TargetID: p.ID, Reason: "against them"})
	check(err, "ban against them")
	return p
}

package sqlstore

import (
	"database/sql"
	"errors"
	"fmt"
	"os/exec"
	"path"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/bodydouble/bodydouble/internal/release"
)

// The expand/contract rule (docs/operations.md "Upgrading"): while a
// rolling upgrade runs, instances of the previous release serve on the
// schema the new release migrated. So a migration after the previous
// release's last one may only expand the schema: add tables, nullable
// columns, columns with a default, indexes that constrain nothing, and
// fill in data. Whatever drops, renames, retypes or tightens something an
// older release may use is a contract step: its file is named
// NNNN_contract_<what>.sql (isContract) and says why it is safe in a line
// "-- contract: <reason>", and it ships only once every instance runs a
// release that no longer uses what it removes.

func readPreviousRelease(t *testing.T) release.Previous {
	t.Helper()
	p, err := release.ReadPrevious()
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// embedded lists one dialect's migrations as the binary embeds them.
func embedded(t *testing.T, dialect string) []migration {
	t.Helper()
	s := &Store{pg: dialect == "postgres"}
	ms, err := s.migrations()
	if err != nil {
		t.Fatal(err)
	}
	return ms
}

// TestMigrationsAfterThePreviousReleaseOnlyExpand checks every migration
// newer than the previous release's last: an expand migration does
// nothing the rule forbids, a contract migration is named and marked as
// one, with a reason.
func TestMigrationsAfterThePreviousReleaseOnlyExpand(t *testing.T) {
	prev := readPreviousRelease(t)
	checked := 0
	for _, dialect := range []string{"postgres", "sqlite"} {
		for _, m := range embedded(t, dialect) {
			if m.version <= prev.LastMigration {
				continue
			}
			checked++
			for _, p := range checkMigration(m.name, m.sql) {
				t.Errorf("%s/%s: %s", dialect, m.name, p)
			}
		}
	}
	t.Logf("%d migrations after %s's last (%04d) checked", checked, prev.Version, prev.LastMigration)
}

// TestReleasedMigrationsNeverChange compares the migrations up to the
// previous release's last with that release's commit: a released
// migration has run on databases already, so changing, removing or adding
// one there would leave those databases different from new ones. Needs
// the repository's history (git); skipped in a checkout without it.
func TestReleasedMigrationsNeverChange(t *testing.T) {
	prev := readPreviousRelease(t)
	git := gitAt(t, prev.Commit)
	latest := 0
	for _, dialect := range []string{"postgres", "sqlite"} {
		dir := "internal/store/sqlstore/migrations/" + dialect
		out := git("ls-tree", "--name-only", prev.Commit, dir+"/")
		then := map[string]bool{}
		for _, p := range strings.Fields(out) {
			name := path.Base(p)
			then[name] = true
			v, err := strconv.Atoi(strings.SplitN(name, "_", 2)[0])
			if err != nil {
				t.Fatalf("%s at %s: %v", p, prev.Version, err)
			}
			latest = max(latest, v)
		}
		for _, m := range embedded(t, dialect) {
			if m.version > prev.LastMigration {
				continue
			}
			if !then[m.name] {
				t.Errorf("%s/%s: numbered up to %s's last migration (%04d) but not in %s", dialect, m.name, prev.Version, prev.LastMigration, prev.Version)
				continue
			}
			delete(then, m.name)
			if old := git("show", prev.Commit+":"+dir+"/"+m.name); old != m.sql {
				t.Errorf("%s/%s differs from %s's: a released migration must never change; add a new one", dialect, m.name, prev.Version)
			}
		}
		for name := range then {
			t.Errorf("%s/%s of %s is gone", dialect, name, prev.Version)
		}
	}
	if latest != prev.LastMigration {
		t.Errorf("%s says %s's last migration is %04d; its commit's is %04d", release.File(), prev.Version, prev.LastMigration, latest)
	}
}

// gitAt returns a function running git in the repository, or skips when
// git or the commit is not there (a source archive, a shallow clone).
func gitAt(t *testing.T, commit string) func(args ...string) string {
	t.Helper()
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("git is not installed: cannot read the previous release")
	}
	top, err := exec.Command("git", "rev-parse", "--show-toplevel").Output()
	if err != nil {
		t.Skipf("not in a git checkout: cannot read the previous release: %v", err)
	}
	root := strings.TrimSpace(string(top))
	if err := exec.Command("git", "-C", root, "cat-file", "-e", commit+"^{commit}").Run(); err != nil {
		t.Skipf("commit %s is not in this checkout (a shallow clone?): %v", commit, err)
	}
	return func(args ...string) string {
		t.Helper()
		out, err := exec.Command("git", append([]string{"-C", root}, args...)...).Output()
		if err != nil {
			var exit *exec.ExitError
			if errors.As(err, &exit) {
				err = fmt.Errorf("%w: %s", err, exit.Stderr)
			}
			t.Fatalf("git %s: %v", strings.Join(args, " "), err)
		}
		return string(out)
	}
}

var (
	lineComment  = regexp.MustCompile(`--[^\n]*`)
	blockComment = regexp.MustCompile(`(?s)/\*.*?\*/`)
	spaces       = regexp.MustCompile(`\s+`)
	contractLine = regexp.MustCompile(`(?im)^[ \t]*--[ \t]*contract:(.*)$`)

	// What a statement may not do outside a contract migration, each with
	// why. Matched against the statement upper-cased, comments removed,
	// white space collapsed.
	contractOnly = []struct {
		re  *regexp.Regexp
		why string
	}{
		{regexp.MustCompile(`^DROP (TABLE|VIEW|INDEX|TYPE|SCHEMA|SEQUENCE|FUNCTION|TRIGGER)\b`), "drops something an older release may use (a unique index is a rule it may rely on)"},
		{regexp.MustCompile(`^DROP (COLUMN )?(IF EXISTS )?"?\w+"?( CASCADE| RESTRICT)?$|\bDROP COLUMN\b`), "drops a column an older release may read or write"},
		{regexp.MustCompile(`\bRENAME\b`), "renames something an older release uses by its old name"},
		{regexp.MustCompile(`\bALTER (COLUMN )?"?\w+"? (SET DATA )?TYPE\b`), "changes a column's type under an older release"},
		{regexp.MustCompile(`\bALTER (COLUMN )?"?\w+"? SET NOT NULL\b`), "makes a column NOT NULL that an older release may leave empty"},
		{regexp.MustCompile(`\bALTER (COLUMN )?"?\w+"? DROP DEFAULT\b`), "drops a default an older release's inserts may rely on"},
		{regexp.MustCompile(`\bADD (CONSTRAINT|CHECK|UNIQUE|PRIMARY KEY|FOREIGN KEY|EXCLUDE)\b`), "adds a constraint that may refuse an older release's writes"},
	}
	alterTable  = regexp.MustCompile(`^ALTER TABLE (IF EXISTS )?(ONLY )?"?(\w+)"? (.*)$`)
	addColumn   = regexp.MustCompile(`^ADD (COLUMN )?(IF NOT EXISTS )?"?(\w+)"? (.*)$`)
	createTable = regexp.MustCompile(`^CREATE (TEMP |TEMPORARY |UNLOGGED )?TABLE (IF NOT EXISTS )?"?(\w+)"?`)
	uniqueIndex = regexp.MustCompile(`^CREATE UNIQUE INDEX .*? ON (ONLY )?"?(\w+)"?`)

	// The words after ADD that begin a table constraint, not a column.
	tableConstraint = map[string]bool{"CONSTRAINT": true, "CHECK": true, "UNIQUE": true, "PRIMARY": true, "FOREIGN": true, "EXCLUDE": true}
)

// checkMigration returns what is wrong with one migration file under the
// expand/contract rule, nothing if it is fine.
func checkMigration(name, text string) []string {
	var problems []string
	contract := isContract(name)
	marks := contractLine.FindAllStringSubmatch(text, -1)
	switch {
	case contract && len(marks) == 0:
		problems = append(problems, `a contract migration needs a line "-- contract: <why every instance may run it now>"`)
	case contract && len(strings.Fields(marks[0][1])) < 3:
		problems = append(problems, fmt.Sprintf("the contract marker gives no reason (%q): say which release stopped using what this removes", strings.TrimSpace(marks[0][0])))
	case !contract && len(marks) > 0:
		problems = append(problems, "a contract marker in a migration not named NNNN_contract_<what>.sql: older binaries would not know to refuse this schema")
	}
	if contract {
		return problems // contract steps may do anything the marker explains
	}
	for _, p := range contractViolations(text) {
		problems = append(problems, p+"; expand instead, or make it a contract migration")
	}
	return problems
}

// contractViolations lists each statement of text that only a contract
// migration may run, with why.
func contractViolations(text string) []string {
	text = blockComment.ReplaceAllString(lineComment.ReplaceAllString(text, ""), "")
	created := map[string]bool{} // tables this file creates: nothing older uses them
	var out []string
	for _, raw := range strings.Split(text, ";") {
		st := strings.TrimSpace(spaces.ReplaceAllString(raw, " "))
		if st == "" {
			continue
		}
		up := strings.ToUpper(st)
		if m := createTable.FindStringSubmatch(up); m != nil {
			created[m[3]] = true
		}
		var clauses []string
		if m := alterTable.FindStringSubmatch(up); m != nil {
			clauses = splitTopLevel(m[4])
		} else {
			clauses = []string{up}
		}
		for _, c := range clauses {
			for _, rule := range contractOnly {
				if rule.re.MatchString(c) {
					out = append(out, fmt.Sprintf("%q %s", st, rule.why))
				}
			}
			if m := addColumn.FindStringSubmatch(c); m != nil && !tableConstraint[m[3]] {
				def := m[4]
				if strings.Contains(def, "NOT NULL") && !strings.Contains(def, "DEFAULT") && !strings.Contains(def, "GENERATED") {
					out = append(out, fmt.Sprintf("%q adds NOT NULL column %s without a DEFAULT: an older release's inserts leave it out and fail", st, strings.ToLower(m[3])))
				}
			}
		}
		if m := uniqueIndex.FindStringSubmatch(up); m != nil && !created[m[2]] {
			out = append(out, fmt.Sprintf("%q adds a unique index to an existing table, which may refuse an older release's writes", st))
		}
	}
	return out
}

// splitTopLevel splits the clauses of an ALTER TABLE at the commas outside
// parentheses.
func splitTopLevel(s string) []string {
	var parts []string
	depth, from := 0, 0
	for i, r := range s {
		switch r {
		case '(':
			depth++
		case ')':
			depth--
		case ',':
			if depth == 0 {
				parts = append(parts, strings.TrimSpace(s[from:i]))
				from = i + 1
			}
		}
	}
	return append(parts, strings.TrimSpace(s[from:]))
}

// TestMigrationPolicyCatches proves the checker: each statement below that
// the rule forbids is reported, each allowed one is not, and the contract
// marker is required exactly for contract migrations, with a reason.
func TestMigrationPolicyCatches(t *testing.T) {
	bad := []string{
		"DROP TABLE room_bans;",
		"drop   table\n  IF EXISTS room_bans;",
		"DROP INDEX rooms_created;",
		"ALTER TABLE users DROP COLUMN role;",
		"ALTER TABLE users DROP role;",
		"ALTER TABLE users ADD COLUMN x TEXT, DROP COLUMN role;",
		"ALTER TABLE users RENAME COLUMN display_name TO nickname;",
		"ALTER TABLE users RENAME TO people;",
		"ALTER TABLE focus_sessions ALTER COLUMN goals TYPE TEXT USING goals::text;",
		"ALTER TABLE focus_sessions ALTER goals SET DATA TYPE TEXT;",
		"ALTER TABLE users ALTER COLUMN avatar_url SET NOT NULL;",
		"ALTER TABLE rooms ALTER COLUMN unlisted DROP DEFAULT;",
		"ALTER TABLE users ADD COLUMN pronouns TEXT NOT NULL;",
		"ALTER TABLE users ADD pronouns TEXT NOT NULL CHECK (pronouns <> '');",
		"ALTER TABLE users ADD COLUMN a TEXT, ADD COLUMN b INTEGER NOT NULL;",
		"ALTER TABLE users ADD CONSTRAINT name_len CHECK (length(display_name) < 40);",
		"ALTER TABLE users ADD CHECK (length(display_name) < 40);",
		"CREATE UNIQUE INDEX users_names ON users (display_name);",
		// SQLite's way of changing a table: build, copy, drop, rename.
		"CREATE TABLE users_new (id TEXT PRIMARY KEY); INSERT INTO users_new SELECT id FROM users; DROP TABLE users; ALTER TABLE users_new RENAME TO users;",
	}
	for _, sql := range bad {
		if len(checkMigration("0099_change.sql", sql)) == 0 {
			t.Errorf("not reported: %s", sql)
		}
		if p := checkMigration("0099_contract_change.sql", "-- contract: v0.2.0 stopped using it\n"+sql); len(p) != 0 {
			t.Errorf("reported in a marked contract migration: %s: %v", sql, p)
		}
	}
	good := []string{
		"CREATE TABLE acme_locks (name TEXT PRIMARY KEY, owner TEXT NOT NULL, expires TIMESTAMPTZ NOT NULL);",
		"CREATE TABLE t (id TEXT PRIMARY KEY); CREATE UNIQUE INDEX t_one ON t (id);",
		"CREATE INDEX users_last_active ON users ((COALESCE(active_at, created_at)));",
		"ALTER TABLE users ADD COLUMN active_at TIMESTAMPTZ;",
		"ALTER TABLE rooms ADD COLUMN unlisted BOOLEAN NOT NULL DEFAULT FALSE;",
		"ALTER TABLE users ADD COLUMN role TEXT NOT NULL DEFAULT 'member'\n    CHECK (role IN ('member', 'moderator', 'admin'));",
		"ALTER TABLE room_participants\n ADD COLUMN media_camera BOOLEAN NOT NULL DEFAULT FALSE,\n ADD COLUMN media_conn TEXT NOT NULL DEFAULT '';",
		"ALTER TABLE rooms ALTER COLUMN max_capacity SET DEFAULT 10;",
		"UPDATE rooms SET timer_control = 'anyone' WHERE created_by IS NOT NULL;",
		"-- Someone may DROP TABLE this later, or RENAME it.\nCREATE TABLE notes (id TEXT PRIMARY KEY);",
		"CREATE TABLE audit (id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY);",
	}
	for _, sql := range good {
		if p := checkMigration("0099_change.sql", sql); len(p) != 0 {
			t.Errorf("reported: %s: %v", sql, p)
		}
	}

	// The marker: required in a contract migration, with a reason, and
	// only there.
	for _, tc := range []struct {
		name, sql string
		ok        bool
	}{
		{"0099_contract_drop_x.sql", "DROP TABLE x;", false},
		{"0099_contract_drop_x.sql", "-- contract:\nDROP TABLE x;", false},
		{"0099_contract_drop_x.sql", "-- contract: yes\nDROP TABLE x;", false},
		{"0099_contract_drop_x.sql", "-- Contract: no release since v0.2.0 reads x\nDROP TABLE x;", true},
		{"0099_drop_x.sql", "-- contract: no release since v0.2.0 reads x\nDROP TABLE x;", false},
		{"0099_drop_x.sql", "-- contract: no release since v0.2.0 reads x\nCREATE TABLE y (id TEXT);", false},
	} {
		if p := checkMigration(tc.name, tc.sql); (len(p) == 0) != tc.ok {
			t.Errorf("%s %q: problems %v, want ok=%v", tc.name, tc.sql, p, tc.ok)
		}
	}

	// A released migration that changed a column's type is what the rule
	// exists for: 0012, before the rule, would not pass it today.
	for _, m := range embedded(t, "postgres") {
		if m.version == 12 && len(checkMigration("0099_sealed_text.sql", m.sql)) == 0 {
			t.Error("0012's ALTER COLUMN ... TYPE not reported")
		}
	}
}

// TestOlderBinaryRefusesAContractedSchema opens a database that a newer
// release migrated: past migrations that only expand, this binary starts;
// past a contract migration, it refuses with the migration's name and
// changes nothing.
func TestOlderBinaryRefusesAContractedSchema(t *testing.T) {
	dir := t.TempDir()
	s, err := OpenSQLite(t.Context(), dir)
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	db, err := sql.Open("sqlite", filepath.Join(dir, SQLiteFile))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	count := func() int {
		var n int
		if err := db.QueryRow("SELECT COUNT(*) FROM schema_migrations").Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}

	if _, err := db.Exec("CREATE TABLE later (id TEXT); INSERT INTO schema_migrations (version, name) VALUES (9998, '9998_later.sql')"); err != nil {
		t.Fatal(err)
	}
	s, err = OpenSQLite(t.Context(), dir)
	if err != nil {
		t.Fatalf("refused a newer release's expand migration: %v", err)
	}
	s.Close()

	if _, err := db.Exec("INSERT INTO schema_migrations (version, name) VALUES (9999, '9999_contract_drop_role.sql')"); err != nil {
		t.Fatal(err)
	}
	before := count()
	s, err = OpenSQLite(t.Context(), dir)
	if err == nil {
		s.Close()
		t.Fatal("opened a database past a contract migration it does not know")
	}
	if !strings.Contains(err.Error(), "9999_contract_drop_role.sql") || !strings.Contains(err.Error(), "newer release") {
		t.Fatalf("error does not name the migration and the cause: %v", err)
	}
	if after := count(); after != before {
		t.Fatalf("schema_migrations went from %d to %d rows", before, after)
	}

	// This binary's own contract migrations are known to it: only the
	// unknown ones count.
	if !isContract("0015_contract_drop_x.sql") || isContract("0015_acme_contract.sql") || isContract("0015_acme.sql") {
		t.Fatal("isContract reads the name wrongly")
	}
}

package storetest

import (
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/bodydouble/bodydouble/internal/keyring"
	"github.com/bodydouble/bodydouble/internal/model"
	"github.com/bodydouble/bodydouble/internal/store/sqlstore"
	"github.com/bodydouble/bodydouble/internal/testlog"
)

// SealedBackend is a database for RunSealed: Open opens another store on
// it (without a keyring), Raw reaches it below the store.
type SealedBackend struct {
	Open func(t testing.TB) *sqlstore.Store
	Raw  *sql.DB
	// Tables lists the database's tables.
	Tables string
	// Placeholder is the dialect's first bind parameter ("?" or "$1").
	Placeholder func(i int) string
}

// dump is every row of every table of the database as text: what a
// backup or a stolen copy shows.
func (b SealedBackend) dump(t *testing.T) string {
	t.Helper()
	ctx := t.Context()
	var tables []string
	rows, err := b.Raw.QueryContext(ctx, b.Tables)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var name string
		if err := rows.Scan(&name); err != nil {
			t.Fatal(err)
		}
		tables = append(tables, name)
	}
	rows.Close()
	var out strings.Builder
	for _, table := range tables {
		rows, err := b.Raw.QueryContext(ctx, "SELECT * FROM "+table)
		if err != nil {
			t.Fatal(err)
		}
		cols, _ := rows.Columns()
		for rows.Next() {
			vals := make([]any, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			if err := rows.Scan(ptrs...); err != nil {
				t.Fatal(err)
			}
			for _, v := range vals {
				if bs, ok := v.([]byte); ok {
					v = string(bs)
				}
				fmt.Fprint(&out, v, "|")
			}
			out.WriteString("\n")
		}
		rows.Close()
	}
	if len(tables) < 10 || !strings.Contains(out.String(), "|") {
		t.Fatalf("the dump saw %d tables: it is not the database's", len(tables))
	}
	return out.String()
}

// RunSealed checks encryption at rest on one database: goals,
// achievements and report notes written through a store with a keyring
// are in no raw dump, yet every reader of the store sees them plain
// (sessions, history, export, reports); values written before the
// keyring are still read and Reencrypt seals them; after a rotation
// Reencrypt moves every value to the new key, so the old one can retire
// with everything still readable; and a value changed in the database is
// an error that is logged (without content) and never shown.
func RunSealed(t *testing.T, b SealedBackend) {
	ctx := t.Context()
	now := base
	legacy := b.Open(t) // before the upgrade: no keyring
	lf := newFixture(t, legacy)
	alice, bob := lf.user("alice"), lf.user("bob")
	room := lf.room("Sealed", "study", 10)
	lf.join(room.ID, alice.ID, now)
	lf.join(room.ID, bob.ID, now)
	old := lf.start(room.ID, alice.ID, now, "LEGACY-goal-4711")
	oldReport, _, err := legacy.CreateReport(ctx, model.Report{ReporterID: bob.ID, ReportedUserID: alice.ID, Reason: "spam", Note: "LEGACY-note-4711", CreatedAt: now}, now.Add(-time.Hour))
	ok(t, err, "CreateReport (legacy)")

	logs := &testlog.Buffer{}
	f := keyring.Generate(now)
	k, err := keyring.New(f)
	ok(t, err, "keyring")
	s := b.Open(t)
	s.UseKeyring(k, slog.New(slog.NewTextHandler(logs, nil)))

	got, err := s.GetSession(ctx, old.ID)
	ok(t, err, "GetSession (legacy value)")
	eq(t, got.Goals, []string{"LEGACY-goal-4711"}, "legacy goals")

	x, err := s.StartSession(ctx, model.Session{RoomID: room.ID, UserID: bob.ID, StartedAt: now, Goals: []string{"SECRET-goal-one"}})
	ok(t, err, "StartSession")
	upd := []string{"SECRET-goal-one", "SECRET-goal-two"}
	_, err = s.UpdateSession(ctx, x.ID, bob.ID, model.SessionUpdate{Goals: upd})
	ok(t, err, "UpdateSession")
	_, err = s.CompleteSession(ctx, x.ID, bob.ID, []string{"SECRET-achievement"}, nil, now.Add(30*time.Minute))
	ok(t, err, "CompleteSession")
	carol := newFixture(t, s).user("carol")
	rep, _, err := s.CreateReport(ctx, model.Report{ReporterID: carol.ID, ReportedUserID: bob.ID, Reason: "spam", Note: "SECRET-note", CreatedAt: now}, now.Add(-time.Hour))
	ok(t, err, "CreateReport")

	readAll := func(when string) {
		t.Helper()
		got, err := s.GetSession(ctx, x.ID)
		ok(t, err, when+": GetSession")
		eq(t, got.Goals, upd, when+": goals")
		eq(t, got.Achievements, []string{"SECRET-achievement"}, when+": achievements")
		hist, err := s.History(ctx, bob.ID, model.HistoryOptions{})
		ok(t, err, when+": History")
		eq(t, len(hist), 1, when+": history length")
		eq(t, hist[0].Goals, upd, when+": history goals")
		exp, err := s.ExportUser(ctx, bob.ID)
		ok(t, err, when+": ExportUser")
		eq(t, exp.Sessions[0].Achievements, []string{"SECRET-achievement"}, when+": exported achievements")
		r, err := s.GetReport(ctx, rep.ID)
		ok(t, err, when+": GetReport")
		eq(t, r.Note, "SECRET-note", when+": note")
		r, err = s.GetReport(ctx, oldReport.ID)
		ok(t, err, when+": GetReport (legacy)")
		eq(t, r.Note, "LEGACY-note-4711", when+": legacy note")
		list, err := s.ListReports(ctx, "", "", 10)
		ok(t, err, when+": ListReports")
		eq(t, len(list), 2, when+": reports listed")
		got, err = s.GetSession(ctx, old.ID)
		ok(t, err, when+": GetSession (legacy)")
		eq(t, got.Goals, []string{"LEGACY-goal-4711"}, when+": legacy goals")
	}
	readAll("sealed")
	dump := b.dump(t)
	if strings.Contains(dump, "SECRET-") {
		t.Fatal("a raw dump shows text written with a keyring")
	}
	if !strings.Contains(dump, "LEGACY-") || !strings.Contains(dump, keyring.Prefix+k.Current()+":") {
		t.Fatal("the dump does not show what the database holds")
	}

	// Re-encryption seals the legacy values, a row at a time.
	res, err := s.Reencrypt(ctx, 1)
	ok(t, err, "Reencrypt")
	// Both sessions and both reports: the new ones were sealed already,
	// but the empty achievements of the legacy session were plain.
	eq(t, res, sqlstore.ReencryptResult{Rewritten: 2}, "re-encrypted legacy rows")
	readAll("re-encrypted")
	if dump := b.dump(t); strings.Contains(dump, "LEGACY-") || strings.Contains(dump, "SECRET-") {
		t.Fatal("plain text left after re-encryption")
	}

	// Rotation: the new key seals; Reencrypt moves everything to it.
	first := k.Current()
	f2, second, err := keyring.Rotate(f, now.Add(time.Hour))
	ok(t, err, "Rotate")
	ok(t, k.Replace(f2), "Replace")
	n, err := s.SealedWith(ctx, first)
	ok(t, err, "SealedWith")
	eq(t, n, int64(4), "rows sealed with the first key")
	readAll("rotated")
	res, err = s.Reencrypt(ctx, 500)
	ok(t, err, "Reencrypt after rotation")
	eq(t, res, sqlstore.ReencryptResult{Rewritten: 4}, "re-encrypted rows")
	n, err = s.SealedWith(ctx, first)
	ok(t, err, "SealedWith")
	eq(t, n, int64(0), "rows sealed with the first key")
	n, err = s.SealedWith(ctx, second)
	ok(t, err, "SealedWith")
	eq(t, n, int64(4), "rows sealed with the second key")
	f3, err := keyring.Retire(f2, first)
	ok(t, err, "Retire")
	ok(t, k.Replace(f3), "Replace")
	readAll("retired")

	// A sealed value moved to another column or row does not open there.
	ph := b.Placeholder
	_, err = b.Raw.ExecContext(ctx, "UPDATE focus_sessions SET achievements = goals WHERE id = "+ph(1), old.ID)
	ok(t, err, "move goals")
	if _, err := s.GetSession(ctx, old.ID); !errors.Is(err, keyring.ErrUnreadable) {
		t.Fatalf("GetSession with goals moved into achievements: %v", err)
	}
	_, err = b.Raw.ExecContext(ctx, "UPDATE reports SET note = (SELECT note FROM reports WHERE id = "+ph(1)+") WHERE id = "+ph(2), rep.ID, oldReport.ID)
	ok(t, err, "move note")
	if _, err := s.GetReport(ctx, oldReport.ID); !errors.Is(err, keyring.ErrUnreadable) {
		t.Fatalf("GetReport with another report's note: %v", err)
	}

	// Tampering: one changed character of a sealed goal list.
	var raw string
	ok(t, b.Raw.QueryRowContext(ctx, "SELECT goals FROM focus_sessions WHERE id = "+ph(1), x.ID).Scan(&raw), "read raw goals")
	i := len(raw) - 5
	c := byte('A')
	if raw[i] == 'A' {
		c = 'B'
	}
	tampered := raw[:i] + string(c) + raw[i+1:]
	_, err = b.Raw.ExecContext(ctx, "UPDATE focus_sessions SET goals = "+ph(1)+" WHERE id = "+ph(2), tampered, x.ID)
	ok(t, err, "tamper")
	_, err = s.GetSession(ctx, x.ID)
	if !errors.Is(err, keyring.ErrUnreadable) {
		t.Fatalf("GetSession of a tampered value: %v", err)
	}
	if _, err := s.History(ctx, bob.ID, model.HistoryOptions{}); !errors.Is(err, keyring.ErrUnreadable) {
		t.Fatalf("History with a tampered value: %v", err)
	}
	line := logs.String()
	if !strings.Contains(line, "cannot be read") || !strings.Contains(line, x.ID) || strings.Contains(line, tampered) {
		t.Fatalf("the log of a tampered value: %q", line)
	}
	// A value naming a key the keyring does not hold is unreadable too;
	// re-encryption leaves it as it is and counts it.
	_, err = b.Raw.ExecContext(ctx, "UPDATE reports SET note = "+ph(1)+" WHERE id = "+ph(2), keyring.Prefix+"ffff0000:AAAA", rep.ID)
	ok(t, err, "tamper")
	if _, err := s.GetReport(ctx, rep.ID); !errors.Is(err, keyring.ErrUnknownKey) {
		t.Fatalf("GetReport of a note sealed with an unknown key: %v", err)
	}
	res, err = s.Reencrypt(ctx, 500)
	ok(t, err, "Reencrypt with an unreadable row")
	eq(t, res, sqlstore.ReencryptResult{Unreadable: 1}, "re-encryption of an unreadable row")
	if !strings.Contains(logs.String(), rep.ID) {
		t.Fatal("the unreadable report is not logged")
	}
}

package sqlstore

import (
	"testing"
	"time"
)

func TestQueryKinds(t *testing.T) {
	for q, want := range map[string]string{
		"SELECT id FROM rooms":                 "select",
		"\n\t  select 1":                       "select",
		"INSERT INTO users VALUES (?)":         "insert",
		"update rooms SET name = ?":            "update",
		"DELETE FROM sessions":                 "delete",
		"WITH x AS (SELECT 1) SELECT * FROM x": "other",
		"PRAGMA user_version":                  "other",
		"select":                               "other", // a word alone is no statement
		"":                                     "other",
	} {
		if got := sqlOp(q); got != want {
			t.Errorf("sqlOp(%q) = %q, want %q", q, got, want)
		}
	}
	for tag, want := range map[string]string{"SELECT 3": "select", "INSERT 0 1": "insert", "UPDATE 2": "update", "DELETE 0": "delete", "BEGIN": "other", "": "other"} {
		if got := queryOp(tag); got != want {
			t.Errorf("queryOp(%q) = %q, want %q", tag, got, want)
		}
	}
}

// BenchmarkQueryTiming is what timing one statement adds when metrics are
// on (the observer here does nothing; a histogram observation adds ~20 ns).
func BenchmarkQueryTiming(b *testing.B) {
	var tr queryTracer
	f := func(string, time.Duration) {}
	tr.observe.Store(&f)
	q := "SELECT id, name FROM rooms WHERE id = ?"
	for b.Loop() {
		if tr.on() {
			tr.timeSQL(q, time.Now())
		}
	}
}

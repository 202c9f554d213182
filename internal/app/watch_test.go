package app

import (
	"io"
	"log/slog"
	"path/filepath"
	"testing"
	"time"
)

// A file caught half-written (an editor truncates it, then writes) is
// never applied: a change is loaded only once the file held still for a
// tick.
func TestFileWatchWaitsForTheFileToHoldStill(t *testing.T) {
	path := filepath.Join(t.TempDir(), "list.txt")
	write := func(text string, mod time.Time) { t.Helper(); writeList(t, path, text, mod) }
	t0 := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	write("first\n", t0)
	var applied []string
	w := &fileWatch{path: path, flag: "--test", what: "test list", log: slog.New(slog.NewTextHandler(io.Discard, nil)),
		apply: func(data []byte) ([]any, error) { applied = append(applied, string(data)); return nil, nil }}
	if err := w.load(); err != nil {
		t.Fatal(err)
	}

	write("", t0.Add(time.Second)) // truncated, the new text not written yet
	w.reload()
	write("second\n", t0.Add(2*time.Second))
	w.reload()
	if len(applied) != 1 {
		t.Fatalf("applied %q while the file was changing", applied)
	}
	w.reload() // held still for a tick
	w.reload() // and nothing new
	if len(applied) != 2 || applied[1] != "second\n" {
		t.Fatalf("applied %q, want the first list, then the whole second one", applied)
	}
}

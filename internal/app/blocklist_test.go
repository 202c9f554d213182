package app

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/bodydouble/bodydouble/internal/config"
	"github.com/bodydouble/bodydouble/internal/textrules"
)

// refuses reports whether r refuses s as public text.
func refuses(r *textrules.Rules, s string) bool {
	_, why := r.Text(s)
	return why != ""
}

// writeList writes a watched list (words, networks) to path with
// modification time mod, so that a change is seen however coarse the file
// system's clock is.
func writeList(t *testing.T, path, terms string, mod time.Time) {
	t.Helper()
	if err := os.WriteFile(path, []byte(terms), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Chtimes(path, mod, mod); err != nil {
		t.Fatal(err)
	}
}

// The operator's list is read at start, swapped whole when the file
// changes, and kept as it was while the file cannot be read.
func TestBlocklistFollowsItsFile(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "words.txt")
	t0 := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	writeList(t, path, "# ours\ngrindset\n", t0)
	b := &blocklist{path: path, rules: textrules.New(), log: slog.New(slog.NewTextHandler(io.Discard, nil))}
	if err := b.load(); err != nil {
		t.Fatal(err)
	}
	if !refuses(b.rules, "Grindset") || refuses(b.rules, "hustle") || !refuses(b.rules, "shit") {
		t.Fatal("first load")
	}

	ticks := make(chan time.Time)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { b.run(ctx, ticks); close(done) }()
	// tick lets a change apply and waits until it has: the first tick
	// sees the file changed, the second (the file held still) loads it,
	// and run takes the third only after that load. The third finds
	// nothing new, or at most notes a change the test is making.
	tick := func() { ticks <- time.Time{}; ticks <- time.Time{}; ticks <- time.Time{} }

	tick()
	if !refuses(b.rules, "Grindset") {
		t.Fatal("an unchanged file lost its terms")
	}
	writeList(t, path, "hustle\n", t0.Add(time.Second))
	tick()
	if refuses(b.rules, "Grindset") || !refuses(b.rules, "hustle") || !refuses(b.rules, "shit") {
		t.Fatal("after the file changed")
	}
	if err := os.Remove(path); err != nil {
		t.Fatal(err)
	}
	tick()
	if !refuses(b.rules, "hustle") {
		t.Fatal("a missing file dropped the list")
	}
	writeList(t, path, "hustle\ngrindset\n", t0.Add(time.Second))
	tick()
	if !refuses(b.rules, "hustle") || !refuses(b.rules, "grindset") {
		t.Fatal("the file came back with the same time and was not read")
	}
	cancel()
	<-done
}

// A list that cannot be read at start stops the server from starting.
func TestBlocklistMissingAtStart(t *testing.T) {
	t.Parallel()
	b := &blocklist{path: filepath.Join(t.TempDir(), "none.txt"), rules: textrules.New(), log: slog.New(slog.NewTextHandler(io.Discard, nil))}
	if err := b.load(); err == nil {
		t.Fatal("a missing file loaded")
	}
}

// The server wires the operator's list into room names and display
// names, over HTTP, with a field error that says why; the list is read
// again when the file changes.
func TestBlocklistFileIsApplied(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "words.txt")
	t0 := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	writeList(t, path, "grindset\n", t0)
	a, _, _ := startApp(t, func(c *config.Config) { c.BlocklistFile, c.TURNAddr = path, config.TURNOff })
	s := signUp(t, a)
	var refused struct {
		Code   string `json:"code"`
		Fields []struct {
			Field, Message string
		} `json:"errors"`
	}
	if code := s.do(t, "POST", "/api/rooms", map[string]any{"name": "Grindset hour", "category": "study"}, &refused); code != http.StatusBadRequest ||
		refused.Code != "invalid" || len(refused.Fields) != 1 || refused.Fields[0].Field != "name" || refused.Fields[0].Message != textrules.ReasonBlocked("grindset") {
		t.Fatalf("room with the operator's term: %d %+v", code, refused)
	}
	if code := s.do(t, "PUT", "/api/users/profile", map[string]any{"displayName": "M\u03bfderator"}, &refused); code != http.StatusBadRequest ||
		len(refused.Fields) != 1 || refused.Fields[0].Field != "displayName" || refused.Fields[0].Message != textrules.ReasonStaff {
		t.Fatalf("staff name: %d %+v", code, refused)
	}
	writeList(t, path, "hustle\n", t0.Add(time.Second))
	// The poll looks every few seconds; the term leaves within a few polls.
	await(t, "the changed file is read", 6*blocklistPoll, func() bool { return !refuses(a.text, "Grindset") && refuses(a.text, "hustle") })
	if code := s.do(t, "POST", "/api/rooms", map[string]any{"name": "Grindset hour", "category": "study"}, nil); code != http.StatusCreated {
		t.Fatalf("after the term left the file: %d", code)
	}
}

package app

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"time"
)

// fileWatch keeps something in step with an operator's file (the word
// list of --blocklist-file, the networks of --block-cidrs): apply reads
// the file's contents and swaps them in at once, or returns an error and
// changes nothing. Only the run goroutine touches mod and size after the
// first load.
type fileWatch struct {
	path string
	flag string // e.g. "--block-cidrs", for errors
	what string // e.g. "blocked networks", for logs
	log  *slog.Logger
	// apply parses data and puts it in force, returning what to log of it
	// (key-value pairs); on error nothing changes.
	apply func(data []byte) ([]any, error)

	mod  time.Time
	size int64
	// seenMod and seenSize are what the previous tick found, when it
	// differed from what is loaded: a change is loaded once the file has
	// held still for a tick, never half-written (an editor that truncates
	// and then writes would otherwise be read in between, as an empty list).
	seenMod  time.Time
	seenSize int64
}

// load reads the file and applies it.
func (w *fileWatch) load() error {
	fi, err := os.Stat(w.path)
	if err != nil {
		return fmt.Errorf("app: %s: %w", w.flag, err)
	}
	data, err := os.ReadFile(w.path)
	if err != nil {
		return fmt.Errorf("app: %s: %w", w.flag, err)
	}
	attrs, err := w.apply(data)
	if err != nil {
		return fmt.Errorf("app: %s %s: %w", w.flag, w.path, err)
	}
	w.mod, w.size = fi.ModTime(), fi.Size()
	w.log.Info(w.what+" loaded", append([]any{"file", w.path}, attrs...)...)
	return nil
}

// reload loads the file again if it changed since the last load (its
// modification time or size) and not since the previous tick, so a
// change applies one to two ticks after it is made. A file that cannot
// be read or applied keeps what was in force, and says so.
func (w *fileWatch) reload() {
	fi, err := os.Stat(w.path)
	if err == nil && fi.ModTime().Equal(w.mod) && fi.Size() == w.size {
		return
	}
	if err == nil && (!fi.ModTime().Equal(w.seenMod) || fi.Size() != w.seenSize) {
		w.seenMod, w.seenSize = fi.ModTime(), fi.Size() // still changing, perhaps
		return
	}
	if err == nil {
		err = w.load()
	}
	if err != nil {
		w.log.Warn(w.what+" not reloaded; the previous list stays", "file", w.path, "err", err)
		w.mod, w.size = time.Time{}, -1 // try again on the next tick
	}
}

// run reloads the file on each tick until ctx ends.
func (w *fileWatch) run(ctx context.Context, ticks <-chan time.Time) {
	for {
		select {
		case <-ctx.Done():
			return
		case <-ticks:
			w.reload()
		}
	}
}

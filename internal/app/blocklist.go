package app

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"time"

	"github.com/bodydouble/bodydouble/internal/textrules"
)

// blocklistPoll is how often the operator's word list is looked at for a
// change (its modification time or size). Polling needs no platform
// support, and a list edited by hand need not take effect sooner.
const blocklistPoll = 5 * time.Second

// blocklist keeps the operator's terms of rules in step with a file
// (--blocklist-file). Only its run goroutine touches mod and size after
// the first load.
type blocklist struct {
	path  string
	rules *textrules.Rules
	log   *slog.Logger
	mod   time.Time
	size  int64
}

// load reads the file and swaps its terms into rules at once.
func (b *blocklist) load() error {
	fi, err := os.Stat(b.path)
	if err != nil {
		return fmt.Errorf("app: --blocklist-file: %w", err)
	}
	data, err := os.ReadFile(b.path)
	if err != nil {
		return fmt.Errorf("app: --blocklist-file: %w", err)
	}
	terms := textrules.ParseList(string(data))
	b.rules.SetExtra(terms)
	b.mod, b.size = fi.ModTime(), fi.Size()
	b.log.Info("blocklist loaded", "file", b.path, "terms", len(terms))
	return nil
}

// reload loads the file again if it changed since the last load. A file
// that cannot be read keeps the list as it was, and says so.
func (b *blocklist) reload() {
	fi, err := os.Stat(b.path)
	if err == nil && fi.ModTime().Equal(b.mod) && fi.Size() == b.size {
		return
	}
	if err == nil {
		err = b.load()
	}
	if err != nil {
		b.log.Warn("blocklist not reloaded; the previous list stays", "file", b.path, "err", err)
		b.mod, b.size = time.Time{}, -1 // try again on the next tick
	}
}

// run reloads the file on each tick until ctx ends.
func (b *blocklist) run(ctx context.Context, ticks <-chan time.Time) {
	for {
		select {
		case <-ctx.Done():
			return
		case <-ticks:
			b.reload()
		}
	}
}

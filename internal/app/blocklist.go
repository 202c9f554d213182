package app

import (
	"context"
	"log/slog"
	"time"

	"github.com/bodydouble/bodydouble/internal/textrules"
)

// blocklistPoll is how often the operator's files (--blocklist-file,
// --block-cidrs) are looked at for a change (modification time or size).
// Polling needs no platform support, and a list edited by hand need not
// take effect sooner.
const blocklistPoll = 5 * time.Second

// blocklist keeps the operator's terms of rules in step with a file
// (--blocklist-file), through a fileWatch.
type blocklist struct {
	path  string
	rules *textrules.Rules
	log   *slog.Logger
	w     *fileWatch
}

func (b *blocklist) watch() *fileWatch {
	if b.w == nil {
		b.w = &fileWatch{path: b.path, flag: "--blocklist-file", what: "blocklist", log: b.log, apply: func(data []byte) ([]any, error) {
			terms := textrules.ParseList(string(data))
			b.rules.SetExtra(terms)
			return []any{"terms", len(terms)}, nil
		}}
	}
	return b.w
}

// load reads the file and swaps its terms into rules at once.
func (b *blocklist) load() error { return b.watch().load() }

// reload loads the file again if it changed since the last load.
func (b *blocklist) reload() { b.watch().reload() }

// run reloads the file on each tick until ctx ends.
func (b *blocklist) run(ctx context.Context, ticks <-chan time.Time) { b.watch().run(ctx, ticks) }

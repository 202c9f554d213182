package jobs

import (
	"context"
	"io"
	"log/slog"
)

// riverLog is the logger River and its migrations get: the server's, from
// warnings up (River's own info lines, such as its maintenance rounds,
// would drown the server's), or nothing when log is nil.
func riverLog(log *slog.Logger) *slog.Logger {
	if log == nil {
		return slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	return slog.New(minLevel{log.Handler(), slog.LevelWarn})
}

// minLevel passes on the records of at least its level.
type minLevel struct {
	slog.Handler
	min slog.Level
}

func (h minLevel) Enabled(ctx context.Context, l slog.Level) bool {
	return l >= h.min && h.Handler.Enabled(ctx, l)
}

func (h minLevel) WithAttrs(as []slog.Attr) slog.Handler {
	return minLevel{h.Handler.WithAttrs(as), h.min}
}

func (h minLevel) WithGroup(name string) slog.Handler {
	return minLevel{h.Handler.WithGroup(name), h.min}
}

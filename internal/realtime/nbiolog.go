package realtime

import (
	"context"
	"fmt"
	"log/slog"
	"sync"

	"github.com/lesismal/nbio/logging"
)

// routeLibraryLogs sends nbio's log lines, which it otherwise prints to
// stdout in a format of its own, to the first hub's logger. nbio has one
// logger for the whole process, set once, before any event loop starts.
var routeLibraryLogs sync.Once

// nbioLogger is nbio's logging.Logger over slog. Its start and stop notices
// are the library's business, not the operator's, so they go out at Debug;
// its warnings and errors stay what they are.
type nbioLogger struct{ log *slog.Logger }

var _ logging.Logger = nbioLogger{}

func (l nbioLogger) emit(level slog.Level, format string, v []any) {
	if l.log.Enabled(context.Background(), level) {
		l.log.Log(context.Background(), level, "nbio: "+fmt.Sprintf(format, v...))
	}
}

func (l nbioLogger) Debug(format string, v ...any) { l.emit(slog.LevelDebug, format, v) }
func (l nbioLogger) Info(format string, v ...any)  { l.emit(slog.LevelDebug, format, v) }
func (l nbioLogger) Warn(format string, v ...any)  { l.emit(slog.LevelWarn, format, v) }
func (l nbioLogger) Error(format string, v ...any) { l.emit(slog.LevelError, format, v) }

package turn

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/pion/logging"
	"golang.org/x/time/rate"
)

// slogFactory sends pion's logs to slog. pion logs what a client got
// wrong, or a peer that went away, at Error, possibly once a packet; here
// those are warnings, at most a few a minute (the rest are debug lines),
// and Info is debug detail.
type slogFactory struct {
	log   *slog.Logger
	warns *rate.Limiter
}

func newSlogFactory(log *slog.Logger) slogFactory {
	return slogFactory{log: log, warns: rate.NewLimiter(rate.Every(10*time.Second), 5)}
}

func (f slogFactory) NewLogger(scope string) logging.LeveledLogger {
	return slogLogger{f.log.With("component", "turn", "scope", scope), f.warns}
}

type slogLogger struct {
	log   *slog.Logger
	warns *rate.Limiter
}

func (l slogLogger) emit(level slog.Level, msg string) {
	if level >= slog.LevelWarn && !l.warns.Allow() {
		level = slog.LevelDebug
	}
	l.log.Log(context.Background(), level, msg)
}

func (l slogLogger) emitf(level slog.Level, format string, args ...any) {
	if level >= slog.LevelWarn && !l.warns.Allow() {
		level = slog.LevelDebug
	}
	if l.log.Enabled(context.Background(), level) {
		l.log.Log(context.Background(), level, fmt.Sprintf(format, args...))
	}
}

func (l slogLogger) Trace(string)                      {}
func (l slogLogger) Tracef(string, ...any)             {}
func (l slogLogger) Debug(msg string)                  { l.emit(slog.LevelDebug, msg) }
func (l slogLogger) Debugf(format string, args ...any) { l.emitf(slog.LevelDebug, format, args...) }
func (l slogLogger) Info(msg string)                   { l.emit(slog.LevelDebug, msg) }
func (l slogLogger) Infof(format string, args ...any)  { l.emitf(slog.LevelDebug, format, args...) }
func (l slogLogger) Warn(msg string)                   { l.emit(slog.LevelWarn, msg) }
func (l slogLogger) Warnf(format string, args ...any)  { l.emitf(slog.LevelWarn, format, args...) }
func (l slogLogger) Error(msg string)                  { l.emit(slog.LevelWarn, msg) }
func (l slogLogger) Errorf(format string, args ...any) { l.emitf(slog.LevelWarn, format, args...) }

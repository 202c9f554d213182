package realtime

import (
	"log/slog"
	"runtime"
	"runtime/debug"
	"sync"
)

// workers runs the event loop's frame handlers on long-lived goroutines.
// nbio's own pool starts a goroutine for each burst of work and lets it go
// when the burst is over, so under steady load nearly every frame began on
// a new goroutine whose stack had to grow again (copystack was about 3 % of
// the server's CPU in the presence load). Frames of one connection still
// run one at a time and in order: nbio queues them per connection and
// hands this pool one connection's queue at a time.
type workers struct {
	log  *slog.Logger
	jobs chan func()
	stop sync.Once
}

// startWorkers starts n idle workers.
func startWorkers(n int, log *slog.Logger) *workers {
	w := &workers{log: log, jobs: make(chan func())}
	for range n {
		go func() {
			for f := range w.jobs {
				w.run(f)
			}
		}()
	}
	return w
}

// defaultWorkers keeps a few goroutines per CPU: most frames are handled
// in microseconds, and a burst beyond them gets goroutines of its own.
func defaultWorkers() int { return 8 * runtime.GOMAXPROCS(0) }

// Go runs f on an idle worker, or on a new goroutine when none is idle (a
// join waiting for the database must not hold up anyone's presence).
func (w *workers) Go(f func()) {
	select {
	case w.jobs <- f:
	default:
		go w.run(f)
	}
}

// run calls f; a panic is logged and ends only this frame, as it did
// under nbio's pool.
func (w *workers) run(f func()) {
	defer func() {
		if err := recover(); err != nil {
			w.log.Error("realtime: handler panicked", "err", err, "stack", string(debug.Stack()))
		}
	}()
	f()
}

// close lets the idle workers end; Go must not be called after it.
func (w *workers) close() { w.stop.Do(func() { close(w.jobs) }) }

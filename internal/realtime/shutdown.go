package realtime

import (
	"context"
	"time"
)

// Shutdown tells every client to reconnect (1012), waits for the
// connections to end (or for ctx), then stops the event loop.
func (h *Hub) Shutdown(ctx context.Context) {
	h.mu.Lock()
	h.closing = true
	h.mu.Unlock()
	// closing is set, so no register can Add any more.
	for _, c := range h.all() {
		c.closeWith(CloseRestarting, "server restarting")
	}
	done := make(chan struct{})
	go func() { h.wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-ctx.Done():
	}
	h.stopOnce.Do(func() {
		// nbio v1.6.8 can miss a Stop that comes before its pollers have
		// started (each clears the flag as it starts), and then waits
		// forever. It offers no way to know they have, so a hub stopped
		// right after it started gives them a moment first; and Stop is
		// never waited for past the shutdown deadline.
		if wait := time.Until(h.started.Add(pollerStartup)); wait > 0 {
			t := time.NewTimer(wait)
			select {
			case <-t.C:
			case <-ctx.Done():
			}
			t.Stop()
		}
		stopped := make(chan struct{})
		go func() { h.engine.Stop(); close(stopped) }()
		select {
		case <-stopped:
			h.workers.close()
		case <-ctx.Done():
			h.log.Warn("realtime: event loop did not stop before the deadline")
		}
	})
}

package realtime

import (
	"context"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/lesismal/nbio/nbhttp/websocket"
	"golang.org/x/time/rate"

	"github.com/bodydouble/bodydouble/internal/apperr"
	"github.com/bodydouble/bodydouble/internal/auth"
)

// Per-connection event limits: about 20 events/s with a burst of 40;
// rejections beyond a burst of 20 at more than 2/s close the socket (1008).
const (
	eventsPerSecond = 20
	eventBurst      = 40
	strikesPerSec   = 2
	strikeBurst     = 20
	// Signalling (rtc-*) has an allowance of its own: joining a room where
	// 7 cameras are on trickles dozens of ICE candidates at once.
	signalsPerSecond = 50
	signalBurst      = 200
)

// maxPending bounds the bytes handed to the socket but not yet written to
// the network. A client that lets it fill up cannot keep up and is closed
// with 1013 rather than delay anyone else or hold memory.
const maxPending = 64 << 10

// frameOverhead is the header bytes of a server frame under 64 KiB,
// counted with its payload so pending matches what the kernel is given.
const frameOverhead = 4

// conn is one WebSocket. It has no goroutine of its own: the event loop
// (nbio) reads frames and runs onMessage for them one at a time, in order,
// on a worker; writes go straight to the socket, and what the kernel cannot
// take yet is buffered by nbio and flushed when the socket is writable.
// hub.mu guards room, pending and buffered.
type conn struct {
	hub  *Hub
	ws   atomic.Pointer[websocket.Conn] // set once the upgrade is done
	user auth.Identity
	id   string // instance id + "-" + seq
	seq  uint64

	limit   *rate.Limiter
	signals *rate.Limiter // rtc-offer, rtc-answer, rtc-ice
	strikes *rate.Limiter

	queued atomic.Int64 // bytes written to ws and not yet to the network
	once   sync.Once
	closed atomic.Bool
	// closing holds a close code asked for before the upgrade finished;
	// the hub applies it once the socket is claimed.
	closing atomic.Int32

	room     string
	pending  bool
	buffered [][]byte
}

// onMessage handles one frame from the client.
func (c *conn) onMessage(typ websocket.MessageType, b []byte) {
	if typ != websocket.TextMessage {
		c.fail("", apperr.Field("frame", "must be a text frame"))
		return
	}
	f, e := decodeFrame(b)
	if e != nil {
		c.fail(f.Ref, e)
		return
	}
	limit := c.limit
	if strings.HasPrefix(f.Event, "rtc-") {
		limit = c.signals
	}
	if !limit.Allow() {
		if !c.strikes.Allow() {
			c.closeWith(CloseAbuse, "too many events")
			return
		}
		c.fail(f.Ref, apperr.New(apperr.RateLimited, "Slow down a little."))
		return
	}
	c.handle(context.Background(), f)
}

// enqueue writes b without blocking. A client whose unwritten output would
// pass maxPending cannot keep up, and is closed (1013).
func (c *conn) enqueue(b []byte) {
	if c.closed.Load() {
		return
	}
	if !c.admit(len(b)) {
		c.closeWith(CloseTooSlow, "too slow")
		return
	}
	ws := c.ws.Load()
	if ws == nil {
		return // still upgrading: it has not joined anything yet
	}
	if err := ws.WriteMessage(websocket.TextMessage, b); err != nil {
		c.closeWith(CloseTooSlow, "write failed")
	}
}

// admit counts a frame of n payload bytes as pending, and reports whether
// the client is still keeping up.
func (c *conn) admit(n int) bool {
	return c.queued.Add(int64(n+frameOverhead)) <= maxPending
}

// written is told how many bytes reached the network.
func (c *conn) written(n int) { c.queued.Add(-int64(n)) }

// closeWith sends a close frame with code and closes the connection soon
// after: at once when the client answers the close, at the latest after
// closeWait. The first call wins.
func (c *conn) closeWith(code int, why string) {
	c.closing.CompareAndSwap(0, int32(code))
	ws := c.ws.Load()
	if ws == nil {
		return // still upgrading: claim closes it with this code
	}
	c.once.Do(func() {
		if !c.closed.CompareAndSwap(false, true) {
			return // the client closed first, and was answered
		}
		_ = ws.WriteClose(code, why)
		if code == CloseRestarting || code == CloseTooSlow {
			// nbio v1.6.8 takes these registered codes for invalid when the
			// client echoes them, and would answer with a second close
			// (1002). Drop the connection once ours is sent instead of
			// waiting for the echo; the client still sees our code.
			_ = ws.Close()
			return
		}
		_ = ws.SetReadDeadline(time.Now().Add(closeWait))
	})
}

// reply sends one event to this connection only.
func (c *conn) reply(ref, event string, data []byte) {
	c.enqueue(encodeFrame(event, data, ref, time.Now().UnixMilli()))
}

// fail sends an error event to this connection only.
func (c *conn) fail(ref string, e *apperr.Error) {
	if e.Code == apperr.Internal {
		c.hub.log.Error("realtime: event failed", "conn", c.id, "err", e)
	}
	c.reply(ref, "error", errorData(e))
}

func itoa(n uint64) string { return strconv.FormatUint(n, 10) }

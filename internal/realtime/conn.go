package realtime

import (
	"context"
	"net/netip"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/lesismal/nbio/nbhttp/websocket"
	"golang.org/x/time/rate"

	"github.com/bodydouble/bodydouble/internal/apperr"
	"github.com/bodydouble/bodydouble/internal/auth"
	"github.com/bodydouble/bodydouble/internal/protocol"
)

// Per-connection event limits: about 20 events/s with a burst of 40;
// rejections beyond a burst of 20 at more than 2/s close the socket (1008).
// Every frame counts: malformed and binary ones against the event limit,
// pings and pongs against a control limit of their own, and all frames,
// fragments included, against a frame limit that closes at once.
const (
	eventsPerSecond = 20
	eventBurst      = 40
	strikesPerSec   = 2
	strikeBurst     = 20
	// Signalling (rtc-*) has an allowance of its own: joining a room where
	// 7 cameras are on trickles dozens of ICE candidates at once.
	signalsPerSecond = 50
	signalBurst      = 200
	// A browser sends a control frame only to answer our ping (every 25 s).
	controlPerSecond = 1
	controlBurst     = 5
	// framesPerSecond is far above what the limits above let through, so
	// only a stream of tiny fragments or control frames reaches it.
	framesPerSecond = 200
	framesBurst     = 400
)

// maxPending bounds the bytes handed to the socket but not yet written to
// the network (the backlog). A client whose backlog is over it when the
// next frame is due cannot keep up and is closed with 1013 rather than
// delay anyone else or hold memory. It measures backlog, not one frame: a
// frame larger than maxPending goes out to a client that is keeping up.
const maxPending = 64 << 10

// conn is one WebSocket. It has no goroutine of its own: the event loop
// (nbio) reads frames and runs onMessage for them one at a time, in order,
// on a worker; writes go straight to the socket, and what the kernel cannot
// take yet is buffered by nbio and flushed when the socket is writable.
// hub.mu guards room, pending and buffered.
type conn struct {
	hub  *Hub
	ws   atomic.Pointer[websocket.Conn] // set once the upgrade is done
	user auth.Identity
	addr netip.Addr // the client's address key (ratelimit.AddrKey), for the per-address cap
	id   string     // instance id + "-" + seq
	seq  uint64

	limit   *rate.Limiter
	signals *rate.Limiter // rtc-offer, rtc-answer, rtc-ice
	strikes *rate.Limiter
	// Used only by the read of this socket (one goroutine at a time):
	guard   frameGuard
	control bucket // ping, pong
	frames  bucket // every frame, fragments included

	queued atomic.Int64 // bytes written to ws and not yet to the network
	once   sync.Once
	closed atomic.Bool
	// abusive is set once the socket is being closed for abuse: its input
	// is dropped from then on.
	abusive atomic.Bool
	// closing holds a close code asked for before the upgrade finished;
	// the hub applies it once the socket is claimed.
	closing atomic.Int32

	room     string
	pending  bool
	buffered [][]byte
}

// newConn returns the connection of user, not yet upgraded.
func newConn(h *Hub, user auth.Identity, seq uint64) *conn {
	return &conn{
		hub: h, user: user, id: h.instance + "-" + itoa(seq), seq: seq,
		limit: rate.NewLimiter(eventsPerSecond, eventBurst), strikes: rate.NewLimiter(strikesPerSec, strikeBurst),
		signals: rate.NewLimiter(signalsPerSecond, signalBurst),
	}
}

// guardData runs the frame guard over bytes read from the client before
// the WebSocket library parses them, and reports whether to parse them: a
// stream that broke a rule is closed with its code and read no further.
func (c *conn) guardData(b []byte) bool {
	if c.abusive.Load() {
		return false
	}
	if code := c.guard.scan(b, c.onFrame); code != 0 {
		c.closeWith(code, closeReason(code))
		return false
	}
	return true
}

// onFrame counts one frame from the client; a non-zero result is the code
// to close with.
func (c *conn) onFrame(opcode byte) int {
	now := time.Now().UnixNano()
	if !c.frames.allow(now, framesPerSecond, framesBurst) {
		return CloseAbuse
	}
	if (opcode == opPing || opcode == opPong) && !c.control.allow(now, controlPerSecond, controlBurst) && !c.strikes.Allow() {
		return CloseAbuse
	}
	return 0
}

// bucket is a token bucket without a lock, for state only one goroutine
// touches: 16 bytes in every connection instead of a rate.Limiter's 80.
type bucket struct {
	tokens float32
	last   int64 // Unix nanoseconds of the last take; 0: never (full)
}

// allow takes one token at now, refilling perSec a second up to burst.
func (b *bucket) allow(now int64, perSec, burst float32) bool {
	if b.last == 0 {
		b.tokens = burst
	} else if now > b.last {
		b.tokens = min(burst, b.tokens+float32(now-b.last)/1e9*perSec)
	}
	b.last = now
	if b.tokens < 1 {
		return false
	}
	b.tokens--
	return true
}

func closeReason(code int) string {
	switch code {
	case CloseTooBig:
		return "frame too large"
	case CloseProtocol:
		return "protocol error"
	default:
		return "too many frames"
	}
}

// onMessage handles one message from the client. Every message takes a
// token first, whatever it holds: malformed and binary ones too.
func (c *conn) onMessage(typ websocket.MessageType, b []byte) {
	var f frame
	var e *apperr.Error
	if typ != websocket.TextMessage {
		e = apperr.Field("frame", "must be a text frame")
	} else {
		f, e = decodeFrame(b)
	}
	limit := c.limit
	if e == nil && strings.HasPrefix(f.Event, "rtc-") {
		limit = c.signals
	}
	if !limit.Allow() {
		if !c.strikes.Allow() {
			c.closeWith(CloseAbuse, "too many events")
			return
		}
		e = apperr.New(apperr.RateLimited, "Slow down a little.")
	}
	if e != nil {
		c.fail(f.Ref, e)
		return
	}
	c.handle(context.Background(), f)
}

// enqueue writes b without blocking. A client whose backlog is over
// maxPending cannot keep up, and is closed (1013).
func (c *conn) enqueue(b []byte) {
	c.write(websocket.TextMessage, b)
}

// ping asks the client for a pong (keepalive).
func (c *conn) ping() { c.write(websocket.PingMessage, nil) }

// write sends one frame of typ, counted in the backlog like every frame
// the server sends, so the count matches what the kernel is given.
func (c *conn) write(typ websocket.MessageType, b []byte) {
	if c.closed.Load() {
		return
	}
	ws := c.ws.Load()
	if ws == nil {
		return // still upgrading: it has not joined anything yet
	}
	if !c.admit(len(b)) {
		c.closeWith(CloseTooSlow, "too slow")
		return
	}
	if err := ws.WriteMessage(typ, b); err != nil {
		c.closeWith(CloseTooSlow, "write failed")
	}
}

// admit counts a frame of n payload bytes as pending, and reports whether
// the client was keeping up: its backlog before this frame within maxPending.
func (c *conn) admit(n int) bool {
	size := wireSize(n)
	return c.queued.Add(size)-size <= maxPending
}

// wireSize is the size of a server frame (unmasked) of n payload bytes.
func wireSize(n int) int64 {
	switch {
	case n < 126:
		return int64(n + 2)
	case n < 1<<16:
		return int64(n + 4)
	default:
		return int64(n + 10)
	}
}

// written is told how many bytes reached the network.
func (c *conn) written(n int) { c.queued.Add(-int64(n)) }

// closeWith sends a close frame with code and closes the connection soon
// after: at once when the client answers the close, at the latest after
// closeWait. The first call wins.
func (c *conn) closeWith(code int, why string) {
	if code == CloseAbuse || code == CloseTooBig || code == CloseProtocol {
		// Whatever an abusive client sends from now on is dropped unread
		// (guardData), while the socket stays open for closeWait so that
		// our close frame reaches it: closing at once, with its flood
		// unread, would reset the connection and lose the frame.
		c.abusive.Store(true)
	}
	c.closing.CompareAndSwap(0, int32(code))
	ws := c.ws.Load()
	if ws == nil {
		return // still upgrading: claim closes it with this code
	}
	c.once.Do(func() {
		if !c.closed.CompareAndSwap(false, true) {
			return // the client closed first, and was answered
		}
		c.queued.Add(wireSize(2 + len(why)))
		_ = ws.WriteClose(code, why)
		if code == CloseRestarting || code == CloseTooSlow {
			// nbio v1.6.8 takes these registered codes for invalid when the
			// client echoes them, and would answer with a second close
			// (1002). Drop the connection once ours is sent instead of
			// waiting for the echo; the client still sees our code.
			_ = ws.Close()
			return
		}
		if c.abusive.Load() {
			// Frames parsed before the verdict may still be handled on a
			// worker, and each would push the read deadline on: close
			// after closeWait whatever the client does.
			time.AfterFunc(closeWait, func() { _ = ws.Close() })
			return
		}
		_ = ws.SetReadDeadline(time.Now().Add(closeWait))
	})
}

// reply sends one event to this connection only.
func (c *conn) reply(ref, event string, data []byte) {
	c.enqueue(encodeFrame(event, data, ref, time.Now().UnixMilli()))
	c.hub.replied(event)
}

// fail sends an error event to this connection only.
func (c *conn) fail(ref string, e *apperr.Error) {
	if e.Code == apperr.Internal {
		c.hub.log.Error("realtime: event failed", "conn", c.id, "err", e)
	}
	c.reply(ref, protocol.EvError, errorData(e))
}

func itoa(n uint64) string { return strconv.FormatUint(n, 10) }

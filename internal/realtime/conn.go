package realtime

import (
	"context"
	"strconv"
	"sync"
	"time"

	"github.com/coder/websocket"
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
)

// conn is one WebSocket. The reader goroutine (serve) handles events in
// order; the writer goroutine owns all writes; hub.mu guards room, pending
// and buffered.
type conn struct {
	hub  *Hub
	ws   *websocket.Conn
	user auth.Identity
	id   string

	send chan []byte
	done chan struct{}
	once sync.Once
	code websocket.StatusCode
	why  string

	room     string
	pending  bool
	buffered [][]byte
}

// serve runs the connection until it closes, then unregisters it.
func (c *conn) serve(ctx context.Context) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	written := make(chan struct{})
	go func() { c.writeLoop(ctx); close(written) }()
	// Whatever ends the read loop, the writer sends the close frame and
	// the socket is released before the handler returns.
	defer func() { <-written }()
	go c.pingLoop(ctx)
	limit := rate.NewLimiter(eventsPerSecond, eventBurst)
	strikes := rate.NewLimiter(strikesPerSec, strikeBurst)
	for {
		typ, b, err := c.ws.Read(ctx)
		if err != nil {
			// The library itself closes oversized frames with 1009.
			c.closeWith(websocket.StatusNormalClosure, "")
			return
		}
		if typ != websocket.MessageText {
			c.fail("", apperr.Field("frame", "must be a text frame"))
			continue
		}
		f, e := decodeFrame(b)
		if e != nil {
			c.fail(f.Ref, e)
			continue
		}
		if !limit.Allow() {
			if !strikes.Allow() {
				c.closeWith(CloseAbuse, "too many events")
				return
			}
			c.fail(f.Ref, apperr.New(apperr.RateLimited, "Slow down a little."))
			continue
		}
		c.handle(ctx, f)
	}
}

// writeLoop writes queued frames until closeWith is called, then closes
// the socket with the chosen code.
func (c *conn) writeLoop(ctx context.Context) {
	for {
		select {
		case b := <-c.send:
			wctx, cancel := context.WithTimeout(ctx, writeWait)
			err := c.ws.Write(wctx, websocket.MessageText, b)
			cancel()
			if err != nil {
				c.closeWith(CloseTooSlow, "write failed")
			}
		case <-c.done:
			// Flush what is already queued (errors explaining the close,
			// say) unless the client is too slow to read it anyway.
			for c.code != CloseTooSlow && len(c.send) > 0 {
				wctx, cancel := context.WithTimeout(ctx, writeWait)
				err := c.ws.Write(wctx, websocket.MessageText, <-c.send)
				cancel()
				if err != nil {
					break
				}
			}
			_ = c.ws.Close(c.code, c.why)
			return
		}
	}
}

// pingLoop notices dead peers: a ping every 25 s must be answered within 30 s.
func (c *conn) pingLoop(ctx context.Context) {
	t := time.NewTicker(pingEvery)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-c.done:
			return
		case <-t.C:
			pctx, cancel := context.WithTimeout(ctx, pongWait)
			err := c.ws.Ping(pctx)
			cancel()
			if err != nil {
				c.ws.CloseNow()
				return
			}
		}
	}
}

// enqueue queues b without blocking; a full queue means the client cannot
// keep up, and it is closed (1013) rather than delay anyone else.
func (c *conn) enqueue(b []byte) {
	select {
	case c.send <- b:
	default:
		c.closeWith(CloseTooSlow, "too slow")
	}
}

// closeWith closes the connection with code; the first call wins.
func (c *conn) closeWith(code websocket.StatusCode, why string) {
	c.once.Do(func() {
		c.code, c.why = code, why
		close(c.done)
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

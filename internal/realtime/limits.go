package realtime

import (
	"bufio"
	"context"
	"net"
	"net/http"
	"net/netip"
	"strconv"
	"time"

	"github.com/bodydouble/bodydouble/internal/apperr"
	"github.com/bodydouble/bodydouble/internal/ratelimit"
)

// Bounds of one socket's memory in the event loop (docs/operations.md,
// "Limits worth knowing").
const (
	// readLimit is what nbio may hold of a socket's unparsed input: a
	// frame's leftover plus one read (64 KiB). The guard keeps frames
	// within MaxFrame; this bounds even bytes it has not seen.
	readLimit = MaxFrame + 64<<10 + 1<<10
	// maxWriteBuffer is what nbio may hold of a socket's unwritten output
	// before it drops the socket; the backlog rule (maxPending) closes a
	// slow client with 1013 long before.
	maxWriteBuffer = 4 * maxPending
)

// Handshake limits: upgrades to /ws per person and per client address.
// A tab reconnects with back-off, and a person has at most five sockets, so
// a burst of 10 and one a second is plenty; an address may be a school's
// or an office's, so it gets more. They are the hub's Limiter's: shared by
// every instance with --redis-url.
var (
	limitHandshakesPerUser = ratelimit.Limit{Name: "ws-user", Rate: 1, Per: time.Second, Burst: 10}
	limitHandshakesPerAddr = ratelimit.Limit{Name: "ws-addr", Rate: 10, Per: time.Second, Burst: 60}
)

// handshakeLimits are the limits of upgrades. byAddr is false when
// --rate-limit=off (load tests connect thousands of people from one
// address); the per-person limit is always on.
type handshakeLimits struct {
	l      ratelimit.Limiter
	keys   *ratelimit.Hasher
	byAddr bool
}

func newHandshakeLimits(l ratelimit.Limiter, keys *ratelimit.Hasher, byAddress bool) handshakeLimits {
	return handshakeLimits{l: l, keys: keys, byAddr: byAddress}
}

// allowAddr takes one upgrade of addr (when limited by address).
func (h handshakeLimits) allowAddr(ctx context.Context, addr netip.Addr) (bool, time.Duration) {
	if !h.byAddr {
		return true, 0
	}
	return h.l.Allow(ctx, limitHandshakesPerAddr, h.keys.Addr(addr))
}

// allowUser takes one upgrade of a person.
func (h handshakeLimits) allowUser(ctx context.Context, userID string) (bool, time.Duration) {
	return h.l.Allow(ctx, limitHandshakesPerUser, userID)
}

// tooMany refuses an upgrade with 429 rate_limited and Retry-After.
func tooMany(w http.ResponseWriter, wait time.Duration, msg string) {
	w.Header().Set("Retry-After", strconv.Itoa(max(1, int((wait+time.Second-1)/time.Second))))
	httpError(w, apperr.New(apperr.RateLimited, "%s", msg))
}

// guardedHijacker hands the upgrader a connection whose reads pass c's
// frame guard (see guardedConn).
type guardedHijacker struct {
	http.ResponseWriter
	c *conn
}

// Hijack takes over the connection, wrapped.
func (g guardedHijacker) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	nc, rw, err := http.NewResponseController(g.ResponseWriter).Hijack()
	if err != nil {
		return nil, nil, err
	}
	return guardedConn{nc, g.c}, rw, nil
}

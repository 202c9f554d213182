// Package realtime is the WebSocket side of Body Double: the /ws endpoint,
// connections served from nbio's event loop (no goroutine of their own),
// the frame codec, and the hub that delivers room events from the broker
// to the local connections in each room. Changes go through rooms.Service,
// exactly as REST changes do; the hub only relays what the service
// publishes.
//
// Who owns what: package protocol owns the socket protocol (the event
// names, the broker envelope of a room event, and the rule of which
// connection gets what of it, Event.Route); package seats owns seat holds
// and the instance's lease (this package only tells it whose sockets
// entered or left a room); this package owns the sockets. Its files, by
// concern: hub.go (the Hub, its options and background work), upgrade.go
// (the handshake and registration), membership.go (which room each
// connection is in), deliver.go (fan-out of room events), seats.go (what
// the hub tells package seats), events.go (client events), conn.go,
// codec.go, scan.go and guard.go (one socket: writes, frames, limits),
// logout.go and shutdown.go (closing sockets).
package realtime

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/netip"
	"sync"
	"sync/atomic"
	"time"

	"github.com/lesismal/nbio"
	"github.com/lesismal/nbio/logging"
	"github.com/lesismal/nbio/nbhttp"
	"github.com/lesismal/nbio/nbhttp/websocket"

	"github.com/bodydouble/bodydouble/internal/auth"
	"github.com/bodydouble/bodydouble/internal/broker"
	"github.com/bodydouble/bodydouble/internal/httpx"
	"github.com/bodydouble/bodydouble/internal/moderation"
	"github.com/bodydouble/bodydouble/internal/ratelimit"
	"github.com/bodydouble/bodydouble/internal/rooms"
	"github.com/bodydouble/bodydouble/internal/seats"
)

// Limits and intervals of the socket (docs/protocol.md).
const (
	MaxConnsPerUser = 5
	// MaxConnsPerAddr bounds the sockets of one client address (a school's
	// or an office's NAT), whoever the people: free accounts must not add
	// up to every file descriptor. Off with --rate-limit=off.
	MaxConnsPerAddr = 256
	pingEvery       = 25 * time.Second
	pongWait        = 30 * time.Second
	// pollerStartup is how long after starting the event loop a Stop waits,
	// so that nbio's pollers are running when it comes (see Shutdown).
	pollerStartup = 250 * time.Millisecond
	// closeWait is how long a closing connection waits for the client's
	// close frame before the socket is dropped.
	closeWait = 2 * time.Second
)

// Close codes.
const (
	CloseAbuse      = 1008
	CloseTooBig     = 1009
	CloseRestarting = 1012
	CloseTooSlow    = 1013
	CloseSignedOut  = 4401
)

// Options configure a Hub.
type Options struct {
	Auth  *auth.Service
	Rooms *rooms.Service
	// Moderation refuses banned people's upgrades and tells the hub of
	// bans (their sockets close with 4403). It may be nil (tests).
	Moderation   *moderation.Service
	Broker       broker.Broker
	Logger       *slog.Logger
	PublicOrigin string
	Proxies      httpx.Proxies
	// RateLimit keeps the per-address handshake limit on (--rate-limit);
	// the per-person one is always on.
	RateLimit bool
	// Limiter keeps the handshake and reaction limits: shared by all
	// instances when it is Redis's. Nil: this instance's memory.
	Limiter ratelimit.Limiter
	// LimitKeys hashes client addresses into limiter keys. Nil: a key of
	// this process alone.
	LimitKeys *ratelimit.Hasher
	// Observer is told of frames, fan-outs and joins (metrics); nil: off.
	Observer Observer
}

// Hub owns this instance's connections and which rooms they are in.
type Hub struct {
	auth    *auth.Service
	rooms   *rooms.Service
	mod     *moderation.Service
	broker  broker.Broker
	log     *slog.Logger
	origin  string
	proxies httpx.Proxies

	instance string
	nextID   atomic.Uint64

	obs        Observer // nil when metrics are off (observe.go)
	handshakes handshakeLimits
	reactions  reactionLimits // per sender (reactions.go)

	engine   *nbhttp.Engine
	started  time.Time // when engine.Start returned
	upgrader *websocket.Upgrader
	workers  *workers

	mu      sync.Mutex
	closing bool
	conns   map[*conn]struct{}
	byUser  map[string]map[*conn]struct{}
	byAddr  map[netip.Addr]int  // open sockets per client address (IPv6: per /64)
	inRoom  map[string]*roomSub // room id → local members
	claims  map[string]*conn    // remote address → connection being upgraded
	wg      sync.WaitGroup      // one per registered connection

	// seats keeps the store's seat holds in step with which users have a
	// socket in a room here (seats.go).
	seats *seats.Holds

	stopOnce sync.Once
}

// roomSub is a room with local members and its broker subscription.
type roomSub struct {
	members []*conn // a slice: walked on every event, changed only on joins and leaves
	cancel  func()
}

// New returns a Hub with its event loop started; call Run for its
// background work and Shutdown to stop it.
func New(o Options) (*Hub, error) {
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	h := &Hub{
		auth: o.Auth, rooms: o.Rooms, mod: o.Moderation, broker: o.Broker, log: o.Logger,
		origin: o.PublicOrigin, proxies: o.Proxies, instance: hex.EncodeToString(b),
		conns: map[*conn]struct{}{}, byUser: map[string]map[*conn]struct{}{}, byAddr: map[netip.Addr]int{},
		inRoom: map[string]*roomSub{}, claims: map[string]*conn{}, obs: o.Observer,
	}
	lim, keys := o.Limiter, o.LimitKeys
	if lim == nil {
		lim = ratelimit.NewMemory(nil, 0)
	}
	if keys == nil {
		keys = ratelimit.NewHasher(nil)
	}
	h.handshakes, h.reactions = newHandshakeLimits(lim, keys, o.RateLimit), newReactionLimits(lim)
	if h.mod != nil {
		h.mod.OnBan(h.onBan)
	}
	var lease *seats.Lease
	if o.Rooms != nil { // a hub that never runs needs none (tests)
		lease = o.Rooms.Seats()
	}
	h.seats = seats.NewHolds(lease, hubSockets{h}, o.Logger)
	// Upgraded sockets leave net/http for nbio's event loop (epoll), so an
	// idle connection costs no goroutine and no read buffer of its own.
	routeLibraryLogs.Do(func() { logging.SetLogger(nbioLogger{o.Logger}) })
	h.workers = startWorkers(defaultWorkers(), o.Logger)
	h.engine = nbhttp.NewEngine(nbhttp.Config{
		Name: "bodydouble-ws", ServerExecutor: h.workers.Go,
		// Hard bounds under the guard and the backlog rule: what one
		// socket's reader may hold (one frame and one read), and what its
		// writer may (nbio closes a socket past it).
		ReadLimit:          readLimit,
		MaxWriteBufferSize: maxWriteBuffer,
	})
	// Every read of an upgraded socket passes the connection's frame guard
	// before nbio parses it (see frameGuard); this hook is the engine's, so
	// it is in place before the first byte of any socket arrives.
	h.engine.OnData(func(nc *nbio.Conn, data []byte) {
		if ws, ok := nc.Session().(*websocket.Conn); ok {
			if c := h.claim(ws); c != nil && !c.guardData(data) {
				return
			}
		}
		nc.DataHandler()(nc, data)
	})
	h.engine.OnWrittenSize(func(nc *nbio.Conn, _ []byte, n int) {
		if ws, ok := nc.Session().(*websocket.Conn); ok {
			if c, ok := ws.Session().(*conn); ok {
				c.written(n)
			}
		}
	})
	if err := h.engine.Start(); err != nil {
		h.workers.close()
		return nil, err
	}
	h.started = time.Now()
	u := websocket.NewUpgrader()
	u.Engine = h.engine
	u.CheckOrigin = func(*http.Request) bool { return true } // checked in ServeHTTP, with the session kind
	u.MessageLengthLimit = MaxFrame                          // bigger frames close with 1009
	u.KeepaliveTime = pingEvery + pongWait                   // no frame (not even a pong) for this long: dead
	u.OnOpen(func(ws *websocket.Conn) { h.claim(ws) })
	u.SetPingHandler(func(ws *websocket.Conn, data string) {
		if c := h.claim(ws); c != nil {
			c.write(websocket.PongMessage, []byte(data)) // counted in the backlog like any frame
		}
	})
	u.SetCloseHandler(func(ws *websocket.Conn, code int, text string) {
		// Answer a client's close, unless we started the closing handshake
		// (then this is the answer, and a second close frame is an error).
		if c := h.claim(ws); c != nil && !c.closed.CompareAndSwap(false, true) {
			return
		}
		if code == 1005 { // the client gave no code
			_ = ws.WriteMessage(websocket.CloseMessage, nil)
			return
		}
		_ = ws.WriteMessage(websocket.CloseMessage, append(binary.BigEndian.AppendUint16(nil, uint16(code)), text...))
	})
	u.OnMessage(func(ws *websocket.Conn, typ websocket.MessageType, b []byte) {
		if c := h.claim(ws); c != nil {
			c.onMessage(typ, b)
		}
	})
	u.OnClose(func(ws *websocket.Conn, err error) {
		if c := h.claim(ws); c != nil {
			// Why sockets drop, for an operator at --log-level debug: the
			// code this server sent (0: none) and what ended the connection.
			h.log.Debug("realtime: socket closed", "conn", c.id, "sent", c.closing.Load(), "err", err)
			h.unregister(c)
		}
	})
	h.upgrader = u
	return h, nil
}

// Run keeps the store's seat holds in step with which users have a socket
// in a room here (package seats does the holding), pings every client, and listens for logouts from every
// instance, until ctx ends. When the broker works again after it may have
// lost messages (a Redis outage), logouts made meanwhile may not have
// arrived here, nor ours elsewhere: every instance is asked to check its
// sockets' tokens against the revocation store (logout.go).
func (h *Hub) Run(ctx context.Context) {
	rc := newRechecker(h)
	rcDone := make(chan struct{})
	go func() { rc.run(ctx); close(rcDone) }()
	defer func() { <-rcDone }()
	cancel, err := h.broker.Subscribe(ctx, tokensChannel, rc.onMessage)
	if err != nil {
		h.log.Error("realtime: subscribe to logouts", "err", err)
	} else {
		defer cancel()
	}
	var recovered <-chan struct{} // nil (never ready) for brokers that lose nothing
	rec, _ := h.broker.(broker.Recoverer)
	if rec != nil {
		recovered = rec.Recovered()
	}
	// Seat holds are synced on a goroutine of their own, so that a stalled
	// store holds up none of the work below.
	seatsDone := make(chan struct{})
	go func() { h.seats.Run(ctx); close(seatsDone) }()
	defer func() { <-seatsDone }()
	ping := time.NewTicker(pingEvery)
	defer ping.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-recovered:
			recovered = rec.Recovered()
			rc.request()
			if err := h.broker.Publish(ctx, tokensChannel, []byte(recheckTokens)); err != nil {
				h.log.Warn("realtime: ask for a token recheck", "err", err)
			}
		case <-ping.C:
			for _, c := range h.all() {
				if ws := c.ws.Load(); ws != nil {
					_ = ws.WriteMessage(websocket.PingMessage, nil)
				}
			}
		}
	}
}

// all lists the open connections.
func (h *Hub) all() []*conn {
	h.mu.Lock()
	defer h.mu.Unlock()
	out := make([]*conn, 0, len(h.conns))
	for c := range h.conns {
		out = append(out, c)
	}
	return out
}

// Conns reports the number of open connections, for tests and metrics.
func (h *Hub) Conns() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return len(h.conns)
}

func quote(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

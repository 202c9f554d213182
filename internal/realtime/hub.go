// Package realtime is the WebSocket side of Body Double: the /ws endpoint,
// connections served from nbio's event loop (no goroutine of their own),
// the protocol codec, and the hub that delivers room events from the
// broker to the local connections in each room. Changes go through rooms.Service, exactly as
// REST changes do; the hub only relays what the service publishes.
package realtime

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/lesismal/nbio"
	"github.com/lesismal/nbio/logging"
	"github.com/lesismal/nbio/nbhttp"
	"github.com/lesismal/nbio/nbhttp/websocket"

	"github.com/bodydouble/bodydouble/internal/apperr"
	"github.com/bodydouble/bodydouble/internal/auth"
	"github.com/bodydouble/bodydouble/internal/broker"
	"github.com/bodydouble/bodydouble/internal/httpx"
	"github.com/bodydouble/bodydouble/internal/protocol"
	"github.com/bodydouble/bodydouble/internal/ratelimit"
	"github.com/bodydouble/bodydouble/internal/rooms"
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
	// seatRetry is how often seat holds that failed to reach the store are
	// tried again.
	seatRetry = time.Second
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

// tokensChannel carries logouts to every instance.
const tokensChannel = "tokens"

// Options configure a Hub.
type Options struct {
	Auth         *auth.Service
	Rooms        *rooms.Service
	Broker       broker.Broker
	Logger       *slog.Logger
	PublicOrigin string
	Proxies      httpx.Proxies
	// RateLimit keeps the per-address handshake limit on (--rate-limit);
	// the per-person one is always on.
	RateLimit bool
}

// Hub owns this instance's connections and which rooms they are in.
type Hub struct {
	auth    *auth.Service
	rooms   *rooms.Service
	broker  broker.Broker
	log     *slog.Logger
	origin  string
	proxies httpx.Proxies

	instance string
	nextID   atomic.Uint64

	handshakes handshakeLimits

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

	seatMu    sync.Mutex
	seatDirty map[string]struct{} // users whose seat hold may have to change
	seatWake  chan struct{}

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
		auth: o.Auth, rooms: o.Rooms, broker: o.Broker, log: o.Logger,
		origin: o.PublicOrigin, proxies: o.Proxies, instance: hex.EncodeToString(b),
		conns: map[*conn]struct{}{}, byUser: map[string]map[*conn]struct{}{}, byAddr: map[netip.Addr]int{},
		inRoom: map[string]*roomSub{}, claims: map[string]*conn{},
		seatDirty: map[string]struct{}{}, seatWake: make(chan struct{}, 1),
		handshakes: newHandshakeLimits(o.RateLimit),
	}
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
	u.OnClose(func(ws *websocket.Conn, _ error) {
		if c := h.claim(ws); c != nil {
			h.unregister(c)
		}
	})
	h.upgrader = u
	return h, nil
}

// Run keeps the store's seat holds in step with which users have a socket
// in a room here, pings every client, and listens for logouts from every
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
	// A stalled store must not hold up the pings below: each sync of seat
	// holds is bounded, and what it did not finish is retried.
	syncSeats := func() {
		sctx, cancel := context.WithTimeout(ctx, seatSyncTimeout)
		defer cancel()
		h.syncSeats(sctx)
	}
	retry := time.NewTicker(seatRetry)
	defer retry.Stop()
	ping := time.NewTicker(pingEvery)
	defer ping.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-h.seatWake:
			syncSeats()
		case <-h.rooms.LeaseLost():
			h.mu.Lock()
			for u := range h.byUser {
				h.seatChanged(u)
			}
			h.mu.Unlock()
		case <-retry.C:
			syncSeats() // what failed before, if anything
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

// seatChanged notes that userID has gained their first socket in a room
// here or lost their last; Run brings the store's holds in step. (A second
// tab, or a move to another room, changes no hold: JoinRoom starts a new
// seat held when its user already holds one.)
func (h *Hub) seatChanged(userID string) {
	h.seatMu.Lock()
	h.seatDirty[userID] = struct{}{}
	h.seatMu.Unlock()
	select {
	case h.seatWake <- struct{}{}:
	default:
	}
}

// syncSeats holds the seats of the changed users who have a socket in a
// room here and releases the others'. It reads the current state rather
// than replaying changes, so it is right however changes interleaved; what
// fails is tried again on the next call.
func (h *Hub) syncSeats(ctx context.Context) {
	h.seatMu.Lock()
	dirty := h.seatDirty
	if len(dirty) == 0 {
		h.seatMu.Unlock()
		return
	}
	h.seatDirty = map[string]struct{}{}
	h.seatMu.Unlock()
	var hold, release []string
	h.mu.Lock()
	for u := range dirty {
		if h.userSeatedLocked(u) {
			hold = append(hold, u)
		} else {
			release = append(release, u)
		}
	}
	h.mu.Unlock()
	retry := func(users []string) {
		h.seatMu.Lock()
		defer h.seatMu.Unlock()
		for _, u := range users {
			h.seatDirty[u] = struct{}{}
		}
	}
	if err := h.rooms.HoldSeats(ctx, hold); err != nil {
		h.log.Warn("realtime: hold seats", "users", len(hold), "err", err)
		retry(hold)
	}
	if err := h.rooms.ReleaseSeats(ctx, release); err != nil {
		h.log.Warn("realtime: release seats", "users", len(release), "err", err)
		retry(release)
	}
}

// userSeatedLocked reports whether userID has a socket in a room here.
func (h *Hub) userSeatedLocked(userID string) bool {
	for c := range h.byUser[userID] {
		if c.room != "" {
			return true
		}
	}
	return false
}

// ServeHTTP upgrades an authenticated request to a WebSocket.
func (h *Hub) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	addr := ratelimit.AddrKey(h.proxies.ClientAddr(r))
	if h.handshakes.perAddr != nil {
		if ok, wait := h.handshakes.perAddr.Allow(addr, time.Now()); !ok {
			tooMany(w, wait, "Too many connections from your network; wait a moment.")
			return
		}
	}
	token, fromCookie := httpx.Token(r)
	id, err := h.auth.Verify(r.Context(), token)
	if errors.Is(err, auth.ErrUnauthorized) {
		httpError(w, apperr.New(apperr.Unauthorized, "Sign in first."))
		return
	}
	if err != nil {
		// The store could not say whether the token was revoked (an
		// outage): the person is still signed in, so never answer 401.
		h.log.Warn("realtime: verify a token", "err", err)
		httpError(w, apperr.New(apperr.Internal, "Try again in a moment."))
		return
	}
	if fromCookie && !h.proxies.SameOrigin(r, h.origin) {
		httpError(w, apperr.New(apperr.Forbidden, "This origin may not open a socket."))
		return
	}
	if ok, wait := h.handshakes.perUser.Allow(id.UserID, time.Now()); !ok {
		tooMany(w, wait, "You are reconnecting too often; wait a moment.")
		return
	}
	c := newConn(h, id, h.nextID.Add(1))
	c.addr = addr
	if e := h.register(c, r.RemoteAddr); e != nil {
		httpError(w, e)
		return
	}
	if r.TLS != nil {
		// crypto/tls sockets are served in blocking mode, not by the
		// event loop: their reads pass the guard, and their writes are
		// counted, through this wrapper.
		w = guardedHijacker{w, c}
	}
	ws, err := h.upgrader.UpgradeAndTransferConnToPoller(w, r, nil)
	if err != nil {
		h.unregister(c)
		return
	}
	// The open handler has claimed ws already. A socket in blocking mode
	// (TLS) gets a session gate after that, and ws.Session() would wait on
	// it for ever: setting the session again opens it.
	ws.SetSession(c)
	h.claim(ws)
}

// claim returns the connection of ws, tying them together the first time
// (the event loop may deliver a frame before Upgrade returns).
func (h *Hub) claim(ws *websocket.Conn) *conn {
	if c, ok := ws.Session().(*conn); ok {
		return c
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if c, ok := ws.Session().(*conn); ok {
		return c
	}
	addr := ws.RemoteAddr().String()
	c := h.claims[addr]
	if c == nil {
		return nil
	}
	delete(h.claims, addr)
	c.ws.Store(ws)
	ws.SetSession(c)
	if code := c.closing.Load(); code != 0 {
		c.closeWith(int(code), "closing") // asked for while the upgrade was under way
	}
	return c
}

// register adds c, refusing a user's sixth connection and new ones during
// shutdown; addr is the peer address its upgraded socket will have.
func (h *Hub) register(c *conn, addr string) *apperr.Error {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closing {
		return apperr.New(apperr.Internal, "Restarting; try again in a moment.")
	}
	if len(h.byUser[c.user.UserID]) >= MaxConnsPerUser {
		return apperr.New(apperr.RateLimited, "You have too many tabs open here.")
	}
	if h.handshakes.perAddr != nil && h.byAddr[c.addr] >= MaxConnsPerAddr {
		return apperr.New(apperr.RateLimited, "Too many connections from your network.")
	}
	h.byAddr[c.addr]++
	h.wg.Add(1) // under mu with closing false, so never after Shutdown's Wait began
	h.conns[c] = struct{}{}
	h.claims[addr] = c
	if h.byUser[c.user.UserID] == nil {
		h.byUser[c.user.UserID] = map[*conn]struct{}{}
	}
	h.byUser[c.user.UserID][c] = struct{}{}
	return nil
}

// unregister removes c. When c was the user's last socket in its room, the
// seat's grace period starts now.
func (h *Hub) unregister(c *conn) {
	h.mu.Lock()
	if _, ok := h.conns[c]; !ok {
		h.mu.Unlock()
		return
	}
	c.closed.Store(true)
	for addr, pc := range h.claims {
		if pc == c {
			delete(h.claims, addr)
		}
	}
	room := c.room
	h.leaveLocked(c) // when it was their last socket in a room, their grace starts
	delete(h.conns, c)
	if h.byAddr[c.addr]--; h.byAddr[c.addr] <= 0 {
		delete(h.byAddr, c.addr)
	}
	delete(h.byUser[c.user.UserID], c)
	if len(h.byUser[c.user.UserID]) == 0 {
		delete(h.byUser, c.user.UserID)
	}
	h.mu.Unlock()
	defer h.wg.Done()
	if room != "" {
		if err := h.rooms.DropMedia(context.Background(), c.user.UserID, room, c.id); err != nil {
			h.log.Warn("realtime: drop media", "err", err)
		}
	}
}

// enter makes c a local member of room (leaving its previous one), in the
// pending state: events are buffered until the snapshot is sent.
func (h *Hub) enter(ctx context.Context, c *conn, room string) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	if c.room == room {
		c.pending = true
		return nil
	}
	h.leaveLocked(c)
	sub, ok := h.inRoom[room]
	if !ok {
		sub = &roomSub{}
		cancel, err := h.subscribe(ctx, protocol.RoomChannel(room), func(b []byte) { h.deliver(room, b) })
		if err != nil {
			return err
		}
		sub.cancel = cancel
		h.inRoom[room] = sub
	}
	sub.members = append(sub.members, c)
	first := !h.userSeatedLocked(c.user.UserID) // c itself is in no room at this point
	c.room, c.pending, c.buffered = room, true, nil
	if first {
		h.seatChanged(c.user.UserID)
	}
	return nil
}

// subscribe subscribes to a room's events directly when the broker can:
// deliver never blocks (it writes without waiting), so the goroutine that
// made a change delivers it, with no hop to a goroutine of the room's own.
func (h *Hub) subscribe(ctx context.Context, channel string, hd broker.Handler) (func(), error) {
	if d, ok := h.broker.(broker.DirectSubscriber); ok {
		return d.SubscribeDirect(ctx, channel, hd)
	}
	return h.broker.Subscribe(ctx, channel, hd)
}

// ready ends c's pending state: first the snapshot, then what arrived meanwhile.
func (h *Hub) ready(c *conn, snapshot []byte) {
	h.mu.Lock()
	defer h.mu.Unlock()
	c.enqueue(snapshot)
	for _, b := range c.buffered {
		c.enqueue(b)
	}
	c.pending, c.buffered = false, nil
}

// leave removes c from its room locally.
func (h *Hub) leave(c *conn) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.leaveLocked(c)
}

func (h *Hub) leaveLocked(c *conn) {
	if c.room == "" {
		return
	}
	if sub, ok := h.inRoom[c.room]; ok {
		if i := slices.Index(sub.members, c); i >= 0 {
			sub.members = slices.Delete(sub.members, i, i+1)
		}
		if len(sub.members) == 0 {
			sub.cancel()
			delete(h.inRoom, c.room)
		}
	}
	c.room, c.pending, c.buffered = "", false, nil
	if !h.userSeatedLocked(c.user.UserID) {
		h.seatChanged(c.user.UserID) // their last socket in a room here
	}
}

// roomOf returns the room c is in locally.
func (h *Hub) roomOf(c *conn) string {
	h.mu.Lock()
	defer h.mu.Unlock()
	return c.room
}

// deliver sends one room event from the broker to the local members, each
// the copy protocol's Event.Route gives it. It may run on several
// goroutines at once (direct subscription); each call builds its writes
// under mu and makes them after.
func (h *Hub) deliver(room string, b []byte) {
	ev, err := protocol.DecodeEvent(b)
	if err != nil {
		h.log.Warn("realtime: bad event", "err", err)
		return
	}
	now := time.Now().UnixMilli()
	type write struct {
		c *conn
		b []byte
	}
	var writes []write
	defer func() {
		// Written after the lock is released: a slow syscall holds up no other room.
		for _, w := range writes {
			w.c.enqueue(w.b)
		}
	}()
	h.mu.Lock()
	defer h.mu.Unlock()
	sub, ok := h.inRoom[room]
	if !ok {
		return
	}
	var left []*conn
	var shared []byte                    // the common frame, encoded once for every plain recipient
	origin := h.localSeq(ev.Origin.Conn) // 0 when the change came from elsewhere
	writes = make([]write, 0, len(sub.members))
	for _, c := range sub.members {
		cp, withRef := ev.Route(c.user.UserID, c.id, origin != 0 && c.seq == origin)
		name, data, ref := ev.Name, ev.Data, ""
		switch cp {
		case protocol.NoCopy:
			continue
		case protocol.RoomLeftCopy:
			name, data = protocol.EvRoomLeft, protocol.RoomLeftData(room, ev.Reason)
			left = append(left, c)
		case protocol.OwnerCopy:
			data = ev.OwnerData
		}
		if withRef {
			ref = ev.Origin.Ref
		}
		plain := cp == protocol.DataCopy && !withRef
		var out []byte
		if plain {
			if shared == nil {
				shared = encodeFrame(ev.Name, ev.Data, "", now)
			}
			out = shared
		} else {
			out = encodeFrame(name, data, ref, now)
		}
		if c.pending {
			c.buffered = append(c.buffered, out)
		} else {
			writes = append(writes, write{c, out})
		}
	}
	for _, c := range left {
		h.leaveLocked(c)
	}
}

// localSeq returns the number of this instance's connection id, or 0 for
// an id of another instance (or none), so deliver compares numbers in the
// conn struct rather than each member's id string.
func (h *Hub) localSeq(id string) uint64 {
	rest, ok := strings.CutPrefix(id, h.instance)
	if !ok || len(rest) < 2 || rest[0] != '-' {
		return 0
	}
	n, err := strconv.ParseUint(rest[1:], 10, 64)
	if err != nil {
		return 0
	}
	return n
}

// CloseToken ends every socket of a logged-out token, on every instance.
// The token must already be revoked in the store: the broker's message is
// the fast path, and should it be lost (Redis away), every hub finds the
// revocation in the store once Redis is back (see Run). Publish never
// waits for Redis, so neither does the logout request.
func (h *Hub) CloseToken(ctx context.Context, id auth.Identity) {
	if err := h.broker.Publish(ctx, tokensChannel, []byte(id.TokenID)); err != nil {
		h.log.Warn("realtime: publish logout", "err", err)
	}
}

// onLogout closes this instance's sockets of the logged-out token id b.
func (h *Hub) onLogout(b []byte) {
	tokenID := string(b)
	for _, c := range h.all() {
		if c.user.TokenID == tokenID {
			c.closeWith(CloseSignedOut, "signed out")
		}
	}
}

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

// Conns reports the number of open connections, for tests and metrics.
func (h *Hub) Conns() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return len(h.conns)
}

func httpError(w http.ResponseWriter, e *apperr.Error) {
	w.Header().Set("Content-Type", "application/problem+json")
	w.WriteHeader(e.Status())
	b, _ := json.Marshal(map[string]any{"type": "about:blank", "title": http.StatusText(e.Status()), "status": e.Status(), "code": e.Code, "message": e.Message})
	_, _ = w.Write(b)
}

func quote(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

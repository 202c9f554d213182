package realtime

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"

	"github.com/lesismal/nbio/nbhttp/websocket"

	"github.com/bodydouble/bodydouble/internal/apperr"
	"github.com/bodydouble/bodydouble/internal/auth"
	"github.com/bodydouble/bodydouble/internal/httpx"
	"github.com/bodydouble/bodydouble/internal/ratelimit"
)

// ServeHTTP upgrades an authenticated request to a WebSocket.
func (h *Hub) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	addr := ratelimit.AddrKey(h.proxies.ClientAddr(r))
	if ok, wait := h.handshakes.allowAddr(r.Context(), addr); !ok {
		h.limited(LimitUpgradeAddress)
		tooMany(w, wait, "Too many connections from your network; wait a moment.")
		return
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
	if h.mod != nil {
		b, err := h.mod.Banned(r.Context(), id.UserID)
		if err != nil {
			h.log.Warn("realtime: check a ban", "err", err)
			httpError(w, apperr.New(apperr.Internal, "Try again in a moment."))
			return
		}
		if b != nil {
			bannedError(w, *b)
			return
		}
	}
	if ok, wait := h.handshakes.allowUser(r.Context(), id.UserID); !ok {
		h.limited(LimitUpgradePerson)
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
		h.limited(LimitSocketsPerson)
		return apperr.New(apperr.RateLimited, "You have too many tabs open here.")
	}
	if h.handshakes.byAddr && h.byAddr[c.addr] >= MaxConnsPerAddr {
		h.limited(LimitSocketsAddress)
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

func httpError(w http.ResponseWriter, e *apperr.Error) {
	w.Header().Set("Content-Type", "application/problem+json")
	w.WriteHeader(e.Status())
	b, _ := json.Marshal(map[string]any{"type": "about:blank", "title": http.StatusText(e.Status()), "status": e.Status(), "code": e.Code, "message": e.Message})
	_, _ = w.Write(b)
}

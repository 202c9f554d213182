package realtime

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/bodydouble/bodydouble/internal/auth"
)

// tokensChannel carries logouts to every instance.
const tokensChannel = "tokens"

// A logout reaches other instances as a message on tokensChannel, and a
// broker may lose messages while Redis is away. The revocation itself is
// in the database, so after such an outage every hub checks its sockets'
// tokens there again (docs/protocol.md "Several instances").
const (
	// recheckTokens, published on tokensChannel instead of a token id,
	// asks every hub to check all its sockets' tokens. (Token ids are
	// UUIDs, so it cannot be one.)
	recheckTokens = "recheck"
	// recheckSettle is how long a hub waits after a request to recheck
	// before doing it, so that the requests of every instance recovering
	// from one outage make one pass.
	recheckSettle = time.Second
	// recheckRetry is the pause before a pass that failed (the store did
	// not answer) is tried again.
	recheckRetry = time.Second
	// verifyTimeout bounds one token's check.
	verifyTimeout = 5 * time.Second
)

// rechecker runs the hub's token checks on a goroutine of its own, one
// pass at a time, coalescing the requests that come meanwhile.
type rechecker struct {
	h    *Hub
	wake chan struct{} // capacity 1: a pass is wanted
}

func newRechecker(h *Hub) *rechecker {
	return &rechecker{h: h, wake: make(chan struct{}, 1)}
}

// request asks for a pass; it never blocks (a broker handler calls it).
func (r *rechecker) request() {
	select {
	case r.wake <- struct{}{}:
	default:
	}
}

// onMessage is the handler of tokensChannel: a logged-out token id, or a
// request to recheck every token.
func (r *rechecker) onMessage(b []byte) {
	if string(b) == recheckTokens {
		r.request()
		return
	}
	if user, ok := strings.CutPrefix(string(b), eraseMessage); ok {
		r.h.onErase(user)
		return
	}
	r.h.onLogout(b)
}

// run makes the requested passes until ctx ends.
func (r *rechecker) run(ctx context.Context) {
	for {
		select {
		case <-ctx.Done():
			return
		case <-r.wake:
		}
		for {
			if !pause(ctx, recheckSettle) {
				return
			}
			select {
			case <-r.wake: // requests that came while settling: this pass covers them
			default:
			}
			err := errors.Join(r.h.recheckTokens(ctx), r.h.recheckBans(ctx))
			if err == nil {
				break
			}
			if ctx.Err() != nil {
				return
			}
			r.h.log.Warn("realtime: recheck tokens; trying again", "err", err)
			if !pause(ctx, recheckRetry) {
				return
			}
		}
	}
}

// pause waits d, reporting false if ctx ended first.
func pause(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}

// recheckTokens closes, with 4401, every socket here whose token was
// revoked (by a logout on any instance). A socket whose token merely
// expired since it opened is left alone, as it always is: its client
// renews its token over REST and was not signed out. It returns an error,
// having closed what it could, when the store does not answer.
func (h *Hub) recheckTokens(ctx context.Context) error {
	byToken := map[string][]*conn{}
	now := time.Now()
	for _, c := range h.all() {
		if now.Before(c.user.ExpiresAt) { // else Verify would refuse it for expiry alone
			byToken[c.user.Token] = append(byToken[c.user.Token], c)
		}
	}
	var failed error
	for token, conns := range byToken {
		vctx, cancel := context.WithTimeout(ctx, verifyTimeout)
		_, err := h.auth.Verify(vctx, token)
		cancel()
		switch {
		case errors.Is(err, auth.ErrUnauthorized):
			for _, c := range conns {
				c.closeWith(CloseSignedOut, "signed out")
			}
		case err != nil:
			failed = err
			if ctx.Err() != nil {
				return failed
			}
		}
	}
	return failed
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

// eraseMessage starts a message on tokensChannel that names a person
// who erased themselves, rather than a token id (a UUID, so it cannot
// start so).
const eraseMessage = "erase:"

// CloseUser ends every socket of userID, on every instance, with 4401:
// the person erased themselves. The broker hands the message to this
// instance's hub too, as it does a logout. Their tokens are gone with them, so
// should the message be lost (Redis away), the recheck after the outage
// closes the socket of the token they erased with; other sockets of
// theirs hold nothing any more and close at their next request.
func (h *Hub) CloseUser(ctx context.Context, userID string) {
	if err := h.broker.Publish(ctx, tokensChannel, []byte(eraseMessage+userID)); err != nil {
		h.log.Warn("realtime: publish erasure", "err", err)
	}
}

// onErase closes this instance's sockets of userID.
func (h *Hub) onErase(userID string) {
	h.mu.Lock()
	conns := make([]*conn, 0, len(h.byUser[userID]))
	for c := range h.byUser[userID] {
		conns = append(conns, c)
	}
	h.mu.Unlock()
	for _, c := range conns {
		c.closeWith(CloseSignedOut, "signed out")
	}
}

package realtime

import (
	"context"
	"encoding/json"
	"net/http"
	"time"
	"unicode/utf8"

	"github.com/bodydouble/bodydouble/internal/model"
	"github.com/bodydouble/bodydouble/internal/moderation"
)

// CloseBanned closes the sockets of a person banned from the site; the
// close frame's reason is the ban's. Clients do not reconnect.
const CloseBanned = 4403

// maxCloseReason is the most bytes of reason a close frame carries (125
// bytes of payload, less the code).
const maxCloseReason = 123

// onBan closes, with 4403, every socket here of a person just banned on
// any instance (package moderation publishes bans on its channel, as
// logouts go on tokensChannel).
func (h *Hub) onBan(m moderation.BanMessage) {
	if m.Lifted {
		return
	}
	h.mu.Lock()
	conns := make([]*conn, 0, len(h.byUser[m.UserID]))
	for c := range h.byUser[m.UserID] {
		conns = append(conns, c)
	}
	h.mu.Unlock()
	why := banCloseReason(m.Reason)
	for _, c := range conns {
		c.closeWith(CloseBanned, why)
	}
}

// recheckBans closes, with 4403, the sockets here of people banned while
// the broker may have lost the ban's message (a Redis outage): it runs
// with the token recheck after the broker recovers.
func (h *Hub) recheckBans(ctx context.Context) error {
	if h.mod == nil {
		return nil
	}
	h.mu.Lock()
	users := make([]string, 0, len(h.byUser))
	for u := range h.byUser {
		users = append(users, u)
	}
	h.mu.Unlock()
	var failed error
	for _, u := range users {
		b, err := h.mod.Banned(ctx, u)
		if err != nil {
			failed = err
			if ctx.Err() != nil {
				return failed
			}
			continue
		}
		if b != nil {
			h.onBan(moderation.BanMessage{UserID: u, Reason: b.Reason, Until: b.Until})
		}
	}
	return failed
}

// banCloseReason cuts a ban's reason to fit a close frame, on a rune boundary.
func banCloseReason(s string) string {
	if s == "" {
		s = "banned"
	}
	if len(s) <= maxCloseReason {
		return s
	}
	i := maxCloseReason
	for i > 0 && !utf8.RuneStart(s[i]) {
		i--
	}
	return s[:i]
}

// bannedError refuses the upgrade of a banned person: 403 banned, with
// the ban's reason and end, before any socket exists.
func bannedError(w http.ResponseWriter, b model.UserBan) {
	p := map[string]any{
		"type": "about:blank", "title": http.StatusText(http.StatusForbidden), "status": http.StatusForbidden,
		"code": "banned", "message": "You are banned from Body Double.", "reason": b.Reason,
	}
	if b.Until != nil {
		p["until"] = b.Until.UTC().Format(time.RFC3339Nano)
	}
	w.Header().Set("Content-Type", "application/problem+json")
	w.WriteHeader(http.StatusForbidden)
	body, _ := json.Marshal(p)
	_, _ = w.Write(body)
}

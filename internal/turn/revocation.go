package turn

import (
	"context"
	"time"
)

// sweepEvery is how often relays whose credentials expired, or whose
// token was revoked without this instance hearing of it, are closed.
const sweepEvery = 10 * time.Second

// Revocation answers of the store are remembered: a "not revoked" for
// revocationRecheck (so a client's every request does not ask the store),
// a "revoked" for DefaultTTL (no credential minted before it outlives
// that). At most maxTokens answers are kept.
const (
	revocationRecheck = 30 * time.Second
	maxTokens         = 20_000
)

// revocationTimeout bounds a revocation check made while answering a
// request: pion answers one UDP socket's requests one at a time, so a
// stalled store must not stall everyone's relays. The sweep allows
// sweepTimeout for all of its checks.
const (
	revocationTimeout = 250 * time.Millisecond
	sweepTimeout      = 5 * time.Second
)

// tokenState is a remembered revocation answer.
type tokenState struct {
	revoked bool
	at      time.Time
}

// CloseToken is told of a logout: from now on the credentials minted for
// tokenID are refused, and its relays close now. Logouts on other
// instances reach it through the broker; ones it misses are found by
// asking Options.Revoked (within revocationRecheck).
func (s *Server) CloseToken(tokenID string) {
	s.mu.Lock()
	s.rememberLocked(tokenID, tokenState{revoked: true, at: s.now()})
	doomed := s.relaysLocked(func(r *relay) bool { return r.owner.TokenID == tokenID })
	s.mu.Unlock()
	s.closeRelays(doomed, "turn: closed the relays of a logged-out session")
}

// relaysLocked lists the relays doomed picks; s.mu must be held.
func (s *Server) relaysLocked(doomed func(*relay) bool) []*relay {
	var rs []*relay
	for r := range s.relays {
		if doomed(r) {
			rs = append(rs, r)
		}
	}
	return rs
}

// closeRelays closes relays, without s.mu (a relay's Close takes it), and
// logs why with their number when there were any.
func (s *Server) closeRelays(relays []*relay, why string) {
	for _, r := range relays {
		r.Close()
	}
	if len(relays) > 0 {
		s.log.Debug(why, "relays", len(relays))
	}
}

// knownRevoked reports whether tokenID is known here to be logged out.
func (s *Server) knownRevoked(tokenID string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.tokens[tokenID].revoked
}

// checkRevoked reports whether tokenID was logged out, asking
// Options.Revoked when what is known here is stale. When the store does
// not answer in time, the credentials are believed (they are signed and
// short-lived, and the logout reaches this server through the broker
// too) and the store is asked again later: an outage must not cut calls.
func (s *Server) checkRevoked(ctx context.Context, tokenID string) bool {
	now := s.now()
	s.mu.Lock()
	st, ok := s.tokens[tokenID]
	s.mu.Unlock()
	if st.revoked || s.revoked == nil || (ok && now.Sub(st.at) < revocationRecheck) {
		return st.revoked
	}
	revoked, err := s.revoked(ctx, tokenID)
	if err != nil {
		if s.warns.Allow() {
			s.log.Warn("turn: cannot check whether a session was logged out; its credentials are believed for now", "err", err)
		}
		revoked = false
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.tokens[tokenID].revoked { // CloseToken came meanwhile
		return true
	}
	s.rememberLocked(tokenID, tokenState{revoked: revoked, at: now})
	return revoked
}

// rememberLocked stores what is known of a token, keeping at most
// maxTokens answers: when full, stale ones go, and if that is not enough
// all of them (the store still knows).
func (s *Server) rememberLocked(tokenID string, st tokenState) {
	if _, ok := s.tokens[tokenID]; !ok && len(s.tokens) >= maxTokens {
		s.pruneLocked(st.at)
		if len(s.tokens) >= maxTokens {
			clear(s.tokens)
		}
	}
	s.tokens[tokenID] = st
}

// pruneLocked drops stale answers: "not revoked" after revocationRecheck,
// "revoked" after DefaultTTL.
func (s *Server) pruneLocked(now time.Time) {
	for id, st := range s.tokens {
		if age := now.Sub(st.at); (!st.revoked && age >= revocationRecheck) || age >= DefaultTTL {
			delete(s.tokens, id)
		}
	}
}

// sweeper sweeps every sweepEvery until Close.
func (s *Server) sweeper() {
	defer close(s.swept)
	t := time.NewTicker(sweepEvery)
	defer t.Stop()
	for {
		select {
		case <-s.stop:
			return
		case <-t.C:
			s.sweep()
		}
	}
}

// sweep closes the relays whose credentials expired (their refreshes are
// refused already, but a relay lives until its lifetime ends, and media
// needs no refresh) and those of sessions logged out, asking the store
// about sessions not checked lately.
func (s *Server) sweep() {
	ctx, cancel := context.WithTimeout(context.Background(), sweepTimeout)
	defer cancel()
	s.mu.Lock()
	s.pruneLocked(s.now())
	live := map[string]struct{}{}
	for r := range s.relays {
		live[r.owner.TokenID] = struct{}{}
	}
	s.mu.Unlock()
	for id := range live {
		s.checkRevoked(ctx, id)
	}
	now := s.now()
	s.mu.Lock()
	doomed := s.relaysLocked(func(r *relay) bool {
		return !now.Before(r.owner.Expiry) || s.tokens[r.owner.TokenID].revoked
	})
	s.mu.Unlock()
	s.closeRelays(doomed, "turn: closed relays of expired credentials or logged-out sessions")
}

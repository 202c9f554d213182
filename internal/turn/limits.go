package turn

import (
	"context"
	"net"
	"net/netip"
	"strings"

	"github.com/pion/turn/v5"
)

// authenticate is the AuthHandler, called for every request that carries
// credentials (allocate, refresh, permission, channel bind): the username
// must be one Credentials made, unexpired, of a session not known to be
// logged out. It returns the key pion checks MESSAGE-INTEGRITY with, so a
// wrong password fails there, and, as the allocation's owner, the client
// address and the username (see owner): a refresh must come from the
// five-tuple, so the same owner, that made the allocation.
//
// It does not ask the store: anyone can send usernames, and only the
// message integrity, checked after this, proves one was minted here. The
// store is asked in quota, which pion calls after that check.
func (s *Server) authenticate(ra *turn.RequestAttributes) (ownerID string, key []byte, ok bool) {
	c, ok := ParseUsername(ra.Username)
	if !ok {
		return "", nil, false
	}
	if !s.now().Before(c.Expiry) {
		s.log.Debug("turn: expired credentials", "user", c.UserID, "method", ra.Method.String())
		return "", nil, false
	}
	if s.knownRevoked(c.TokenID) {
		s.log.Debug("turn: credentials of a logged-out session", "user", c.UserID, "method", ra.Method.String())
		return "", nil, false
	}
	addr, ok := addrKey(ra.SrcAddr)
	if !ok {
		return "", nil, false
	}
	if s.blocked != nil && s.blocked(peerIP(ra.SrcAddr)) {
		s.log.Debug("turn: a blocked network", "method", ra.Method.String())
		return "", nil, false
	}
	return addr + " " + ra.Username, turn.GenerateAuthKey(ra.Username, ra.Realm, passwordFor(s.secret, ra.Username)), true
}

// quota is the QuotaHandler, called for an authenticated Allocate: the
// session must not be revoked (asked of the store, remembered a while)
// and neither its user nor its address may be at their cap. The relay
// generator counts again, under the lock it admits relays with, so
// requests racing on TCP connections cannot exceed the caps; this check
// answers most refusals with 486 (Allocation Quota Reached) rather than
// 508.
func (s *Server) quota(ownerID, _ string, _ net.Addr) bool {
	o, ok := parseOwner(ownerID)
	if !ok {
		return false
	}
	ctx, cancel := context.WithTimeout(context.Background(), revocationTimeout)
	defer cancel()
	if s.checkRevoked(ctx, o.TokenID) {
		s.log.Debug("turn: allocation refused to a logged-out session", "user", o.UserID)
		return false
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.perUser[o.UserID] >= s.maxUser || s.perAddr[o.addr] >= s.maxAddr {
		s.log.Debug("turn: allocation quota reached", "user", o.UserID, "userRelays", s.perUser[o.UserID], "addressRelays", s.perAddr[o.addr])
		return false
	}
	return true
}

// admit counts a new relay of o, or refuses it: over a cap, or of a
// session known to be logged out.
func (s *Server) admit(o owner) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.tokens[o.TokenID].revoked {
		return errRevoked
	}
	if s.perUser[o.UserID] >= s.maxUser || s.perAddr[o.addr] >= s.maxAddr {
		return errQuota
	}
	s.perUser[o.UserID]++
	s.perAddr[o.addr]++
	return nil
}

// unadmitLocked takes back what admit counted (for a relay that was not made,
// or is closing).
func (s *Server) unadmitLocked(o owner) {
	if s.perUser[o.UserID]--; s.perUser[o.UserID] <= 0 {
		delete(s.perUser, o.UserID)
	}
	if s.perAddr[o.addr]--; s.perAddr[o.addr] <= 0 {
		delete(s.perAddr, o.addr)
	}
}

// track registers a relay just made, unless its session was logged out
// meanwhile (CloseToken would not have seen it).
func (s *Server) track(r *relay) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.tokens[r.owner.TokenID].revoked {
		s.unadmitLocked(r.owner)
		return errRevoked
	}
	s.relays[r] = struct{}{}
	return nil
}

// release forgets a closing relay.
func (s *Server) release(r *relay) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.relays[r]; ok {
		delete(s.relays, r)
		s.unadmitLocked(r.owner)
	}
}

// owner is whom an allocation belongs to: the client address it was made
// from (see addrKey) and the credentials it was made with. Pion carries
// it as the allocation's user id, written "<address key> <username>".
type owner struct {
	Credential
	addr string
}

func parseOwner(id string) (owner, bool) {
	addr, username, ok := strings.Cut(id, " ")
	if !ok || addr == "" {
		return owner{}, false
	}
	c, ok := ParseUsername(username)
	return owner{Credential: c, addr: addr}, ok
}

// addrKey is the client address relays are counted by: the IP address,
// or an IPv6 client's /64 (one subscriber's usual share of addresses).
// peerIP is the IP address of a, unmapped; the zero Addr if unknown.
func peerIP(a net.Addr) netip.Addr {
	switch a := a.(type) {
	case *net.UDPAddr:
		return a.AddrPort().Addr().Unmap()
	case *net.TCPAddr:
		return a.AddrPort().Addr().Unmap()
	}
	if a == nil {
		return netip.Addr{}
	}
	ap, _ := netip.ParseAddrPort(a.String())
	return ap.Addr().Unmap()
}

func addrKey(a net.Addr) (string, bool) {
	var ap netip.AddrPort
	switch a := a.(type) {
	case *net.UDPAddr:
		ap = a.AddrPort()
	case *net.TCPAddr:
		ap = a.AddrPort()
	default:
		if a == nil {
			return "", false
		}
		var err error
		if ap, err = netip.ParseAddrPort(a.String()); err != nil {
			return "", false
		}
	}
	ip := ap.Addr().Unmap().WithZone("")
	switch {
	case !ip.IsValid():
		return "", false
	case ip.Is6():
		return netip.PrefixFrom(ip, 64).Masked().String(), true
	default:
		return ip.String(), true
	}
}

// Package turn is bodydouble's built-in STUN/TURN server (pion/turn) and
// the credentials and ICE server lists that go with it.
//
// Credentials are the TURN REST API kind: short-lived, minted by the HTTP
// API for one session (user and token) with a secret every instance
// shares, and checked here without shared state but for one question:
// whether that session has logged out. A relay lives no longer than its
// credentials or its session, and each user and each client address may
// hold only a few. The relay only reaches public addresses unless told
// otherwise, and only relays UDP (all WebRTC needs), so it cannot be used
// to reach into the network it stands in or as a TCP proxy.
package turn

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/netip"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/pion/turn/v5"
	"golang.org/x/time/rate"
)

// Options configure a Server.
type Options struct {
	// Addr is where to listen, on UDP and TCP: "host:port", host empty
	// for every interface, port 0 for any free port (the same on both).
	Addr string
	// PublicIP is the address advertised for relayed candidates. When
	// empty: the listen IP if Addr names one, else this machine's first
	// public interface address, else 127.0.0.1 (reachable only from here).
	PublicIP string
	// Secret checks credentials (see Credentials). Required.
	Secret []byte
	// Revoked reports whether a session token was revoked (logged out):
	// credentials carry the id of the token they were minted for, and a
	// revoked token's credentials are refused and its relays closed. It is
	// the store's revocation check, the one auth makes for every request.
	// Nil means only CloseToken revokes.
	Revoked func(ctx context.Context, tokenID string) (bool, error)
	// MaxPerUser and MaxPerAddress cap the relays one user, and one
	// client address (an IPv6 client's /64), may hold at a time; 0 means
	// DefaultMaxPerUser and DefaultMaxPerAddress.
	MaxPerUser, MaxPerAddress int
	// AllowLocal lets the relay reach loopback, private and link-local
	// peers. For tests on loopback only.
	AllowLocal bool
	// Realm defaults to "bodydouble".
	Realm string
	// RelayPortMin and RelayPortMax bound the UDP ports of relays (both
	// or neither); 0 lets the system choose.
	RelayPortMin, RelayPortMax int
	// Now is the clock credentials expire by; defaults to time.Now. It
	// must agree with the clock that mints them.
	Now func() time.Time
	// Logger defaults to slog.Default().
	Logger *slog.Logger
}

// DefaultRealm is the realm used when Options.Realm is empty.
const DefaultRealm = "bodydouble"

// Default relay quotas. One person in a full room of 8 talks to 7 peers,
// and a browser makes a relay per peer connection over UDP and another
// over TCP: 14, plus a little room for a connection starting over. Two
// such people behind one NAT fit under the address cap; a crowd of
// anonymous users from one address does not multiply it.
const (
	DefaultMaxPerUser    = 16
	DefaultMaxPerAddress = 32
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

var (
	errTCPRelay = errors.New("turn: TCP relays (RFC 6062) are not offered")
	errFamily   = errors.New("turn: requested address family is not relayed here")
	errNoPort   = errors.New("turn: no free relay port in range")
	errQuota    = errors.New("turn: allocation quota reached")
	errOwner    = errors.New("turn: allocation without a known owner")
	errRevoked  = errors.New("turn: session logged out")
)

// Server is a running STUN/TURN server.
type Server struct {
	srv     *turn.Server
	tcp     *trackingListener
	addr    netip.AddrPort
	relayIP netip.Addr
	secret  []byte
	now     func() time.Time
	revoked func(ctx context.Context, tokenID string) (bool, error)
	log     *slog.Logger
	warns   *rate.Limiter // of the store's failures

	maxUser, maxAddr int

	mu      sync.Mutex
	relays  map[*relay]struct{}
	perUser map[string]int        // user id → live relays
	perAddr map[string]int        // client address key → live relays
	tokens  map[string]tokenState // token id → what is known of it

	stop      chan struct{}
	swept     chan struct{}
	closeOnce sync.Once
	closeErr  error
}

// tokenState is a remembered revocation answer.
type tokenState struct {
	revoked bool
	at      time.Time
}

// New listens on o.Addr (UDP and TCP) and serves until Close.
func New(o Options) (*Server, error) {
	if len(o.Secret) == 0 {
		return nil, errors.New("turn: no secret")
	}
	if (o.RelayPortMin == 0) != (o.RelayPortMax == 0) || o.RelayPortMin < 0 || o.RelayPortMax > 65535 || o.RelayPortMin > o.RelayPortMax {
		return nil, fmt.Errorf("turn: relay ports %d-%d", o.RelayPortMin, o.RelayPortMax)
	}
	if o.MaxPerUser < 0 || o.MaxPerAddress < 0 {
		return nil, fmt.Errorf("turn: relay quotas %d per user, %d per address", o.MaxPerUser, o.MaxPerAddress)
	}
	if o.MaxPerUser == 0 {
		o.MaxPerUser = DefaultMaxPerUser
	}
	if o.MaxPerAddress == 0 {
		o.MaxPerAddress = DefaultMaxPerAddress
	}
	if o.Realm == "" {
		o.Realm = DefaultRealm
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	host, _, err := net.SplitHostPort(o.Addr)
	if err != nil {
		return nil, fmt.Errorf("turn: address %q: %w", o.Addr, err)
	}
	var listenIP netip.Addr
	if host != "" {
		if listenIP, err = netip.ParseAddr(host); err != nil {
			return nil, fmt.Errorf("turn: address %q: host must be an IP address", o.Addr)
		}
		listenIP = listenIP.Unmap()
	}
	relayIP, guessed, err := chooseRelayIP(o.PublicIP, listenIP)
	if err != nil {
		return nil, err
	}
	if listenIP.IsValid() && listenIP.Is4() != relayIP.Is4() {
		return nil, fmt.Errorf("turn: listen address %s and relay address %s are of different families", listenIP, relayIP)
	}
	family := "4"
	if relayIP.Is6() {
		family = "6"
	}
	bindIP := listenIP
	if !bindIP.IsValid() {
		bindIP = netip.IPv4Unspecified()
		if relayIP.Is6() {
			bindIP = netip.IPv6Unspecified()
		}
	}

	udp, tcp, err := listen(family, o.Addr)
	if err != nil {
		return nil, err
	}
	s := &Server{
		tcp:     &trackingListener{Listener: tcp, conns: map[net.Conn]struct{}{}},
		addr:    unmap(udp.LocalAddr().(*net.UDPAddr).AddrPort()),
		relayIP: relayIP,
		secret:  append([]byte(nil), o.Secret...),
		now:     o.Now,
		revoked: o.Revoked,
		log:     o.Logger,
		warns:   rate.NewLimiter(rate.Every(time.Minute), 1),
		maxUser: o.MaxPerUser,
		maxAddr: o.MaxPerAddress,
		relays:  map[*relay]struct{}{},
		perUser: map[string]int{},
		perAddr: map[string]int{},
		tokens:  map[string]tokenState{},
		stop:    make(chan struct{}),
		swept:   make(chan struct{}),
	}
	gen := &relayGenerator{s: s, bindIP: bindIP, relayIP: relayIP, min: o.RelayPortMin, max: o.RelayPortMax}
	permit := func(_ net.Addr, peer net.IP) bool { return o.AllowLocal || PublicPeer(peer) }
	s.srv, err = turn.NewServer(turn.ServerConfig{
		Realm:             o.Realm,
		AuthHandler:       s.authenticate,
		QuotaHandler:      s.quota,
		LoggerFactory:     newSlogFactory(o.Logger),
		PacketConnConfigs: []turn.PacketConnConfig{{PacketConn: udp, RelayAddressGenerator: gen, PermissionHandler: permit}},
		ListenerConfigs:   []turn.ListenerConfig{{Listener: s.tcp, RelayAddressGenerator: gen, PermissionHandler: permit}},
	})
	if err != nil {
		udp.Close()
		tcp.Close()
		return nil, fmt.Errorf("turn: %w", err)
	}
	go s.sweeper()
	s.log.Debug("turn: STUN/TURN started", "addr", s.addr.String(), "transports", "udp,tcp", "relayIP", relayIP.String(), "allowLocal", o.AllowLocal)
	if guessed && relayIP.IsLoopback() {
		s.log.Warn("turn: relayed candidates use 127.0.0.1, reachable only from this machine; set --turn-public-ip to this server's public address")
	}
	return s, nil
}

// Addr is the address the server listens on, on UDP and TCP alike.
func (s *Server) Addr() netip.AddrPort { return s.addr }

// RelayIP is the address relayed candidates carry.
func (s *Server) RelayIP() netip.Addr { return s.relayIP }

// Allocations is the number of live relays.
func (s *Server) Allocations() int { return s.srv.AllocationCount() }

// Close stops listening and closes every client connection; relays close
// with their allocations. It is safe to call more than once.
func (s *Server) Close() error {
	s.closeOnce.Do(func() {
		close(s.stop)
		<-s.swept
		s.closeErr = s.srv.Close()
		s.tcp.closeConns()
	})
	return s.closeErr
}

// CloseToken is told of a logout: from now on the credentials minted for
// tokenID are refused, and its relays close now. Logouts on other
// instances reach it through the broker; ones it misses are found by
// asking Options.Revoked (within revocationRecheck).
func (s *Server) CloseToken(tokenID string) {
	s.mu.Lock()
	s.rememberLocked(tokenID, tokenState{revoked: true, at: s.now()})
	var doomed []*relay
	for r := range s.relays {
		if r.owner.TokenID == tokenID {
			doomed = append(doomed, r)
		}
	}
	s.mu.Unlock()
	for _, r := range doomed {
		r.Close()
	}
	if len(doomed) > 0 {
		s.log.Debug("turn: closed the relays of a logged-out session", "relays", len(doomed))
	}
}

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
	var doomed []*relay
	s.mu.Lock()
	for r := range s.relays {
		if !now.Before(r.owner.Expiry) || s.tokens[r.owner.TokenID].revoked {
			doomed = append(doomed, r)
		}
	}
	s.mu.Unlock()
	for _, r := range doomed {
		r.Close()
	}
	if len(doomed) > 0 {
		s.log.Debug("turn: closed relays of expired credentials or logged-out sessions", "relays", len(doomed))
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

// relay is a relay socket counted against its owner's quotas until it
// closes. Closing it ends its allocation (pion's reader of the socket
// deletes the allocation when reading fails), which is how the sweep and
// CloseToken end allocations pion offers no other way to end.
type relay struct {
	net.PacketConn
	s     *Server
	owner owner
	once  sync.Once
}

// Close closes the socket once (pion closes it again when it deletes the
// allocation; that second close must not be an error it logs).
func (r *relay) Close() (err error) {
	r.once.Do(func() {
		r.s.release(r)
		err = r.PacketConn.Close()
	})
	return err
}

// listen opens UDP and TCP on the same address. With port 0 it looks for
// a port free on both.
func listen(family, addr string) (net.PacketConn, net.Listener, error) {
	host, port, _ := net.SplitHostPort(addr)
	for try := 0; ; try++ {
		udp, err := net.ListenPacket("udp"+family, addr)
		if err != nil {
			return nil, nil, fmt.Errorf("turn: listen udp %s: %w", addr, err)
		}
		growBuffers(udp)
		p := strconv.Itoa(udp.LocalAddr().(*net.UDPAddr).Port)
		tcp, err := net.Listen("tcp"+family, net.JoinHostPort(host, p))
		if err == nil {
			return udp, tcp, nil
		}
		udp.Close()
		if port != "0" || try == 20 || !errors.Is(err, syscall.EADDRINUSE) {
			return nil, nil, fmt.Errorf("turn: listen tcp %s: %w", net.JoinHostPort(host, p), err)
		}
	}
}

func unmap(ap netip.AddrPort) netip.AddrPort { return netip.AddrPortFrom(ap.Addr().Unmap(), ap.Port()) }

// chooseRelayIP picks the relayed candidates' address (see Options.PublicIP);
// guessed says no one configured it.
func chooseRelayIP(publicIP string, listenIP netip.Addr) (ip netip.Addr, guessed bool, err error) {
	if publicIP != "" {
		ip, err := netip.ParseAddr(publicIP)
		if err != nil || ip.IsUnspecified() || ip.Zone() != "" {
			return netip.Addr{}, false, fmt.Errorf("turn: public IP %q is not a usable IP address", publicIP)
		}
		return ip.Unmap(), false, nil
	}
	if listenIP.IsValid() && !listenIP.IsUnspecified() {
		return listenIP, false, nil
	}
	if ip, ok := publicInterfaceIP(listenIP.IsValid() && listenIP.Is6()); ok {
		return ip, true, nil
	}
	if listenIP.IsValid() && listenIP.Is6() {
		return netip.IPv6Loopback(), true, nil
	}
	return netip.AddrFrom4([4]byte{127, 0, 0, 1}), true, nil
}

// publicInterfaceIP returns the first public address of an interface that
// is up (a server with its public address on the interface needs no
// --turn-public-ip). It only reads the interface table.
func publicInterfaceIP(v6 bool) (netip.Addr, bool) {
	ifaces, err := net.Interfaces()
	if err != nil {
		return netip.Addr{}, false
	}
	for _, ifc := range ifaces {
		if ifc.Flags&net.FlagUp == 0 || ifc.Flags&net.FlagLoopback != 0 {
			continue
		}
		addrs, err := ifc.Addrs()
		if err != nil {
			continue
		}
		for _, a := range addrs {
			n, ok := a.(*net.IPNet)
			if !ok {
				continue
			}
			ip, ok := netip.AddrFromSlice(n.IP)
			if ok && ip.Unmap().Is6() == v6 && PublicPeer(n.IP) {
				return ip.Unmap(), true
			}
		}
	}
	return netip.Addr{}, false
}

// relayGenerator makes UDP relays bound on bindIP that advertise relayIP,
// on a port in [min, max] when set, counted against their owner's quotas.
// It offers no TCP relays.
type relayGenerator struct {
	s        *Server
	bindIP   netip.Addr
	relayIP  netip.Addr
	min, max int
}

func (g *relayGenerator) Validate() error { return nil }

// AllocatePacketConn makes the relay of an allocation (c.UserID is its
// owner) or, with no user, a socket pion only probes a port with and
// closes at once (EVEN-PORT).
func (g *relayGenerator) AllocatePacketConn(c turn.AllocateListenerConfig) (net.PacketConn, net.Addr, error) {
	want6 := c.Network == "udp6"
	if want6 != g.relayIP.Is6() {
		return nil, nil, errFamily
	}
	if c.UserID == "" {
		return g.bindAny(c)
	}
	o, ok := parseOwner(c.UserID)
	if !ok {
		return nil, nil, errOwner
	}
	if err := g.s.admit(o); err != nil {
		return nil, nil, err
	}
	conn, addr, err := g.bindAny(c)
	if err != nil {
		g.s.mu.Lock()
		g.s.unadmitLocked(o)
		g.s.mu.Unlock()
		return nil, nil, err
	}
	r := &relay{PacketConn: conn, s: g.s, owner: o}
	if err := g.s.track(r); err != nil {
		conn.Close()
		return nil, nil, err
	}
	return r, addr, nil
}

// bindAny binds a UDP socket for c on a port allowed by the range.
func (g *relayGenerator) bindAny(c turn.AllocateListenerConfig) (net.PacketConn, net.Addr, error) {
	want6 := c.Network == "udp6"
	network := "udp4"
	if want6 {
		network = "udp6"
	}
	bind := func(port int) (net.PacketConn, net.Addr, error) {
		conn, err := net.ListenPacket(network, netip.AddrPortFrom(g.bindIP, uint16(port)).String())
		if err != nil {
			return nil, nil, err
		}
		growBuffers(conn)
		return conn, &net.UDPAddr{IP: g.relayIP.AsSlice(), Port: conn.LocalAddr().(*net.UDPAddr).Port}, nil
	}
	if g.min == 0 || c.RequestedPort != 0 {
		if g.min != 0 && (c.RequestedPort < g.min || c.RequestedPort > g.max) {
			return nil, nil, errNoPort
		}
		return bind(c.RequestedPort)
	}
	for range 32 {
		if conn, addr, err := bind(g.min + rand.IntN(g.max-g.min+1)); err == nil {
			return conn, addr, nil
		}
	}
	return nil, nil, errNoPort
}

func (g *relayGenerator) AllocateListener(turn.AllocateListenerConfig) (net.Listener, net.Addr, error) {
	return nil, nil, errTCPRelay
}

func (g *relayGenerator) AllocateConn(turn.AllocateConnConfig) (net.Conn, error) {
	return nil, errTCPRelay
}

// trackingListener remembers accepted connections so Close can end them
// (pion leaves TCP clients connected when its listener closes).
type trackingListener struct {
	net.Listener
	mu     sync.Mutex
	closed bool
	conns  map[net.Conn]struct{}
}

func (l *trackingListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed {
		c.Close()
		return nil, net.ErrClosed
	}
	tc := &trackedConn{Conn: c, l: l}
	l.conns[tc] = struct{}{}
	return tc, nil
}

func (l *trackingListener) closeConns() {
	l.mu.Lock()
	l.closed = true
	conns := l.conns
	l.conns = map[net.Conn]struct{}{}
	l.mu.Unlock()
	for c := range conns {
		c.(*trackedConn).Conn.Close()
	}
}

type trackedConn struct {
	net.Conn
	l *trackingListener
}

func (c *trackedConn) Close() error {
	c.l.mu.Lock()
	delete(c.l.conns, c)
	c.l.mu.Unlock()
	return c.Conn.Close()
}

// socketBuffer is what relay sockets ask the kernel for: media arrives in
// bursts (a keyframe is dozens of packets), and the default 208 KiB receive
// buffer dropped datagrams under load. The kernel caps it at
// net.core.rmem_max / wmem_max.
const socketBuffer = 4 << 20

// growBuffers enlarges a UDP socket's buffers; failure only costs headroom.
func growBuffers(c net.PacketConn) {
	if u, ok := c.(*net.UDPConn); ok {
		_ = u.SetReadBuffer(socketBuffer)
		_ = u.SetWriteBuffer(socketBuffer)
	}
}

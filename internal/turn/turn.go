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
	"net"
	"net/netip"
	"strconv"
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
	// Blocked reports whether a client address is in a blocked network
	// (--block-cidrs): its requests are refused as unauthenticated, so it
	// gets no allocation. Nil blocks nothing.
	Blocked func(netip.Addr) bool
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
	blocked func(netip.Addr) bool
	log     *slog.Logger
	warns   *rate.Limiter // of the store's failures

	maxUser, maxAddr int
	relayed          relayedBytes // bytes.go

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
		blocked: o.Blocked,
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

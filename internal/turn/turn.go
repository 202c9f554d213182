// Package turn is bodydouble's built-in STUN/TURN server (pion/turn) and
// the credentials and ICE server lists that go with it.
//
// Credentials are the TURN REST API kind: short-lived, minted by the HTTP
// API for a signed-in user with a secret every instance shares, and
// checked here without any shared state. The relay only reaches public
// addresses unless told otherwise, and only relays UDP (all WebRTC needs),
// so it cannot be used to reach into the network it stands in or as a
// TCP proxy.
package turn

import (
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/netip"
	"strconv"
	"sync"
	"syscall"
	"time"

	"github.com/pion/stun/v4"
	"github.com/pion/turn/v5"
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
	// AllowLocal lets the relay reach loopback, private and link-local
	// peers. For tests on loopback only.
	AllowLocal bool
	// Realm defaults to "bodydouble".
	Realm string
	// RelayPortMin and RelayPortMax bound the UDP ports of relays (both
	// or neither); 0 lets the system choose.
	RelayPortMin, RelayPortMax int
	// Logger defaults to slog.Default().
	Logger *slog.Logger
}

// DefaultRealm is the realm used when Options.Realm is empty.
const DefaultRealm = "bodydouble"

// RefreshGrace is how long after its credentials expire an allocation
// may still be refreshed (and given permissions and channels). A new
// allocation always needs unexpired credentials; this keeps a relayed
// call made within the credentials' hour alive through a long focus
// session. An allocation can only be refreshed by the user who made it,
// from the same address.
const RefreshGrace = 12 * time.Hour

// maxAllocationsPerUser bounds one user's simultaneous allocations: a
// full mesh of 8 needs 7 peer connections, each with a UDP and a TCP
// allocation, and renegotiation briefly doubles that.
const maxAllocationsPerUser = 64

var (
	errTCPRelay = errors.New("turn: TCP relays (RFC 6062) are not offered")
	errFamily   = errors.New("turn: requested address family is not relayed here")
	errNoPort   = errors.New("turn: no free relay port in range")
)

// Server is a running STUN/TURN server.
type Server struct {
	srv     *turn.Server
	tcp     *trackingListener
	addr    netip.AddrPort
	relayIP netip.Addr
	secret  []byte
	now     func() time.Time
	log     *slog.Logger

	mu     sync.Mutex
	allocs map[string]int // user id → live allocations

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
	if o.Realm == "" {
		o.Realm = DefaultRealm
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
		now:     time.Now,
		log:     o.Logger,
		allocs:  map[string]int{},
	}
	gen := &relayGenerator{bindIP: bindIP, relayIP: relayIP, min: o.RelayPortMin, max: o.RelayPortMax}
	permit := func(_ net.Addr, peer net.IP) bool { return o.AllowLocal || PublicPeer(peer) }
	s.srv, err = turn.NewServer(turn.ServerConfig{
		Realm:         o.Realm,
		AuthHandler:   s.authenticate,
		QuotaHandler:  s.quota,
		LoggerFactory: newSlogFactory(o.Logger),
		EventHandler: turn.EventHandler{
			OnAllocationCreated: func(_, _ net.Addr, _, userID, _ string, _ net.Addr, _ int) { s.count(userID, +1) },
			OnAllocationDeleted: func(_, _ net.Addr, _, userID, _ string) { s.count(userID, -1) },
		},
		PacketConnConfigs: []turn.PacketConnConfig{{PacketConn: udp, RelayAddressGenerator: gen, PermissionHandler: permit}},
		ListenerConfigs:   []turn.ListenerConfig{{Listener: s.tcp, RelayAddressGenerator: gen, PermissionHandler: permit}},
	})
	if err != nil {
		udp.Close()
		tcp.Close()
		return nil, fmt.Errorf("turn: %w", err)
	}
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

// Close stops listening and closes every client connection; relays close
// with their allocations. It is safe to call more than once.
func (s *Server) Close() error {
	s.closeOnce.Do(func() {
		s.closeErr = s.srv.Close()
		s.tcp.closeConns()
	})
	return s.closeErr
}

// authenticate is the AuthHandler: the username must be one Credentials
// made and unexpired (within RefreshGrace for requests on an existing
// allocation). It returns the key pion checks MESSAGE-INTEGRITY with, so
// a wrong password fails there.
func (s *Server) authenticate(ra *turn.RequestAttributes) (userID string, key []byte, ok bool) {
	expiry, userID, ok := parseUsername(ra.Username)
	if !ok {
		return "", nil, false
	}
	switch ra.Method {
	case stun.MethodRefresh, stun.MethodCreatePermission, stun.MethodChannelBind:
		expiry = expiry.Add(RefreshGrace)
	}
	if !s.now().Before(expiry) {
		s.log.Debug("turn: expired credentials", "username", ra.Username, "method", ra.Method.String(), "from", ra.SrcAddr)
		return "", nil, false
	}
	return userID, turn.GenerateAuthKey(ra.Username, ra.Realm, passwordFor(s.secret, ra.Username)), true
}

// quota refuses a new allocation to a user who has maxAllocationsPerUser.
func (s *Server) quota(userID, _ string, _ net.Addr) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.allocs[userID] < maxAllocationsPerUser
}

func (s *Server) count(userID string, d int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if n := s.allocs[userID] + d; n > 0 {
		s.allocs[userID] = n
	} else {
		delete(s.allocs, userID)
	}
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
// on a port in [min, max] when set. It offers no TCP relays.
type relayGenerator struct {
	bindIP   netip.Addr
	relayIP  netip.Addr
	min, max int
}

func (g *relayGenerator) Validate() error { return nil }

func (g *relayGenerator) AllocatePacketConn(c turn.AllocateListenerConfig) (net.PacketConn, net.Addr, error) {
	want6 := c.Network == "udp6"
	if want6 != g.relayIP.Is6() {
		return nil, nil, errFamily
	}
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

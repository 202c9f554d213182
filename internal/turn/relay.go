package turn

import (
	"fmt"
	"math/rand/v2"
	"net"
	"net/netip"
	"sync"

	"github.com/pion/turn/v5"
)

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

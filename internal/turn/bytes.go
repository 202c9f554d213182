package turn

import (
	"net"
	"sync/atomic"
)

// relayedBytes counts the payload bytes the relays carried, for metrics:
// in from peers, out to them.
type relayedBytes struct {
	in, out atomic.Uint64
}

// ReadFrom reads a peer's datagram on the relay, counting its bytes.
func (r *relay) ReadFrom(p []byte) (int, net.Addr, error) {
	n, addr, err := r.PacketConn.ReadFrom(p)
	if n > 0 {
		r.s.relayed.in.Add(uint64(n))
	}
	return n, addr, err
}

// WriteTo sends a datagram to a peer from the relay, counting its bytes.
func (r *relay) WriteTo(p []byte, addr net.Addr) (int, error) {
	n, err := r.PacketConn.WriteTo(p, addr)
	if n > 0 {
		r.s.relayed.out.Add(uint64(n))
	}
	return n, err
}

// RelayedBytes reports the bytes all relays received from peers and sent
// to them since the server started.
func (s *Server) RelayedBytes() (in, out uint64) {
	return s.relayed.in.Load(), s.relayed.out.Load()
}

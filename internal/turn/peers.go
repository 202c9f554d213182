package turn

import (
	"net"
	"net/netip"
)

// blockedPrefixes are ranges, beyond what netip classifies, that a relay
// must not reach: "this network", shared address space (carrier-grade
// NAT), IETF protocol assignments, the documentation ranges, benchmarking,
// reserved and broadcast, deprecated site-local IPv6, and NAT64 (checked
// by its embedded IPv4). None of them is a real peer on the internet.
var blockedPrefixes = []netip.Prefix{
	netip.MustParsePrefix("0.0.0.0/8"),
	netip.MustParsePrefix("100.64.0.0/10"),
	netip.MustParsePrefix("192.0.0.0/24"),
	netip.MustParsePrefix("192.0.2.0/24"),
	netip.MustParsePrefix("198.18.0.0/15"),
	netip.MustParsePrefix("198.51.100.0/24"),
	netip.MustParsePrefix("203.0.113.0/24"),
	netip.MustParsePrefix("240.0.0.0/4"),
	netip.MustParsePrefix("2001:db8::/32"),
	netip.MustParsePrefix("fec0::/10"),
}

var nat64 = netip.MustParsePrefix("64:ff9b::/96")

// PublicPeer reports whether a relay may send to ip: false for loopback,
// private (RFC 1918, fc00::/7), link-local, unspecified, multicast and
// the other special ranges above. It also decides which interface
// address counts as public when no --turn-public-ip is given. Without this check a TURN server is a
// way into the network it stands in.
func PublicPeer(ip net.IP) bool {
	a, ok := netip.AddrFromSlice(ip)
	if !ok {
		return false
	}
	a = a.Unmap()
	if nat64.Contains(a) {
		b := a.As16()
		a = netip.AddrFrom4([4]byte{b[12], b[13], b[14], b[15]})
	}
	if !a.IsGlobalUnicast() || a.IsPrivate() || a.IsLoopback() || a.IsLinkLocalUnicast() {
		return false
	}
	for _, p := range blockedPrefixes {
		if p.Contains(a) {
			return false
		}
	}
	return true
}

package api

import (
	"net/netip"
	"testing"

	"github.com/bodydouble/bodydouble/internal/ratelimit"
)

// BenchmarkLimiterAllow is the per-request cost of the REST limit with
// rate limiting on (in memory): hash the address, take a token.
func BenchmarkLimiterAllow(b *testing.B) {
	l := &limiter{l: ratelimit.NewMemory(nil, 0), keys: ratelimit.NewHasher(nil), identity: identityLimit(30)}
	addrs := make([]netip.Addr, 1024)
	for i := range addrs {
		addrs[i] = netip.AddrFrom4([4]byte{10, 0, byte(i >> 8), byte(i)})
	}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		l.allow(addrs[i%len(addrs)], false)
		i++
	}
}

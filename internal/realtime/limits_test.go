package realtime

import (
	"net/netip"
	"strconv"
	"testing"

	"github.com/bodydouble/bodydouble/internal/apperr"
	"github.com/bodydouble/bodydouble/internal/auth"
	"github.com/bodydouble/bodydouble/internal/ratelimit"
	"github.com/bodydouble/bodydouble/internal/seats"
)

// TestSocketsPerAddress: one address holds at most MaxConnsPerAddr sockets,
// whoever the people (free accounts must not add up to every descriptor);
// other addresses are not affected, a closed socket frees its place, and
// --rate-limit=off lifts the cap (load tests connect from one address).
func TestSocketsPerAddress(t *testing.T) {
	t.Parallel()
	for _, limited := range []bool{true, false} {
		h := &Hub{
			conns: map[*conn]struct{}{}, byUser: map[string]map[*conn]struct{}{}, byAddr: map[netip.Addr]int{},
			claims: map[string]*conn{}, handshakes: newHandshakeLimits(ratelimit.NewMemory(nil, 0), ratelimit.NewHasher(nil), limited),
		}
		h.seats = seats.NewHolds(nil, hubSockets{h}, nil)
		crowd := netip.MustParseAddr("192.0.2.7")
		open := func(i int, addr netip.Addr) (*conn, *apperr.Error) {
			c := &conn{hub: h, user: auth.Identity{UserID: "u" + strconv.Itoa(i)}, addr: addr}
			return c, h.register(c, addr.String()+":"+strconv.Itoa(i))
		}
		var first *conn
		for i := range MaxConnsPerAddr {
			c, e := open(i, crowd)
			if e != nil {
				t.Fatalf("socket %d of one address refused: %v", i, e)
			}
			if first == nil {
				first = c
			}
		}
		_, e := open(MaxConnsPerAddr, crowd)
		if limited && (e == nil || e.Code != apperr.RateLimited) {
			t.Fatalf("socket %d of one address: %v, want rate_limited", MaxConnsPerAddr+1, e)
		}
		if !limited {
			if e != nil {
				t.Fatalf("with --rate-limit=off, socket %d of one address refused: %v", MaxConnsPerAddr+1, e)
			}
			continue
		}
		if _, e := open(10_000, netip.MustParseAddr("192.0.2.8")); e != nil {
			t.Fatalf("another address refused: %v", e)
		}
		h.unregister(first)
		if _, e := open(20_000, crowd); e != nil {
			t.Fatalf("refused after a socket of the address closed: %v", e)
		}
	}
}

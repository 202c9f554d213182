package turn

import (
	"context"
	"errors"
	"fmt"
	"net"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pion/stun/v4"
	"github.com/pion/turn/v5"
)

// clientFrom is a pion TURN client of s whose socket is bound to the
// loopback address localIP (127.0.0.2 is another client address to s).
func clientFrom(t *testing.T, s *Server, localIP, username, password string, overTCP bool) *turn.Client {
	t.Helper()
	addr := s.Addr().String()
	var conn net.PacketConn
	if overTCP {
		d := net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(localIP)}}
		c, err := d.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		conn = turn.NewSTUNConn(c)
	} else {
		var err error
		if conn, err = net.ListenPacket("udp4", net.JoinHostPort(localIP, "0")); err != nil {
			t.Fatal(err)
		}
	}
	t.Cleanup(func() { conn.Close() })
	c, err := turn.NewClient(&turn.ClientConfig{
		STUNServerAddr: addr, TURNServerAddr: addr,
		Username: username, Password: password,
		Conn: conn, RTO: 100 * time.Millisecond,
		LoggerFactory: newSlogFactory(testLogger(t)),
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	if err := c.Listen(); err != nil {
		t.Fatal(err)
	}
	return c
}

// code is the STUN error code of a failed request, 0 for success and -1
// for a failure without one.
func code(err error) int {
	var te *stun.TurnError
	switch {
	case err == nil:
		return 0
	case errors.As(err, &te):
		return int(te.ErrorCodeAttr.Code)
	default:
		return -1
	}
}

// allocate makes an allocation for a new client of s from localIP and
// returns its relay (nil when refused) and the answer's code.
func allocate(t *testing.T, s *Server, localIP, username, password string, overTCP bool) (*turn.Client, net.PacketConn, int) {
	t.Helper()
	c := clientFrom(t, s, localIP, username, password, overTCP)
	relay, err := c.Allocate()
	if err != nil {
		return c, nil, code(err)
	}
	t.Cleanup(func() { relay.Close() })
	return c, relay, 0
}

// refresh sends c's server a Refresh request for c's allocation, signed
// with username and password, as a browser does every few minutes, and
// returns the answer's code (0: refreshed). pion's client refreshes by
// itself only on a timer.
func refresh(t *testing.T, s *Server, c *turn.Client, username, password string) int {
	t.Helper()
	to := net.UDPAddrFromAddrPort(s.Addr())
	// The first try is unsigned: its 401 carries the nonce and the realm.
	res, err := c.PerformTransaction(stun.MustBuild(stun.TransactionID, stun.NewType(stun.MethodRefresh, stun.ClassRequest), stun.Fingerprint), to, false)
	if err != nil {
		t.Fatalf("refresh: %v", err)
	}
	var nonce stun.Nonce
	var realm stun.Realm
	if err := nonce.GetFrom(res.Msg); err != nil {
		t.Fatalf("refresh: no nonce: %v", err)
	}
	if err := realm.GetFrom(res.Msg); err != nil {
		t.Fatalf("refresh: no realm: %v", err)
	}
	msg := stun.MustBuild(stun.TransactionID, stun.NewType(stun.MethodRefresh, stun.ClassRequest),
		stun.NewUsername(username), realm, nonce, stun.NewLongTermIntegrity(username, realm.String(), password), stun.Fingerprint)
	if res, err = c.PerformTransaction(msg, to, false); err != nil {
		t.Fatalf("refresh: %v", err)
	}
	if res.Msg.Type.Class == stun.ClassSuccessResponse {
		return 0
	}
	var ec stun.ErrorCodeAttribute
	if err := ec.GetFrom(res.Msg); err != nil {
		return -1
	}
	return int(ec.Code)
}

// waitFor polls cond for up to 5 s.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); !cond(); {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// closedRelay reports whether the relay's port is free again, that is, its
// socket on the server is closed.
func closedRelay(relay net.PacketConn) bool {
	pc, err := net.ListenPacket("udp4", relay.LocalAddr().String())
	if err != nil {
		return false
	}
	pc.Close()
	return true
}

// fakeClock is a clock the test moves.
type fakeClock struct{ ns atomic.Int64 }

func newClock(at time.Time) *fakeClock {
	c := &fakeClock{}
	c.Set(at)
	return c
}

func (c *fakeClock) Now() time.Time      { return time.Unix(0, c.ns.Load()) }
func (c *fakeClock) Set(at time.Time)    { c.ns.Store(at.UnixNano()) }
func (c *fakeClock) Add(d time.Duration) { c.ns.Add(int64(d)) }

// revocations stands in for the store's revocation table (the app passes
// the real one; internal/app's tests log out for real).
type revocations struct {
	mu      sync.Mutex
	revoked map[string]bool
	fail    error
	asked   int
}

func (r *revocations) Revoked(_ context.Context, tokenID string) (bool, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.asked++
	return r.revoked[tokenID], r.fail
}

func (r *revocations) revoke(tokenID string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.revoked == nil {
		r.revoked = map[string]bool{}
	}
	r.revoked[tokenID] = true
}

func TestQuotaDefaults(t *testing.T) {
	t.Parallel()
	s := start(t, Options{})
	if s.maxUser != DefaultMaxPerUser || s.maxAddr != DefaultMaxPerAddress || DefaultMaxPerUser != 16 || DefaultMaxPerAddress != 32 {
		t.Errorf("caps %d per user, %d per address", s.maxUser, s.maxAddr)
	}
	if _, err := New(Options{Addr: "127.0.0.1:0", Secret: testSecret, MaxPerUser: -1}); err == nil {
		t.Error("a negative cap accepted")
	}
}

// TestQuotaPerUser: one person's relays are capped however many sessions,
// transports and addresses they use; others are not affected; a closed
// relay frees its place.
func TestQuotaPerUser(t *testing.T) {
	t.Parallel()
	s := start(t, Options{AllowLocal: true, MaxPerUser: 3, MaxPerAddress: 100})
	now := time.Now()
	ua, pa := Credentials(testSecret, "a", "ta", time.Hour, now)
	var relays []net.PacketConn
	for i := range 3 {
		_, relay, c := allocate(t, s, "127.0.0.1", ua, pa, i == 1)
		if c != 0 {
			t.Fatalf("allocation %d: code %d", i+1, c)
		}
		relays = append(relays, relay)
	}
	ua2, pa2 := Credentials(testSecret, "a", "ta-2", time.Hour, now)
	for name, try := range map[string]struct {
		ip, user, pass string
		tcp            bool
	}{
		"udp":           {"127.0.0.1", ua, pa, false},
		"tcp":           {"127.0.0.1", ua, pa, true},
		"other address": {"127.0.0.2", ua, pa, false},
		"other session": {"127.0.0.1", ua2, pa2, false},
	} {
		if _, _, c := allocate(t, s, try.ip, try.user, try.pass, try.tcp); c != int(stun.CodeAllocQuotaReached) {
			t.Errorf("%s: allocation over the user's cap answered %d, want 486", name, c)
		}
	}
	ub, pb := Credentials(testSecret, "b", "tb", time.Hour, now)
	if _, _, c := allocate(t, s, "127.0.0.1", ub, pb, false); c != 0 {
		t.Fatalf("another user refused: %d", c)
	}
	if n := s.Allocations(); n != 4 {
		t.Fatalf("%d allocations, want 4", n)
	}
	relays[0].Close() // the client deallocates
	waitFor(t, "the deallocation", func() bool { return s.Allocations() == 3 })
	if _, _, c := allocate(t, s, "127.0.0.1", ua, pa, false); c != 0 {
		t.Fatalf("after a deallocation: %d", c)
	}
}

// TestQuotaPerAddress: relays are capped per client address too, so that
// free users cannot multiply the per-user cap; other addresses are not
// affected.
func TestQuotaPerAddress(t *testing.T) {
	t.Parallel()
	s := start(t, Options{AllowLocal: true, MaxPerUser: 3, MaxPerAddress: 4})
	now := time.Now()
	ua, pa := Credentials(testSecret, "a", "ta", time.Hour, now)
	ub, pb := Credentials(testSecret, "b", "tb", time.Hour, now)
	var relays []net.PacketConn
	for i := range 3 {
		_, relay, c := allocate(t, s, "127.0.0.1", ua, pa, i == 2)
		if c != 0 {
			t.Fatalf("a's allocation %d: %d", i+1, c)
		}
		relays = append(relays, relay)
	}
	if _, _, c := allocate(t, s, "127.0.0.1", ub, pb, true); c != 0 {
		t.Fatalf("b's first allocation: %d", c)
	}
	// b holds one of its 3, but the address holds 4 of its 4.
	for _, tcp := range []bool{false, true} {
		if _, _, c := allocate(t, s, "127.0.0.1", ub, pb, tcp); c != int(stun.CodeAllocQuotaReached) {
			t.Errorf("allocation over the address's cap (tcp %v) answered %d, want 486", tcp, c)
		}
	}
	if _, _, c := allocate(t, s, "127.0.0.2", ub, pb, false); c != 0 {
		t.Fatalf("b from another address: %d", c)
	}
	relays[0].Close()
	waitFor(t, "the deallocation", func() bool { return s.Allocations() == 4 })
	if _, _, c := allocate(t, s, "127.0.0.1", ub, pb, false); c != 0 {
		t.Fatalf("after a deallocation at the address: %d", c)
	}
}

// TestQuotaRace: many allocations of one user at once, over TCP (pion
// answers each TCP connection on a goroutine of its own), never exceed
// the cap.
func TestQuotaRace(t *testing.T) {
	t.Parallel()
	s := start(t, Options{AllowLocal: true, MaxPerUser: 3})
	user, pass := Credentials(testSecret, "racer", "tr", time.Hour, time.Now())
	clients := make([]*turn.Client, 16)
	for i := range clients {
		clients[i] = clientFrom(t, s, "127.0.0.1", user, pass, true)
	}
	var granted atomic.Int32
	var wg sync.WaitGroup
	for _, c := range clients {
		wg.Go(func() {
			relay, err := c.Allocate()
			if err == nil {
				granted.Add(1)
				t.Cleanup(func() { relay.Close() })
			}
		})
	}
	wg.Wait()
	if g, n := granted.Load(), s.Allocations(); g != 3 || n != 3 {
		t.Fatalf("%d granted, %d allocations; want 3", g, n)
	}
}

// TestCredentialsExpire: when credentials expire, their refreshes (and
// new allocations) are refused and their relays close; others' go on.
func TestCredentialsExpire(t *testing.T) {
	t.Parallel()
	clk := newClock(time.Now())
	s := start(t, Options{AllowLocal: true, Now: clk.Now})
	minted := clk.Now()
	ua, pa := Credentials(testSecret, "a", "ta", time.Hour, minted)
	ub, pb := Credentials(testSecret, "b", "tb", 2*time.Hour, minted)
	ca, relayA, c := allocate(t, s, "127.0.0.1", ua, pa, false)
	if c != 0 {
		t.Fatalf("a: %d", c)
	}
	cb, relayB, c := allocate(t, s, "127.0.0.1", ub, pb, true)
	if c != 0 {
		t.Fatalf("b: %d", c)
	}

	clk.Set(minted.Add(time.Hour - time.Second))
	if c := refresh(t, s, ca, ua, pa); c != 0 {
		t.Fatalf("refresh a second before expiry: %d", c)
	}
	s.sweep()
	if n := s.Allocations(); n != 2 {
		t.Fatalf("%d allocations before expiry", n)
	}

	clk.Set(minted.Add(time.Hour))
	if c := refresh(t, s, ca, ua, pa); c != int(stun.CodeUnauthorized) {
		t.Fatalf("refresh at expiry: %d, want 401", c)
	}
	if _, _, c := allocate(t, s, "127.0.0.1", ua, pa, false); c != int(stun.CodeUnauthorized) {
		t.Fatalf("allocation at expiry: %d, want 401", c)
	}
	s.sweep()
	waitFor(t, "the expired relay to close", func() bool { return s.Allocations() == 1 && closedRelay(relayA) })
	if c := refresh(t, s, cb, ub, pb); c != 0 {
		t.Fatalf("b's refresh: %d", c)
	}
	if closedRelay(relayB) {
		t.Fatal("b's relay closed")
	}
}

// TestLogout: CloseToken (a logout, heard through the broker) closes the
// session's relays at once and refuses its credentials; the same user's
// other session and other users go on.
func TestLogout(t *testing.T) {
	t.Parallel()
	store := &revocations{}
	s := start(t, Options{AllowLocal: true, Revoked: store.Revoked})
	now := time.Now()
	u1, p1 := Credentials(testSecret, "a", "t1", time.Hour, now)
	u2, p2 := Credentials(testSecret, "a", "t2", time.Hour, now)
	ub, pb := Credentials(testSecret, "b", "tb", time.Hour, now)
	c1, relay1, c := allocate(t, s, "127.0.0.1", u1, p1, false)
	if c != 0 {
		t.Fatalf("a/t1: %d", c)
	}
	_, relay1tcp, c := allocate(t, s, "127.0.0.1", u1, p1, true)
	if c != 0 {
		t.Fatalf("a/t1 over TCP: %d", c)
	}
	c2, _, c := allocate(t, s, "127.0.0.1", u2, p2, false)
	if c != 0 {
		t.Fatalf("a/t2: %d", c)
	}
	cb, _, c := allocate(t, s, "127.0.0.1", ub, pb, false)
	if c != 0 {
		t.Fatalf("b: %d", c)
	}

	s.CloseToken("t1")
	waitFor(t, "the session's relays to close", func() bool {
		return s.Allocations() == 2 && closedRelay(relay1) && closedRelay(relay1tcp)
	})
	if c := refresh(t, s, c1, u1, p1); c != int(stun.CodeUnauthorized) {
		t.Errorf("refresh with a logged-out session's credentials: %d, want 401", c)
	}
	if _, _, c := allocate(t, s, "127.0.0.1", u1, p1, false); c != int(stun.CodeUnauthorized) {
		t.Errorf("allocation with a logged-out session's credentials: %d, want 401", c)
	}
	if c := refresh(t, s, c2, u2, p2); c != 0 {
		t.Errorf("the user's other session: %d", c)
	}
	if c := refresh(t, s, cb, ub, pb); c != 0 {
		t.Errorf("another user: %d", c)
	}
}

// TestRevokedInStore: a logout this server did not hear of (the broker
// was down) is found in the store: new allocations are refused and the
// sweep closes the session's relays once the last answer is stale.
func TestRevokedInStore(t *testing.T) {
	t.Parallel()
	clk := newClock(time.Now())
	store := &revocations{}
	s := start(t, Options{AllowLocal: true, Revoked: store.Revoked, Now: clk.Now})
	u1, p1 := Credentials(testSecret, "a", "t1", time.Hour, clk.Now())
	ub, pb := Credentials(testSecret, "b", "tb", time.Hour, clk.Now())
	_, relay1, c := allocate(t, s, "127.0.0.1", u1, p1, false)
	if c != 0 {
		t.Fatalf("a: %d", c)
	}
	_, relayB, c := allocate(t, s, "127.0.0.1", ub, pb, false)
	if c != 0 {
		t.Fatalf("b: %d", c)
	}
	// A session never seen here is asked about at once.
	u3, p3 := Credentials(testSecret, "c", "t3", time.Hour, clk.Now())
	store.revoke("t3")
	if _, _, c := allocate(t, s, "127.0.0.1", u3, p3, false); c != int(stun.CodeAllocQuotaReached) {
		t.Errorf("allocation of a session revoked in the store: %d, want 486", c)
	}

	store.revoke("t1")
	clk.Add(revocationRecheck)
	if _, _, c := allocate(t, s, "127.0.0.1", u1, p1, false); c != int(stun.CodeAllocQuotaReached) {
		t.Errorf("allocation of a session revoked in the store: %d, want 486", c)
	}
	s.sweep()
	waitFor(t, "the revoked session's relay to close", func() bool { return s.Allocations() == 1 && closedRelay(relay1) })
	if closedRelay(relayB) {
		t.Fatal("b's relay closed")
	}
}

// TestRevocationStoreDown: when the store cannot answer, credentials are
// believed (an outage must not cut calls), and the store is not asked
// again for every request.
func TestRevocationStoreDown(t *testing.T) {
	t.Parallel()
	store := &revocations{fail: fmt.Errorf("store: %w", context.DeadlineExceeded)}
	s := start(t, Options{AllowLocal: true, Revoked: store.Revoked})
	user, pass := Credentials(testSecret, "a", "t1", time.Hour, time.Now())
	for i := range 3 {
		if _, _, c := allocate(t, s, "127.0.0.1", user, pass, false); c != 0 {
			t.Fatalf("allocation %d with the store down: %d", i+1, c)
		}
	}
	store.mu.Lock()
	asked := store.asked
	store.mu.Unlock()
	if asked != 1 {
		t.Errorf("the store was asked %d times, want once", asked)
	}
}

// TestRelayGeneratorCaps: the relay generator itself refuses relays over
// a cap, whatever the quota check before it said (two requests may pass
// that check together), and refuses a logged-out session's; its sockets
// release their place when closed, once.
func TestRelayGeneratorCaps(t *testing.T) {
	t.Parallel()
	s := start(t, Options{AllowLocal: true, MaxPerUser: 3, MaxPerAddress: 4})
	g := &relayGenerator{s: s, bindIP: s.relayIP, relayIP: s.relayIP}
	cred := func(user, token string) string {
		u, _ := Credentials(testSecret, user, token, time.Hour, time.Now())
		return u
	}
	alloc := func(owner string) (net.PacketConn, error) {
		conn, _, err := g.AllocatePacketConn(turn.AllocateListenerConfig{Network: "udp4", UserID: owner})
		if err == nil {
			t.Cleanup(func() { conn.Close() })
		}
		return conn, err
	}
	a := "127.0.0.1 " + cred("a", "ta")
	var wg sync.WaitGroup
	var mu sync.Mutex
	var conns []net.PacketConn
	for range 10 {
		wg.Go(func() {
			if conn, err := alloc(a); err == nil {
				mu.Lock()
				conns = append(conns, conn)
				mu.Unlock()
			} else if !errors.Is(err, errQuota) {
				t.Errorf("refused with %v", err)
			}
		})
	}
	wg.Wait()
	if len(conns) != 3 {
		t.Fatalf("%d relays for one user at once, want 3", len(conns))
	}
	if _, err := alloc("127.0.0.1 " + cred("b", "tb")); err != nil {
		t.Fatalf("b: %v", err)
	}
	if _, err := alloc("127.0.0.1 " + cred("c", "tc")); !errors.Is(err, errQuota) {
		t.Fatalf("over the address's cap: %v", err)
	}
	conns[0].Close()
	conns[0].Close() // pion closes it again
	if _, err := alloc("127.0.0.1 " + cred("c", "tc")); err != nil {
		t.Fatalf("after a close: %v", err)
	}
	if _, err := alloc("127.0.0.1 " + cred("c", "tc")); !errors.Is(err, errQuota) {
		t.Fatalf("a second close freed a second place: %v", err)
	}
	s.CloseToken("td")
	if _, err := alloc("127.0.0.2 " + cred("d", "td")); !errors.Is(err, errRevoked) {
		t.Fatalf("a logged-out session's relay: %v", err)
	}
	for _, bad := range []string{"127.0.0.1", "127.0.0.1 junk", " " + cred("e", "te")} {
		if _, err := alloc(bad); !errors.Is(err, errOwner) {
			t.Errorf("owner %q: %v", bad, err)
		}
	}
	// A probe without an owner (EVEN-PORT) is not counted.
	probe, _, err := g.AllocatePacketConn(turn.AllocateListenerConfig{Network: "udp4"})
	if err != nil {
		t.Fatal(err)
	}
	probe.Close()
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.relays) != 4 || s.perAddr["127.0.0.1"] != 4 || s.perUser["a"] != 2 || s.perUser["c"] != 1 {
		t.Errorf("relays %d, per address %v, per user %v", len(s.relays), s.perAddr, s.perUser)
	}
}

func TestAddrKey(t *testing.T) {
	t.Parallel()
	for addr, want := range map[net.Addr]string{
		&net.UDPAddr{IP: net.IPv4(198, 51, 100, 7), Port: 1}:            "198.51.100.7",
		&net.TCPAddr{IP: net.ParseIP("::ffff:198.51.100.7"), Port: 2}:   "198.51.100.7",
		&net.UDPAddr{IP: net.ParseIP("2001:db8:1:2:3:4:5:6"), Port: 3}:  "2001:db8:1:2::/64",
		&net.TCPAddr{IP: net.ParseIP("2001:db8:1:2:ffff::1"), Port: 4}:  "2001:db8:1:2::/64",
		&net.UDPAddr{IP: net.ParseIP("fe80::1"), Port: 5, Zone: "eth0"}: "fe80::/64",
	} {
		if got, ok := addrKey(addr); !ok || got != want {
			t.Errorf("addrKey(%s) = %q, %v; want %q", addr, got, ok, want)
		}
	}
	if _, ok := addrKey(nil); ok {
		t.Error("addrKey(nil)")
	}
}

package turn

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha1"
	"encoding/base64"
	"errors"
	"log/slog"
	"net"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/pion/stun/v4"
	"github.com/pion/turn/v5"

	"github.com/bodydouble/bodydouble/internal/testlog"
)

var testSecret = []byte("turn-test-secret-0123456789")

// start runs a server on a free loopback port.
func start(t *testing.T, o Options) *Server {
	t.Helper()
	if o.Addr == "" {
		o.Addr = "127.0.0.1:0"
	}
	if o.Secret == nil {
		o.Secret = testSecret
	}
	if o.Logger == nil {
		o.Logger = testLogger(t)
	}
	s, err := New(o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// testLogger logs warnings to a buffer shown if t fails. (pion's
// goroutines may still log after the test ends: not to t.Output.)
func testLogger(t *testing.T) *slog.Logger {
	t.Helper()
	b := &testlog.Buffer{}
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("log:\n%s", b.String())
		}
	})
	return slog.New(slog.NewTextHandler(b, &slog.HandlerOptions{Level: slog.LevelWarn}))
}

// client is a pion TURN client of s over UDP, or TCP with overTCP.
func client(t *testing.T, s *Server, username, password string, overTCP bool) *turn.Client {
	t.Helper()
	return clientFrom(t, s, "127.0.0.1", username, password, overTCP)
}

// udpPeer is a UDP socket on loopback that reports what it receives.
func udpPeer(t *testing.T) (net.PacketConn, <-chan datagram) {
	t.Helper()
	pc, err := net.ListenPacket("udp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { pc.Close() })
	got := make(chan datagram, 16)
	go func() {
		buf := make([]byte, 2048)
		for {
			n, from, err := pc.ReadFrom(buf)
			if err != nil {
				close(got)
				return
			}
			got <- datagram{append([]byte(nil), buf[:n]...), from}
		}
	}()
	return pc, got
}

type datagram struct {
	data []byte
	from net.Addr
}

func TestRelayToLocalPeer(t *testing.T) {
	t.Parallel()
	s := start(t, Options{AllowLocal: true})
	if s.RelayIP() != netip.MustParseAddr("127.0.0.1") {
		t.Fatalf("relay IP %s, want the listen IP", s.RelayIP())
	}
	for _, overTCP := range []bool{false, true} {
		name := map[bool]string{false: "udp", true: "tcp"}[overTCP]
		t.Run(name, func(t *testing.T) {
			user, pass := Credentials(testSecret, "user-1", "token-1", time.Hour, time.Now())
			c := client(t, s, user, pass, overTCP)

			// STUN: the server tells the client its address.
			mapped, err := c.SendBindingRequest()
			if err != nil {
				t.Fatalf("binding: %v", err)
			}
			if !strings.HasPrefix(mapped.String(), "127.0.0.1:") {
				t.Errorf("mapped address %s", mapped)
			}

			relay, err := c.Allocate()
			if err != nil {
				t.Fatalf("allocate: %v", err)
			}
			defer relay.Close()
			relayAddr := relay.LocalAddr().(*net.UDPAddr)
			if !relayAddr.IP.Equal(net.IPv4(127, 0, 0, 1)) || relayAddr.Port == 0 {
				t.Fatalf("relayed address %s", relayAddr)
			}

			peer, got := udpPeer(t)
			msg := []byte("hello through the relay over " + name)
			if _, err := relay.WriteTo(msg, peer.LocalAddr()); err != nil {
				t.Fatalf("write: %v", err)
			}
			select {
			case d := <-got:
				if !bytes.Equal(d.data, msg) || d.from.String() != relayAddr.String() {
					t.Fatalf("peer got %q from %s, want %q from %s", d.data, d.from, msg, relayAddr)
				}
			case <-time.After(5 * time.Second):
				t.Fatal("the peer got nothing")
			}

			// And back: the peer has permission now.
			// (Longer than 4 bytes: pion's TCP framing waits for a 9th byte.)
			if _, err := peer.WriteTo([]byte("pong from the peer"), relayAddr); err != nil {
				t.Fatal(err)
			}
			relay.SetReadDeadline(time.Now().Add(5 * time.Second))
			buf := make([]byte, 64)
			n, from, err := relay.ReadFrom(buf)
			if err != nil || string(buf[:n]) != "pong from the peer" || from.String() != peer.LocalAddr().String() {
				t.Fatalf("relay read %q from %v: %v", buf[:n], from, err)
			}
		})
	}
}

// TestRelayToRelay: two clients that both need a relay reach each other
// relay to relay, as two browsers forced to relay do.
func TestRelayToRelay(t *testing.T) {
	t.Parallel()
	s := start(t, Options{AllowLocal: true})
	userA, passA := Credentials(testSecret, "a", "token-a", time.Hour, time.Now())
	userB, passB := Credentials(testSecret, "b", "token-b", time.Hour, time.Now())
	relayA, err := client(t, s, userA, passA, false).Allocate()
	if err != nil {
		t.Fatal(err)
	}
	defer relayA.Close()
	relayB, err := client(t, s, userB, passB, true).Allocate()
	if err != nil {
		t.Fatal(err)
	}
	defer relayB.Close()
	// B must permit A first (as ICE connectivity checks do both ways).
	if _, err := relayB.WriteTo([]byte("open the door"), relayA.LocalAddr()); err != nil {
		t.Fatal(err)
	}
	got := make(chan string, 1)
	go func() {
		buf := make([]byte, 1500)
		relayB.SetReadDeadline(time.Now().Add(5 * time.Second))
		for {
			n, from, err := relayB.ReadFrom(buf)
			if err != nil {
				close(got)
				return
			}
			if from.String() == relayA.LocalAddr().String() {
				got <- string(buf[:n])
				return
			}
		}
	}()
	// A keeps sending until B hears (B's permission may land after A's first packet).
	for i := 0; i < 50; i++ {
		if _, err := relayA.WriteTo([]byte("media packet"), relayB.LocalAddr()); err != nil {
			t.Fatal(err)
		}
		select {
		case msg, ok := <-got:
			if !ok || msg != "media packet" {
				t.Fatalf("B read %q, ok=%v", msg, ok)
			}
			return
		case <-time.After(100 * time.Millisecond):
		}
	}
	t.Fatal("nothing arrived relay to relay")
}

func TestLocalPeersRefused(t *testing.T) {
	t.Parallel()
	s := start(t, Options{AllowLocal: false})
	user, pass := Credentials(testSecret, "user-2", "token-2", time.Hour, time.Now())
	c := client(t, s, user, pass, false)
	relay, err := c.Allocate()
	if err != nil {
		t.Fatalf("allocate: %v", err)
	}
	defer relay.Close()
	peer, got := udpPeer(t)

	var te *stun.TurnError
	if err := c.CreatePermission(peer.LocalAddr()); !errors.As(err, &te) || te.ErrorCodeAttr.Code != stun.CodeForbidden {
		t.Fatalf("permission to a loopback peer: %v, want 403", err)
	}
	for _, ip := range []string{"127.1.2.3", "10.0.0.1", "192.168.1.1", "172.16.0.1", "169.254.1.1", "0.0.0.0"} {
		if err := c.CreatePermission(&net.UDPAddr{IP: net.ParseIP(ip), Port: 9}); err == nil {
			t.Errorf("permission to %s granted", ip)
		}
	}
	// Sending fails too, and nothing reaches the peer.
	if _, err := relay.WriteTo([]byte("sneaky"), peer.LocalAddr()); err == nil {
		t.Error("relay wrote to a loopback peer")
	}
	select {
	case d := <-got:
		t.Fatalf("loopback peer got %q", d.data)
	case <-time.After(300 * time.Millisecond):
	}
}

func TestCredentialsRefused(t *testing.T) {
	t.Parallel()
	s := start(t, Options{AllowLocal: true})
	now := time.Now()
	expiredUser, expiredPass := Credentials(testSecret, "user-3", "token-3", time.Hour, now.Add(-2*time.Hour))
	goodUser, goodPass := Credentials(testSecret, "user-3", "token-3", time.Hour, now)
	otherUser, otherPass := Credentials([]byte("another-secret-entirely-0000"), "user-3", "token-3", time.Hour, now)
	expiry := strings.Split(goodUser, ":")[0]
	signed := func(username string) [2]string { return [2]string{username, passwordFor(testSecret, username)} }
	for name, cred := range map[string][2]string{
		"expired":        {expiredUser, expiredPass},
		"wrong password": {goodUser, goodPass + "x"},
		"other secret":   {otherUser, otherPass},
		"other user":     {strings.Replace(goodUser, "user-3", "user-4", 1), goodPass},
		"other token":    {strings.Replace(goodUser, "token-3", "token-4", 1), goodPass},
		"no expiry":      signed("user-3:token-3"),
		"no user":        signed(expiry + "::token-3"),
		"no token":       signed(expiry + ":user-3:"),
		"old form":       signed(expiry + ":user-3"),
		"extra field":    signed(goodUser + ":x"),
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			c := client(t, s, cred[0], cred[1], false)
			relay, err := c.Allocate()
			if err == nil {
				relay.Close()
				t.Fatal("allocation granted")
			}
		})
	}
}

// TestAuthenticateExpiry: credentials work for every method until their
// expiry and for none from then on (no grace for refreshes).
func TestAuthenticateExpiry(t *testing.T) {
	t.Parallel()
	s := &Server{secret: testSecret, log: slog.New(slog.DiscardHandler), tokens: map[string]tokenState{}}
	minted := time.Unix(1_000_000, 0)
	user, pass := Credentials(testSecret, "u", "tok", time.Hour, minted)
	expiry := minted.Add(time.Hour)
	src := &net.UDPAddr{IP: net.IPv4(198, 51, 100, 4), Port: 5000}
	for _, method := range []stun.Method{stun.MethodAllocate, stun.MethodRefresh, stun.MethodCreatePermission, stun.MethodChannelBind} {
		for _, tc := range []struct {
			at time.Time
			ok bool
		}{{expiry.Add(-time.Second), true}, {expiry, false}, {expiry.Add(time.Hour), false}} {
			s.now = func() time.Time { return tc.at }
			id, key, ok := s.authenticate(&turn.RequestAttributes{Username: user, Realm: DefaultRealm, Method: method, SrcAddr: src})
			if ok != tc.ok {
				t.Errorf("%s at expiry%+v: ok=%v", method, tc.at.Sub(expiry), ok)
			}
			if ok && (id != "198.51.100.4 "+user || !bytes.Equal(key, turn.GenerateAuthKey(user, DefaultRealm, pass))) {
				t.Errorf("%s: owner %q, key %x", method, id, key)
			}
		}
	}
}

func TestCredentials(t *testing.T) {
	t.Parallel()
	now := time.Unix(1_700_000_000, 0)
	user, pass := Credentials(testSecret, "abc-123", "tok-456", time.Hour, now)
	if user != "1700003600:abc-123:tok-456" {
		t.Fatalf("username %q", user)
	}
	if c, ok := ParseUsername(user); !ok || c.UserID != "abc-123" || c.TokenID != "tok-456" || !c.Expiry.Equal(now.Add(time.Hour)) {
		t.Fatalf("ParseUsername(%q) = %+v, %v", user, c, ok)
	}
	// The TURN REST API password, as coturn computes it.
	m := hmac.New(sha1.New, testSecret)
	m.Write([]byte(user))
	if want := base64.StdEncoding.EncodeToString(m.Sum(nil)); pass != want {
		t.Fatalf("password %q, want %q", pass, want)
	}
	if !Valid(testSecret, user, pass, now) || !Valid(testSecret, user, pass, now.Add(time.Hour-time.Second)) {
		t.Error("fresh credentials invalid")
	}
	if Valid(testSecret, user, pass, now.Add(time.Hour)) {
		t.Error("expired credentials valid")
	}
	if Valid(testSecret, user, pass+"=", now) || Valid([]byte("x"), user, pass, now) || Valid(testSecret, "junk", pass, now) {
		t.Error("forged credentials valid")
	}
	for _, bad := range []string{"", "1700003600", "1700003600:u", "1700003600:u:", "1700003600::t", "x:u:t", "0:u:t", "-5:u:t", "1700003600:u:t:x"} {
		if _, ok := ParseUsername(bad); ok {
			t.Errorf("ParseUsername(%q) accepted", bad)
		}
	}
	a, b := DeriveSecret("token-secret-one-0123456789-0123456789"), DeriveSecret("token-secret-one-0123456789-0123456789")
	if !bytes.Equal(a, b) || bytes.Equal(a, DeriveSecret("token-secret-two-0123456789-0123456789")) || len(a) != 32 {
		t.Error("DeriveSecret is not a stable function of the token secret")
	}
}

func TestPublicPeer(t *testing.T) {
	t.Parallel()
	for ip, want := range map[string]bool{
		"8.8.8.8": true, "1.1.1.1": true, "2001:4860:4860::8888": true, "::ffff:8.8.8.8": true,
		"192.0.2.2": false, "198.51.100.1": false, "203.0.113.7": false, "2001:db8::1": false,
		"127.0.0.1": false, "127.9.9.9": false, "::1": false, "::ffff:127.0.0.1": false,
		"10.1.2.3": false, "172.16.5.4": false, "172.31.255.255": false, "192.168.0.1": false,
		"100.64.0.1": false, "169.254.169.254": false, "fe80::1": false, "fc00::1": false, "fd12::1": false,
		"0.0.0.0": false, "::": false, "0.1.2.3": false, "224.0.0.1": false, "255.255.255.255": false,
		"ff02::1": false, "64:ff9b::a00:1": false, "64:ff9b::808:808": true,
	} {
		if got := PublicPeer(net.ParseIP(ip)); got != want {
			t.Errorf("PublicPeer(%s) = %v, want %v", ip, got, want)
		}
	}
	if PublicPeer(nil) {
		t.Error("PublicPeer(nil)")
	}
}

func TestRelayPortRange(t *testing.T) {
	t.Parallel()
	// Find a few free ports to make a range of.
	pc, err := net.ListenPacket("udp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	base := pc.LocalAddr().(*net.UDPAddr).Port
	pc.Close()
	lo, hi := base, min(base+20, 65535)
	s := start(t, Options{AllowLocal: true, RelayPortMin: lo, RelayPortMax: hi})
	user, pass := Credentials(testSecret, "user-5", "token-5", time.Hour, time.Now())
	relay, err := client(t, s, user, pass, false).Allocate()
	if err != nil {
		t.Fatalf("allocate: %v", err)
	}
	defer relay.Close()
	if p := relay.LocalAddr().(*net.UDPAddr).Port; p < lo || p > hi {
		t.Fatalf("relay port %d outside %d-%d", p, lo, hi)
	}
	for _, bad := range [][2]int{{1, 0}, {0, 5}, {10, 5}, {1, 70000}} {
		if _, err := New(Options{Addr: "127.0.0.1:0", Secret: testSecret, RelayPortMin: bad[0], RelayPortMax: bad[1]}); err == nil {
			t.Errorf("relay ports %v accepted", bad)
		}
	}
}

func TestOptionsAndPortTaken(t *testing.T) {
	t.Parallel()
	s := start(t, Options{})
	// The same address again: taken on both transports.
	if _, err := New(Options{Addr: s.Addr().String(), Secret: testSecret}); err == nil {
		t.Fatal("second server on a taken port")
	}
	// A UDP socket alone on the port is enough to refuse.
	pc, err := net.ListenPacket("udp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer pc.Close()
	if _, err := New(Options{Addr: pc.LocalAddr().String(), Secret: testSecret}); err == nil {
		t.Fatal("server on a taken UDP port")
	}
	for _, o := range []Options{
		{Addr: "127.0.0.1:0"},
		{Addr: "localhost:0", Secret: testSecret},
		{Addr: "127.0.0.1", Secret: testSecret},
		{Addr: "127.0.0.1:0", Secret: testSecret, PublicIP: "not-an-ip"},
		{Addr: "127.0.0.1:0", Secret: testSecret, PublicIP: "0.0.0.0"},
		{Addr: "127.0.0.1:0", Secret: testSecret, PublicIP: "2001:db8::1"},
	} {
		o.Logger = slog.New(slog.DiscardHandler)
		if s, err := New(o); err == nil {
			s.Close()
			t.Errorf("New(%+v) accepted", o)
		}
	}
	// A configured public IP is what relays advertise.
	p := start(t, Options{PublicIP: "203.0.113.7"})
	if p.RelayIP().String() != "203.0.113.7" {
		t.Errorf("relay IP %s", p.RelayIP())
	}
}

// TestCloseEndsClients: Close frees the port and drops TCP clients.
func TestCloseEndsClients(t *testing.T) {
	t.Parallel()
	s := start(t, Options{AllowLocal: true})
	conn, err := net.Dial("tcp", s.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	time.Sleep(50 * time.Millisecond) // let the server accept it
	if err := s.Close(); err != nil {
		t.Fatalf("close: %v", err)
	}
	s.Close() // twice is fine
	conn.SetReadDeadline(time.Now().Add(5 * time.Second))
	if _, err := conn.Read(make([]byte, 1)); err == nil || errors.Is(err, errors.ErrUnsupported) {
		t.Fatalf("TCP client still connected: %v", err)
	}
	var nerr net.Error
	if errors.As(err, &nerr) && nerr.Timeout() {
		t.Fatal("TCP client not disconnected")
	}
	again, err := New(Options{Addr: s.Addr().String(), Secret: testSecret})
	if err != nil {
		t.Fatalf("port not freed: %v", err)
	}
	again.Close()
}

func TestICEServers(t *testing.T) {
	t.Parallel()
	now := time.Unix(1_700_000_000, 0)
	ice := &ICE{Port: 3478, Secret: testSecret, External: []ICEServer{
		{URLs: []string{"stun:stun.example.org:3478"}},
		{URLs: []string{"turn:coturn.example.org:3478?transport=udp", "turns:coturn.example.org:5349"}},
		{URLs: []string{"turn:static.example.org"}, Username: "fixed", Credential: "pw"},
	}}
	got := ice.Servers("focus.example.org:8443", "uid", "tid", now)
	if len(got) != 4 {
		t.Fatalf("servers %+v", got)
	}
	want := []string{"stun:focus.example.org:3478", "turn:focus.example.org:3478?transport=udp", "turn:focus.example.org:3478?transport=tcp"}
	if strings.Join(got[0].URLs, " ") != strings.Join(want, " ") {
		t.Errorf("built-in URLs %v", got[0].URLs)
	}
	if c, ok := ParseUsername(got[0].Username); !ok || c.UserID != "uid" || c.TokenID != "tid" {
		t.Errorf("built-in username %q does not name the user and the session", got[0].Username)
	}
	if !Valid(testSecret, got[0].Username, got[0].Credential, now.Add(DefaultTTL-time.Second)) || Valid(testSecret, got[0].Username, got[0].Credential, now.Add(DefaultTTL)) {
		t.Errorf("built-in credentials %q/%q not valid for DefaultTTL", got[0].Username, got[0].Credential)
	}
	if got[1].Username != "" || got[1].Credential != "" {
		t.Errorf("STUN-only entry got credentials: %+v", got[1])
	}
	if got[2].Username != got[0].Username || got[2].Credential != got[0].Credential {
		t.Errorf("coturn entry %+v, want minted credentials", got[2])
	}
	if got[3].Username != "fixed" || got[3].Credential != "pw" {
		t.Errorf("static entry %+v", got[3])
	}

	// The configured host wins; IPv6 hosts are bracketed; no port, no built-in.
	if u := (&ICE{Port: 3478, Host: "203.0.113.7", Secret: testSecret}).Servers("x:1", "u", "t", now)[0].URLs[0]; u != "stun:203.0.113.7:3478" {
		t.Errorf("configured host: %s", u)
	}
	if u := (&ICE{Port: 3478, Secret: testSecret}).Servers("[::1]:8080", "u", "t", now)[0].URLs[0]; u != "stun:[::1]:3478" {
		t.Errorf("IPv6 request host: %s", u)
	}
	if u := (&ICE{Port: 3478, Secret: testSecret}).Servers("localhost", "u", "t", now)[0].URLs[1]; u != "turn:localhost:3478?transport=udp" {
		t.Errorf("request host without port: %s", u)
	}
	if got := (&ICE{Secret: testSecret}).Servers("x", "u", "t", now); got == nil || len(got) != 0 {
		t.Errorf("no servers: %#v", got)
	}
	if got := (*ICE)(nil).Servers("x", "u", "t", now); got == nil || len(got) != 0 {
		t.Errorf("nil ICE: %#v", got)
	}
}

func TestChooseRelayIP(t *testing.T) {
	t.Parallel()
	if ip, guessed, err := chooseRelayIP("198.51.100.9", netip.MustParseAddr("127.0.0.1")); err != nil || guessed || ip.String() != "198.51.100.9" {
		t.Errorf("configured: %s %v %v", ip, guessed, err)
	}
	if ip, guessed, err := chooseRelayIP("::ffff:198.51.100.9", netip.Addr{}); err != nil || guessed || ip.String() != "198.51.100.9" {
		t.Errorf("configured, mapped: %s %v %v", ip, guessed, err)
	}
	if ip, guessed, err := chooseRelayIP("", netip.MustParseAddr("127.0.0.1")); err != nil || guessed || ip.String() != "127.0.0.1" {
		t.Errorf("listen IP: %s %v %v", ip, guessed, err)
	}
	// Nothing configured, every interface: a public interface address, or
	// 127.0.0.1 with a warning. (This only reads the interface table.)
	ip, guessed, err := chooseRelayIP("", netip.IPv4Unspecified())
	if err != nil || !guessed || !(ip.String() == "127.0.0.1" || (ip.Is4() && PublicPeer(ip.AsSlice()))) {
		t.Errorf("guessed: %s %v %v", ip, guessed, err)
	}
	if _, _, err := chooseRelayIP("fe80::1%eth0", netip.Addr{}); err == nil {
		t.Error("zoned public IP accepted")
	}
}

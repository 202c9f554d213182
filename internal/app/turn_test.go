package app

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pion/logging"
	"github.com/pion/stun/v4"
	pionturn "github.com/pion/turn/v5"

	"github.com/bodydouble/bodydouble/internal/config"
	"github.com/bodydouble/bodydouble/internal/testlog"
	"github.com/bodydouble/bodydouble/internal/turn"
)

const testTokenSecret = "app-test-secret-0123456789-0123456789"

// startApp runs the whole app on loopback with cfg changed by configure.
// It shuts down when the test ends, or earlier with stop.
func startApp(t *testing.T, configure func(*config.Config)) (a *App, logs *testlog.Buffer, stop func()) {
	t.Helper()
	cfg := config.Default()
	cfg.Addr = "127.0.0.1:0"
	cfg.DataDir = t.TempDir()
	cfg.Secret = testTokenSecret
	cfg.TURNAddr = "127.0.0.1:0"
	cfg.TURNAllowLocal = true
	if configure != nil {
		configure(&cfg)
	}
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	logs = &testlog.Buffer{}
	log := slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelInfo}))
	a, err := New(t.Context(), cfg, log)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	if err := a.Start(t.Context()); err != nil {
		a.closeBackends()
		t.Fatalf("Start: %v", err)
	}
	var once sync.Once
	stop = func() {
		once.Do(func() {
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			if err := a.Shutdown(ctx); err != nil {
				t.Errorf("Shutdown: %v", err)
			}
		})
	}
	t.Cleanup(func() {
		stop()
		if t.Failed() {
			t.Logf("app log:\n%s", logs.String())
		}
	})
	return a, logs, stop
}

type iceServer struct {
	URLs       []string `json:"urls"`
	Username   string   `json:"username"`
	Credential string   `json:"credential"`
}

// iceServers signs up and fetches /api/rtc/ice-servers; it returns the
// list and the user's id.
func iceServers(t *testing.T, a *App) ([]iceServer, string) {
	t.Helper()
	s := signUp(t, a)
	return s.iceServers(t), s.userID
}

// session is a signed-up person of an App.
type session struct {
	base, token, userID string
}

// signUp creates an anonymous user through the API.
func signUp(t *testing.T, a *App) session {
	t.Helper()
	base := "http://" + a.Addr().String()
	res, err := http.Post(base+"/api/auth/anonymous", "application/json", nil)
	if err != nil {
		t.Fatal(err)
	}
	var auth struct {
		Token string `json:"token"`
		User  struct {
			ID string `json:"id"`
		} `json:"user"`
	}
	err = json.NewDecoder(res.Body).Decode(&auth)
	res.Body.Close()
	if err != nil || res.StatusCode != http.StatusCreated {
		t.Fatalf("sign up: %d %v", res.StatusCode, err)
	}
	return session{base: base, token: auth.Token, userID: auth.User.ID}
}

// call sends an authenticated request without a body and returns the
// answer, whose body the caller closes.
func (s session) call(t *testing.T, method, path string) *http.Response {
	t.Helper()
	req, _ := http.NewRequest(method, s.base+path, nil)
	req.Header.Set("Authorization", "Bearer "+s.token)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// iceServers fetches /api/rtc/ice-servers.
func (s session) iceServers(t *testing.T) []iceServer {
	t.Helper()
	res := s.call(t, "GET", "/api/rtc/ice-servers")
	defer res.Body.Close()
	var body struct {
		ICEServers []iceServer `json:"iceServers"`
	}
	if err := json.NewDecoder(res.Body).Decode(&body); err != nil || res.StatusCode != http.StatusOK || body.ICEServers == nil {
		t.Fatalf("ice-servers: %d %v", res.StatusCode, err)
	}
	return body.ICEServers
}

func TestBuiltInTURN(t *testing.T) {
	t.Parallel()
	a, logs, stop := startApp(t, nil)
	addr := a.TURNAddr()
	if !strings.HasPrefix(addr, "127.0.0.1:") || strings.HasSuffix(addr, ":0") {
		t.Fatalf("TURNAddr %q", addr)
	}
	list, userID := iceServers(t, a)
	if len(list) != 1 {
		t.Fatalf("ice servers %+v", list)
	}
	if want := "turn:" + addr + "?transport=udp"; list[0].URLs[1] != want {
		t.Errorf("urls %v, want %s", list[0].URLs, want)
	}
	// Credentials from the secret derived from the token secret, for this user.
	secret := turn.DeriveSecret(testTokenSecret)
	if c, ok := turn.ParseUsername(list[0].Username); !turn.Valid(secret, list[0].Username, list[0].Credential, time.Now()) || !ok || c.UserID != userID {
		t.Errorf("credentials %q/%q", list[0].Username, list[0].Credential)
	}
	if got := a.ICE().Servers("127.0.0.1", userID, "token-id", time.Now()); len(got) != 1 || got[0].URLs[0] != "stun:"+addr {
		t.Errorf("ICE() servers %+v", got)
	}
	if strings.Contains(logs.String(), "level=WARN") {
		t.Errorf("warnings:\n%s", logs.String())
	}

	// Shutdown frees the TURN port.
	stop()
	pc, err := net.ListenPacket("udp4", addr)
	if err != nil {
		t.Fatalf("TURN port still taken after shutdown: %v", err)
	}
	pc.Close()
	ln, err := net.Listen("tcp4", addr)
	if err != nil {
		t.Fatalf("TURN TCP port still taken after shutdown: %v", err)
	}
	ln.Close()
}

// TestTURNPortTaken: the app starts anyway, says why, and hands out no
// built-in TURN server.
func TestTURNPortTaken(t *testing.T) {
	t.Parallel()
	taken, err := net.ListenPacket("udp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer taken.Close()
	a, logs, _ := startApp(t, func(c *config.Config) {
		c.TURNAddr = taken.LocalAddr().String()
		c.TURNSecret = "coturn-shared-secret-0123"
		c.ICEServers = []config.ICEServer{{URLs: []string{"turn:turn.example.org:3478"}}}
	})
	if a.TURNAddr() != "" {
		t.Errorf("TURNAddr %q with the port taken", a.TURNAddr())
	}
	if !strings.Contains(logs.String(), "level=WARN") || !strings.Contains(logs.String(), "STUN/TURN") {
		t.Errorf("no warning in:\n%s", logs.String())
	}
	list, _ := iceServers(t, a)
	if len(list) != 1 || list[0].URLs[0] != "turn:turn.example.org:3478" {
		t.Fatalf("ice servers %+v, want only the external one", list)
	}
	if !turn.Valid([]byte("coturn-shared-secret-0123"), list[0].Username, list[0].Credential, time.Now()) {
		t.Errorf("external TURN credentials %q/%q not minted with --turn-secret", list[0].Username, list[0].Credential)
	}
}

func TestTURNOff(t *testing.T) {
	t.Parallel()
	a, _, _ := startApp(t, func(c *config.Config) { c.TURNAddr = config.TURNOff })
	if a.TURNAddr() != "" {
		t.Errorf("TURNAddr %q when off", a.TURNAddr())
	}
	if list, _ := iceServers(t, a); len(list) != 0 {
		t.Errorf("ice servers %+v when off", list)
	}
}

// TestTURNHost: --turn-public-ip, else --public-url's host, else the
// request's host names the built-in server; the secret is --turn-secret,
// else derived from the token secret.
func TestTURNHost(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		publicURL, publicIP, turnSecret string
		wantHost                        string
	}{
		{"", "", "", ""},
		{"https://focus.example.org", "", "", "focus.example.org"},
		{"https://focus.example.org:8443", "", "", "focus.example.org"},
		{"https://focus.example.org", "203.0.113.7", "coturn-shared-secret-0123", "203.0.113.7"},
	} {
		cfg := config.Default()
		cfg.PublicURL, cfg.TURNPublicIP, cfg.TURNSecret = tc.publicURL, tc.publicIP, tc.turnSecret
		a := &App{cfg: cfg}
		a.setupICE(testTokenSecret)
		ice := a.ICE()
		if ice.Host != tc.wantHost || ice.Port != 0 {
			t.Errorf("%+v: host %q port %d", tc, ice.Host, ice.Port)
		}
		want := turn.DeriveSecret(testTokenSecret)
		if tc.turnSecret != "" {
			want = []byte(tc.turnSecret)
		}
		if !bytes.Equal(ice.Secret, want) {
			t.Errorf("%+v: secret %x", tc, ice.Secret)
		}
	}
}

// turnAllocate makes a TURN allocation on a's built-in server with the
// credentials of server, from a new UDP socket on loopback.
func turnAllocate(t *testing.T, a *App, server iceServer) (net.PacketConn, error) {
	t.Helper()
	conn, err := net.ListenPacket("udp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	c, err := pionturn.NewClient(&pionturn.ClientConfig{
		STUNServerAddr: a.TURNAddr(), TURNServerAddr: a.TURNAddr(),
		Username: server.Username, Password: server.Credential,
		Conn: conn, RTO: 100 * time.Millisecond,
		LoggerFactory: &logging.DefaultLoggerFactory{Writer: io.Discard, DefaultLogLevel: logging.LogLevelDisabled},
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	if err := c.Listen(); err != nil {
		t.Fatal(err)
	}
	relay, err := c.Allocate()
	if err == nil {
		t.Cleanup(func() { relay.Close() })
	}
	return relay, err
}

// TestTURNLogout: a logout closes the session's relays at once and its
// TURN credentials are refused; a token revoked in the store only (a
// logout this instance did not hear of) is refused too; other people's
// relays go on.
func TestTURNLogout(t *testing.T) {
	t.Parallel()
	a, _, _ := startApp(t, nil)
	alice, bob, carol := signUp(t, a), signUp(t, a), signUp(t, a)
	ia, ib, ic := alice.iceServers(t)[0], bob.iceServers(t)[0], carol.iceServers(t)[0]
	if _, err := turnAllocate(t, a, ia); err != nil {
		t.Fatalf("alice: %v", err)
	}
	if _, err := turnAllocate(t, a, ib); err != nil {
		t.Fatalf("bob: %v", err)
	}
	if n := a.turn.Allocations(); n != 2 {
		t.Fatalf("%d allocations", n)
	}

	res := alice.call(t, "POST", "/api/auth/logout")
	res.Body.Close()
	if res.StatusCode != http.StatusNoContent {
		t.Fatalf("logout: %d", res.StatusCode)
	}
	for deadline := time.Now().Add(5 * time.Second); a.turn.Allocations() != 1; time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("%d allocations after alice logged out, want bob's alone", a.turn.Allocations())
		}
	}
	var te *stun.TurnError
	if _, err := turnAllocate(t, a, ia); !errors.As(err, &te) || te.ErrorCodeAttr.Code != stun.CodeUnauthorized {
		t.Errorf("allocation with a logged-out session's credentials: %v, want 401", err)
	}
	if _, err := turnAllocate(t, a, ib); err != nil {
		t.Errorf("bob after alice's logout: %v", err)
	}

	cred, ok := turn.ParseUsername(ic.Username)
	if !ok || cred.UserID != carol.userID {
		t.Fatalf("carol's username %q", ic.Username)
	}
	if err := a.store.RevokeToken(t.Context(), cred.TokenID, time.Now().Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if _, err := turnAllocate(t, a, ic); !errors.As(err, &te) || te.ErrorCodeAttr.Code != stun.CodeAllocQuotaReached {
		t.Errorf("allocation with a token revoked in the store: %v, want 486", err)
	}
	if n := a.turn.Allocations(); n != 2 {
		t.Errorf("%d allocations, want bob's two", n)
	}
}

// TestTURNAddressCap: the built-in server caps relays per client address
// (32), except with --rate-limit=off, whose load tests bring many people
// from one address; each person's own cap (16) stays.
func TestTURNAddressCap(t *testing.T) {
	t.Parallel()
	for _, rateLimit := range []bool{true, false} {
		t.Run(map[bool]string{true: "rate limits on", false: "rate limits off"}[rateLimit], func(t *testing.T) {
			t.Parallel()
			a, _, _ := startApp(t, func(c *config.Config) { c.RateLimit = rateLimit })
			var people []iceServer
			for range 3 {
				people = append(people, signUp(t, a).iceServers(t)[0])
			}
			var te *stun.TurnError
			granted := 0
			for i := range 33 {
				_, err := turnAllocate(t, a, people[i%3])
				switch {
				case err == nil:
					granted++
				case !errors.As(err, &te) || te.ErrorCodeAttr.Code != stun.CodeAllocQuotaReached:
					t.Fatalf("allocation %d: %v", i+1, err)
				}
			}
			if want := map[bool]int{true: 32, false: 33}[rateLimit]; granted != want {
				t.Fatalf("%d of 33 allocations of 3 people from one address granted, want %d", granted, want)
			}
			if !rateLimit {
				for i := range 5 { // person 0 holds 11: 5 more reach 16
					if _, err := turnAllocate(t, a, people[0]); err != nil {
						t.Fatalf("a person's relay %d: %v", 12+i, err)
					}
				}
				if _, err := turnAllocate(t, a, people[0]); !errors.As(err, &te) || te.ErrorCodeAttr.Code != stun.CodeAllocQuotaReached {
					t.Fatalf("a person's 17th relay: %v, want 486", err)
				}
			}
		})
	}
}

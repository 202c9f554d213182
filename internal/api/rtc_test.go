package api

import (
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pion/logging"
	pionturn "github.com/pion/turn/v5"

	"github.com/bodydouble/bodydouble/internal/auth"
	"github.com/bodydouble/bodydouble/internal/httpx"
	"github.com/bodydouble/bodydouble/internal/store/storetest"
	"github.com/bodydouble/bodydouble/internal/turn"
)

var turnTestSecret = []byte("api-test-turn-secret-0123456789")

type iceBody struct {
	ICEServers []struct {
		URLs       []string `json:"urls"`
		Username   string   `json:"username"`
		Credential string   `json:"credential"`
	} `json:"iceServers"`
}

func TestICEServers(t *testing.T) {
	t.Parallel()
	eachBackend(t, func(t *testing.T, e *testEnv) {
		var ice atomic.Pointer[turn.ICE]
		ice.Store(&turn.ICE{Port: 3478, Secret: turnTestSecret, External: []turn.ICEServer{{URLs: []string{"stun:stun.example.org"}}}})
		base := e.instance(t, func(o *Options) {
			o.ICE = ice.Load
			o.Proxies = httpx.Proxies{netip.MustParsePrefix("127.0.0.1/32")}
		})
		(&client{base: base}).do(t, "GET", "/api/rtc/ice-servers", nil).problem(t, http.StatusUnauthorized, "unauthorized")
		(&client{base: base, token: "nonsense"}).do(t, "GET", "/api/rtc/ice-servers", nil).problem(t, http.StatusUnauthorized, "unauthorized")

		me := e.signup(t).at(base)
		authSvc, err := auth.NewService(e.store, testSecret, e.clock.Now)
		if err != nil {
			t.Fatal(err)
		}
		session, err := authSvc.Verify(t.Context(), me.token)
		if err != nil {
			t.Fatal(err)
		}
		if turn.DefaultTTL > 4*time.Hour {
			t.Errorf("credentials live %v: a few hours at most", turn.DefaultTTL)
		}
		for _, who := range []*client{me, me.asCookie()} {
			res := who.do(t, "GET", "/api/rtc/ice-servers", nil).want(t, http.StatusOK)
			if res.header.Get("Cache-Control") != "no-store" || res.header.Get("Content-Type") != "application/json" {
				t.Errorf("headers %v", res.header)
			}
			var body iceBody
			res.decode(t, &body)
			if len(body.ICEServers) != 2 {
				t.Fatalf("body %s", res.body)
			}
			own := body.ICEServers[0]
			want := []string{"stun:127.0.0.1:3478", "turn:127.0.0.1:3478?transport=udp", "turn:127.0.0.1:3478?transport=tcp"}
			if strings.Join(own.URLs, " ") != strings.Join(want, " ") {
				t.Errorf("urls %v, want %v (the request's host)", own.URLs, want)
			}
			// TURN REST API credentials for this user and this session
			// (so that they die with it), valid for turn.DefaultTTL.
			expiry, _, _ := strings.Cut(own.Username, ":")
			cred, ok := turn.ParseUsername(own.Username)
			if !ok || cred.UserID != me.userID || cred.TokenID != session.TokenID || expiry != strconv.FormatInt(e.clock.Now().Add(turn.DefaultTTL).Unix(), 10) {
				t.Errorf("username %q for user %s, token %s", own.Username, me.userID, session.TokenID)
			}
			if !turn.Valid(turnTestSecret, own.Username, own.Credential, e.clock.Now().Add(turn.DefaultTTL-time.Second)) {
				t.Errorf("credentials %q/%q are not valid", own.Username, own.Credential)
			}
			if turn.Valid(turnTestSecret, own.Username, own.Credential, e.clock.Now().Add(turn.DefaultTTL)) {
				t.Error("credentials outlive turn.DefaultTTL")
			}
			if ext := body.ICEServers[1]; len(ext.URLs) != 1 || ext.Username != "" || ext.Credential != "" {
				t.Errorf("external STUN %+v", ext)
			}
		}

		// Behind a trusted proxy, the host people used.
		var body iceBody
		me.do(t, "GET", "/api/rtc/ice-servers", nil, "X-Forwarded-Host", "focus.example.org").want(t, http.StatusOK).decode(t, &body)
		if u := body.ICEServers[0].URLs[0]; u != "stun:focus.example.org:3478" {
			t.Errorf("forwarded host: %s", u)
		}
		// A configured host wins.
		ice.Store(&turn.ICE{Port: 3478, Host: "203.0.113.7", Secret: turnTestSecret})
		me.do(t, "GET", "/api/rtc/ice-servers", nil, "X-Forwarded-Host", "focus.example.org").want(t, http.StatusOK).decode(t, &body)
		if u := body.ICEServers[0].URLs[1]; u != "turn:203.0.113.7:3478?transport=udp" {
			t.Errorf("configured host: %s", u)
		}

		// No TURN configured (the built-in one is off or failed): an empty list.
		ice.Store(nil)
		res := me.do(t, "GET", "/api/rtc/ice-servers", nil).want(t, http.StatusOK)
		if string(res.body) != `{"iceServers":[]}` {
			t.Errorf("without TURN: %s", res.body)
		}
		plain := e.signup(t) // e.url has no ICE option at all
		if res := plain.do(t, "GET", "/api/rtc/ice-servers", nil).want(t, http.StatusOK); string(res.body) != `{"iceServers":[]}` {
			t.Errorf("without ICE option: %s", res.body)
		}
	})
}

// TestICEServersAllocate: the credentials handed out open a relay on a
// real built-in TURN server (loopback only).
func TestICEServersAllocate(t *testing.T) {
	t.Parallel()
	srv, err := turn.New(turn.Options{
		Addr: "127.0.0.1:0", Secret: turnTestSecret, AllowLocal: true,
		Logger: slog.New(slog.DiscardHandler),
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	ice := &turn.ICE{Port: int(srv.Addr().Port()), Secret: turnTestSecret}
	e := newEnv(t, storetest.Backend{Name: "sqlite", Open: storetest.OpenSQLite})
	// This instance mints on the real clock, as the TURN server checks it.
	base := e.instance(t, func(o *Options) {
		o.ICE = func() *turn.ICE { return ice }
		o.Now = time.Now
	})
	var body iceBody
	e.signup(t).at(base).do(t, "GET", "/api/rtc/ice-servers", nil).want(t, http.StatusOK).decode(t, &body)
	own := body.ICEServers[0]
	host := strings.TrimPrefix(own.URLs[1], "turn:")
	host = strings.TrimSuffix(host, "?transport=udp")
	if host != srv.Addr().String() {
		t.Fatalf("TURN URL %s, server at %s", own.URLs[1], srv.Addr())
	}
	conn, err := net.ListenPacket("udp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	c, err := pionturn.NewClient(&pionturn.ClientConfig{
		TURNServerAddr: host, STUNServerAddr: host, Conn: conn,
		Username: own.Username, Password: own.Credential,
		LoggerFactory: quietPion{},
	})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := c.Listen(); err != nil {
		t.Fatal(err)
	}
	relay, err := c.Allocate()
	if err != nil {
		t.Fatalf("allocate with the handed-out credentials: %v", err)
	}
	relay.Close()
}

// quietPion silences the pion client, whose goroutines may outlive the test.
type quietPion struct{}

func (quietPion) NewLogger(string) logging.LeveledLogger { return quietLogger{} }

type quietLogger struct{}

func (quietLogger) Trace(string)          {}
func (quietLogger) Tracef(string, ...any) {}
func (quietLogger) Debug(string)          {}
func (quietLogger) Debugf(string, ...any) {}
func (quietLogger) Info(string)           {}
func (quietLogger) Infof(string, ...any)  {}
func (quietLogger) Warn(string)           {}
func (quietLogger) Warnf(string, ...any)  {}
func (quietLogger) Error(string)          {}
func (quietLogger) Errorf(string, ...any) {}

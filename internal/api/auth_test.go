package api

import (
	"net/http"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/bodydouble/bodydouble/internal/auth"
	"github.com/bodydouble/bodydouble/internal/httpx"
	"github.com/bodydouble/bodydouble/internal/wire"
)

type authBody struct {
	Token     string    `json:"token"`
	ExpiresAt string    `json:"expiresAt"`
	User      wire.User `json:"user"`
}

func TestAnonymous(t *testing.T) {
	t.Parallel()
	eachBackend(t, func(t *testing.T, e *testEnv) {
		anon := &client{base: e.url}
		res := anon.do(t, "POST", "/api/auth/anonymous", nil).want(t, http.StatusCreated)
		var first authBody
		res.decode(t, &first)
		if first.Token == "" || first.User.ID == "" || first.User.DisplayName == "" || first.User.AvatarURL != nil {
			t.Fatalf("body %s", res.body)
		}
		wantExp := e.clock.Now().Add(auth.TokenTTL).UTC().Format("2006-01-02T15:04:05.000Z")
		if first.ExpiresAt != wantExp {
			t.Errorf("expiresAt %q, want %q", first.ExpiresAt, wantExp)
		}
		c := res.cookie()
		if c == nil {
			t.Fatalf("no bd_session cookie: %v", res.header["Set-Cookie"])
		}
		if c.Value != first.Token || !c.HttpOnly || c.SameSite != http.SameSiteLaxMode || c.Path != "/" || c.Secure {
			t.Errorf("cookie %+v", c)
		}
		if want := int(auth.TokenTTL / time.Second); c.MaxAge != want {
			t.Errorf("cookie Max-Age %d, want %d", c.MaxAge, want)
		}

		// A second click with the cookie, or with the Bearer token, is the same person.
		me := &client{base: e.url, token: first.Token}
		for _, who := range []*client{me.asCookie(), me} {
			res := who.do(t, "POST", "/api/auth/anonymous", nil).want(t, http.StatusOK)
			var again authBody
			res.decode(t, &again)
			if again.User != first.User || again.Token != first.Token {
				t.Errorf("second click: %+v, want %+v", again, first)
			}
		}
		// A dead token does not block starting afresh.
		dead := &client{base: e.url, token: first.Token + "x"}
		res = dead.do(t, "POST", "/api/auth/anonymous", nil).want(t, http.StatusCreated)
		var fresh authBody
		res.decode(t, &fresh)
		if fresh.User.ID == first.User.ID {
			t.Error("a forged token got its user back")
		}
		// A browser on another site may not mint a cookie for us.
		anon.do(t, "POST", "/api/auth/anonymous", nil, "Origin", "https://evil.example").problem(t, http.StatusForbidden, "forbidden")
		me.asCookie().do(t, "POST", "/api/auth/anonymous", nil, "Origin", "https://evil.example").problem(t, http.StatusForbidden, "forbidden")
	})
}

func TestSession(t *testing.T) {
	t.Parallel()
	eachBackend(t, func(t *testing.T, e *testEnv) {
		(&client{base: e.url}).do(t, "GET", "/api/auth/session", nil).problem(t, http.StatusUnauthorized, "unauthorized")
		me := e.signup(t)
		for _, who := range []*client{me, me.asCookie()} {
			var s authBody
			who.do(t, "GET", "/api/auth/session", nil).want(t, http.StatusOK).decode(t, &s)
			if s.User.ID != me.userID || s.Token != me.token || s.ExpiresAt == "" {
				t.Errorf("session %+v", s)
			}
		}
	})
}

func TestLogout(t *testing.T) {
	t.Parallel()
	eachBackend(t, func(t *testing.T, e *testEnv) {
		other := e.instance(t, nil)
		me := e.signup(t)
		// A token from one instance works on every other.
		me.at(other).do(t, "GET", "/api/auth/session", nil).want(t, http.StatusOK)

		res := me.asCookie().do(t, "POST", "/api/auth/logout", nil).want(t, http.StatusNoContent)
		if c := res.cookie(); c == nil || c.MaxAge >= 0 || c.Value != "" {
			t.Errorf("logout cookie %+v, want it cleared", c)
		}
		e.mu.Lock()
		logouts := e.logouts
		e.mu.Unlock()
		if len(logouts) != 1 || logouts[0].UserID != me.userID || logouts[0].Token != me.token {
			t.Errorf("OnLogout got %+v", logouts)
		}
		for _, base := range []string{e.url, other} {
			for _, who := range []*client{me.at(base), me.at(base).asCookie()} {
				who.do(t, "GET", "/api/auth/session", nil).problem(t, http.StatusUnauthorized, "unauthorized")
				who.do(t, "GET", "/api/rooms", nil).problem(t, http.StatusUnauthorized, "unauthorized")
			}
		}
		// A cookie that no longer works is cleared, so the browser stops sending it.
		res = me.asCookie().do(t, "GET", "/api/rooms", nil)
		if c := res.cookie(); c == nil || c.MaxAge >= 0 {
			t.Errorf("dead cookie not cleared: %+v", c)
		}
		// Logging out needs a session.
		(&client{base: e.url}).do(t, "POST", "/api/auth/logout", nil).problem(t, http.StatusUnauthorized, "unauthorized")
	})
}

// sign makes a token with the given method, key and claims.
func sign(t *testing.T, m jwt.SigningMethod, key any, claims jwt.RegisteredClaims) string {
	t.Helper()
	s, err := jwt.NewWithClaims(m, claims).SignedString(key)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestForgedTokens(t *testing.T) {
	t.Parallel()
	eachBackend(t, func(t *testing.T, e *testEnv) {
		me := e.signup(t)
		now := e.clock.Now()
		claims := jwt.RegisteredClaims{
			Subject: me.userID, ID: "b1f0c3f8-8a57-4e0e-9a51-0a3c6a8c1a11",
			IssuedAt: jwt.NewNumericDate(now), ExpiresAt: jwt.NewNumericDate(now.Add(time.Hour)),
		}
		noExp := claims
		noExp.ExpiresAt = nil
		noSub := claims
		noSub.Subject = ""
		tokens := map[string]string{
			"alg none":      sign(t, jwt.SigningMethodNone, jwt.UnsafeAllowNoneSignatureType, claims),
			"HS512":         sign(t, jwt.SigningMethodHS512, []byte(testSecret), claims),
			"HS384":         sign(t, jwt.SigningMethodHS384, []byte(testSecret), claims),
			"wrong key":     sign(t, jwt.SigningMethodHS256, []byte("another-secret-0123456789-0123456789"), claims),
			"no expiry":     sign(t, jwt.SigningMethodHS256, []byte(testSecret), noExp),
			"no subject":    sign(t, jwt.SigningMethodHS256, []byte(testSecret), noSub),
			"garbage":       "not.a.token",
			"empty bearer":  "",
			"tampered body": tamper(me.token),
		}
		for name, tok := range tokens {
			t.Run(name, func(t *testing.T) {
				for _, who := range []*client{{base: e.url, token: tok}, {base: e.url, token: tok, cookie: true}} {
					h := []string{}
					if name == "empty bearer" {
						h = []string{"Authorization", "Bearer "}
					}
					who.do(t, "GET", "/api/users/profile", nil, h...).problem(t, http.StatusUnauthorized, "unauthorized")
				}
			})
		}
		// The genuine token works until it expires on the (fake) clock.
		me.do(t, "GET", "/api/users/profile", nil).want(t, http.StatusOK)
		e.clock.Advance(auth.TokenTTL + time.Second)
		me.do(t, "GET", "/api/users/profile", nil).problem(t, http.StatusUnauthorized, "unauthorized")
		me.asCookie().do(t, "GET", "/api/users/profile", nil).problem(t, http.StatusUnauthorized, "unauthorized")
	})
}

// tamper changes the subject of a token without re-signing it.
func tamper(token string) string {
	parts := strings.Split(token, ".")
	parts[1] = strings.TrimRight(parts[1], "A") + "B"
	return strings.Join(parts, ".")
}

func TestRenewal(t *testing.T) {
	t.Parallel()
	eachBackend(t, func(t *testing.T, e *testEnv) {
		me := e.signup(t)
		// First half of the token's life: nothing renews.
		e.clock.Advance(auth.TokenTTL/2 - time.Hour)
		if c := me.asCookie().do(t, "GET", "/api/rooms", nil).want(t, http.StatusOK).cookie(); c != nil {
			t.Fatalf("renewed too early: %+v", c)
		}
		// Second half: a cookie request gets a fresh cookie, a Bearer request does not.
		e.clock.Advance(2 * time.Hour)
		if c := me.do(t, "GET", "/api/rooms", nil).want(t, http.StatusOK).cookie(); c != nil {
			t.Errorf("Bearer request got a cookie: %+v", c)
		}
		c := me.asCookie().do(t, "GET", "/api/rooms", nil).want(t, http.StatusOK).cookie()
		if c == nil || c.Value == me.token || !c.HttpOnly || c.SameSite != http.SameSiteLaxMode {
			t.Fatalf("renewal cookie %+v", c)
		}
		if want := int(auth.TokenTTL / time.Second); c.MaxAge != want {
			t.Errorf("renewal Max-Age %d, want %d", c.MaxAge, want)
		}
		renewed := &client{base: e.url, token: c.Value}
		var s authBody
		renewed.do(t, "GET", "/api/auth/session", nil).want(t, http.StatusOK).decode(t, &s)
		if s.User.ID != me.userID {
			t.Errorf("renewed token is user %s, want %s", s.User.ID, me.userID)
		}
		// A Bearer client renews by asking for its session.
		var b authBody
		me.do(t, "GET", "/api/auth/session", nil).want(t, http.StatusOK).decode(t, &b)
		if b.Token == me.token || b.User.ID != me.userID {
			t.Errorf("Bearer session did not renew: %+v", b)
		}
		// The old token keeps working until it expires, then the fresh one carries on.
		e.clock.Advance(auth.TokenTTL / 2)
		me.do(t, "GET", "/api/rooms", nil).problem(t, http.StatusUnauthorized, "unauthorized")
		renewed.do(t, "GET", "/api/rooms", nil).want(t, http.StatusOK)
	})
}

func TestCrossOrigin(t *testing.T) {
	t.Parallel()
	eachBackend(t, func(t *testing.T, e *testEnv) {
		me := e.signup(t)
		cookie := me.asCookie()
		join := "/api/rooms/" + starterRoom(t, e, "deep-work") + "/join"
		cookie.do(t, "POST", join, nil, "Origin", "https://evil.example").problem(t, http.StatusForbidden, "forbidden")
		cookie.do(t, "POST", join, nil, "Origin", "null").problem(t, http.StatusForbidden, "forbidden")
		cookie.do(t, "POST", join, nil, "Origin", "").problem(t, http.StatusForbidden, "forbidden")
		cookie.do(t, "POST", join, nil, "Origin", "", "Referer", "https://evil.example/page").problem(t, http.StatusForbidden, "forbidden")
		cookie.do(t, "PUT", "/api/users/profile", map[string]any{"displayName": "Eve"}, "Origin", "https://evil.example").problem(t, http.StatusForbidden, "forbidden")
		cookie.do(t, "POST", "/api/auth/logout", nil, "Origin", "https://evil.example").problem(t, http.StatusForbidden, "forbidden")
		// Nothing changed: still signed in, in no room, same name.
		var u wire.User
		me.do(t, "GET", "/api/users/profile", nil).want(t, http.StatusOK).decode(t, &u)
		if u.DisplayName == "Eve" {
			t.Error("a cross-origin PUT changed the profile")
		}
		// Same origin by Origin or by Referer; safe methods and Bearer are not checked.
		cookie.do(t, "POST", join, nil).want(t, http.StatusOK)
		cookie.do(t, "POST", join, nil, "Origin", "", "Referer", e.url+"/rooms").want(t, http.StatusOK)
		cookie.do(t, "GET", "/api/rooms", nil, "Origin", "https://evil.example").want(t, http.StatusOK)
		me.do(t, "POST", join, nil, "Origin", "https://evil.example").want(t, http.StatusOK)
	})
}

func TestPublicOriginAndSecureCookies(t *testing.T) {
	t.Parallel()
	eachBackend(t, func(t *testing.T, e *testEnv) {
		public := e.instance(t, func(o *Options) { o.PublicOrigin = "https://focus.example.org" })
		res := (&client{base: public}).do(t, "POST", "/api/auth/anonymous", nil).want(t, http.StatusCreated)
		if c := res.cookie(); c == nil || !c.Secure {
			t.Errorf("cookie under an https public origin: %+v", c)
		}
		var a authBody
		res.decode(t, &a)
		me := &client{base: public, token: a.Token, cookie: true}
		// The request's own host is not the public origin: refused.
		me.do(t, "POST", "/api/rooms/quick-join", nil).problem(t, http.StatusForbidden, "forbidden")
		me.do(t, "POST", "/api/rooms/quick-join", nil, "Origin", "https://focus.example.org").want(t, http.StatusOK)

		// Behind a trusted proxy that says HTTPS, without a public origin.
		proxied := e.instance(t, func(o *Options) { o.Proxies = httpx.Proxies{netip.MustParsePrefix("127.0.0.0/8")} })
		anon := &client{base: proxied}
		if c := anon.do(t, "POST", "/api/auth/anonymous", nil, "X-Forwarded-Proto", "https").want(t, http.StatusCreated).cookie(); c == nil || !c.Secure {
			t.Errorf("cookie behind an HTTPS proxy: %+v", c)
		}
		if c := anon.do(t, "POST", "/api/auth/anonymous", nil).want(t, http.StatusCreated).cookie(); c == nil || c.Secure {
			t.Errorf("cookie over plain HTTP: %+v", c)
		}
	})
}

// TestSessionMarksActive: the app's start (GET /api/auth/session) counts
// as activity for retention, so someone who uses the app without joining
// a room is not erased as inactive.
func TestSessionMarksActive(t *testing.T) {
	t.Parallel()
	eachBackend(t, func(t *testing.T, e *testEnv) {
		me, other := e.signup(t), e.signup(t)
		e.clock.Advance(48 * time.Hour)
		inactive := func() map[string]bool {
			t.Helper()
			ids, err := e.store.InactiveUsers(t.Context(), e.clock.Now().Add(-24*time.Hour), 1000)
			if err != nil {
				t.Fatal(err)
			}
			set := map[string]bool{}
			for _, id := range ids {
				set[id] = true
			}
			return set
		}
		if got := inactive(); !got[me.userID] || !got[other.userID] {
			t.Fatalf("two days after signing up, inactive %v; want both", got)
		}
		me.do(t, "GET", "/api/auth/session", nil).want(t, http.StatusOK)
		if got := inactive(); got[me.userID] || !got[other.userID] {
			t.Fatalf("after my session check, inactive %v; want only the other", got)
		}
	})
}

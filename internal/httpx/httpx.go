// Package httpx answers the questions both HTTP transports ask of a
// request: who sent it (behind trusted proxies only), over which scheme,
// from which origin, and with which session token.
package httpx

import (
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
)

// CookieName is the session cookie.
const CookieName = "bd_session"

// Proxies decides which X-Forwarded-* headers to believe.
type Proxies []netip.Prefix

func (p Proxies) trusted(r *http.Request) bool {
	addr := peer(r)
	if !addr.IsValid() {
		return false
	}
	for _, pr := range p {
		if pr.Contains(addr) {
			return true
		}
	}
	return false
}

func peer(r *http.Request) netip.Addr {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	a, err := netip.ParseAddr(host)
	if err != nil {
		return netip.Addr{}
	}
	return a.Unmap()
}

// ClientAddr is the address of the client: the peer, or the right-most
// untrusted address in X-Forwarded-For when the peer is a trusted proxy.
// It is used for rate limiting only and never stored.
func (p Proxies) ClientAddr(r *http.Request) netip.Addr {
	addr := peer(r)
	if !p.trusted(r) {
		return addr
	}
	hops := strings.Split(r.Header.Get("X-Forwarded-For"), ",")
	for i := len(hops) - 1; i >= 0; i-- {
		a, err := netip.ParseAddr(strings.TrimSpace(hops[i]))
		if err != nil {
			break
		}
		a = a.Unmap()
		addr = a
		if !p.contains(a) {
			break
		}
	}
	return addr
}

func (p Proxies) contains(a netip.Addr) bool {
	for _, pr := range p {
		if pr.Contains(a) {
			return true
		}
	}
	return false
}

// HTTPS reports whether the client reached us over HTTPS: directly, or
// through a trusted proxy that says so in X-Forwarded-Proto.
func (p Proxies) HTTPS(r *http.Request) bool {
	if r.TLS != nil {
		return true
	}
	return p.trusted(r) && strings.EqualFold(strings.TrimSpace(strings.Split(r.Header.Get("X-Forwarded-Proto"), ",")[0]), "https")
}

// Host is the host the client asked for (X-Forwarded-Host from a trusted proxy).
func (p Proxies) Host(r *http.Request) string {
	if p.trusted(r) {
		if h := strings.TrimSpace(strings.Split(r.Header.Get("X-Forwarded-Host"), ",")[0]); h != "" {
			return h
		}
	}
	return r.Host
}

// SameOrigin reports whether the request's Origin header is the public
// origin, or, with none configured, the request's own scheme and host.
// A request without an Origin header is not same-origin.
func (p Proxies) SameOrigin(r *http.Request, publicOrigin string) bool {
	origin := r.Header.Get("Origin")
	if origin == "" {
		return false
	}
	if publicOrigin != "" {
		return strings.EqualFold(origin, publicOrigin)
	}
	u, err := url.Parse(origin)
	if err != nil {
		return false
	}
	scheme := "http"
	if p.HTTPS(r) {
		scheme = "https"
	}
	return strings.EqualFold(u.Scheme, scheme) && strings.EqualFold(u.Host, p.Host(r))
}

// Token returns the session token of r and whether it came from the cookie
// (rather than an Authorization: Bearer header, which wins when both are there).
func Token(r *http.Request) (token string, fromCookie bool) {
	if h := r.Header.Get("Authorization"); h != "" {
		if len(h) > 7 && strings.EqualFold(h[:7], "bearer ") {
			return strings.TrimSpace(h[7:]), false
		}
		return "", false
	}
	if c, err := r.Cookie(CookieName); err == nil {
		return c.Value, true
	}
	return "", false
}

// Package acme serves HTTPS by itself (--domain): it obtains and renews
// certificates over ACME with certmagic, from exactly one CA (Let's
// Encrypt unless --acme-ca names another directory), keeps the account,
// the certificates and the locks around obtaining them in the database
// (Storage), answers the CA's HTTP-01 challenges on the plain HTTP port
// and redirects everything else there to HTTPS, and marks HTTPS answers
// with HSTS. It imports nothing of the module; app wires it.
package acme

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/caddyserver/certmagic"
	"github.com/mholt/acmez/v3"
)

// LetsEncrypt is the default directory: Let's Encrypt's production CA.
const LetsEncrypt = certmagic.LetsEncryptProductionCA

// HSTSValue is the Strict-Transport-Security of every HTTPS answer: a
// year, for the host names served only. includeSubDomains is left out on
// purpose: bodydouble serves its own names, and would otherwise commit
// every name below them (which it does not serve) to HTTPS as well.
const HSTSValue = "max-age=31536000"

// Options configure a Manager.
type Options struct {
	// Domains are the names to obtain one certificate each for; the
	// first is also the name served to clients that send no SNI.
	Domains []string
	// CA is the ACME directory URL; Email, optional, is the account's
	// contact address at the CA.
	CA, Email string
	// Roots, when set, are the only roots trusted for the CA's own HTTPS
	// (a test CA such as Pebble); nil trusts the system's.
	Roots *x509.CertPool
	// Storage keeps the account, certificates and locks.
	Storage *Storage
	// HTTPAddr and HTTPSAddr are where this server listens for plain HTTP
	// and HTTPS: the CA validates there, so challenges are answered by
	// those listeners (HTTPHandler, TLSConfig) rather than by listeners
	// of certmagic's own.
	HTTPAddr, HTTPSAddr string
	// RenewCheck is how often certificates are checked for renewal (and
	// the storage for ones another instance renewed); 0 is certmagic's
	// default, 10 minutes. Tests with short-lived certificates shorten it.
	RenewCheck time.Duration
	Logger     *slog.Logger
}

// Manager obtains, renews and serves the certificates of Options.Domains.
type Manager struct {
	o      Options
	cache  *certmagic.Cache
	cfg    *certmagic.Config
	issuer *certmagic.ACMEIssuer
	// httpsPort is appended to redirects unless it is 443.
	httpsPort string
}

// New prepares a Manager; Start begins obtaining certificates.
func New(o Options) (*Manager, error) {
	if len(o.Domains) == 0 {
		return nil, errors.New("acme: no domain")
	}
	if o.Storage == nil || o.Logger == nil {
		return nil, errors.New("acme: Storage and Logger are required")
	}
	_, httpPort, err := splitPort(o.HTTPAddr)
	if err != nil {
		return nil, fmt.Errorf("acme: http address: %w", err)
	}
	httpsHost, httpsPort, err := splitPort(o.HTTPSAddr)
	if err != nil {
		return nil, fmt.Errorf("acme: https address: %w", err)
	}
	zl := zapLogger(o.Logger)
	m := &Manager{o: o, httpsPort: strconv.Itoa(httpsPort)}
	m.cache = certmagic.NewCache(certmagic.CacheOptions{
		GetConfigForCert:   func(certmagic.Certificate) (*certmagic.Config, error) { return m.cfg, nil },
		RenewCheckInterval: o.RenewCheck,
		Logger:             zl,
	})
	m.cfg = certmagic.New(m.cache, certmagic.Config{
		Storage:           o.Storage,
		DefaultServerName: o.Domains[0],
		// Let's Encrypt no longer runs OCSP (its certificates name no
		// responder), and a test CA's responder is not worth stapling.
		OCSP:   certmagic.OCSPConfig{DisableStapling: true},
		Logger: zl,
	})
	m.issuer = certmagic.NewACMEIssuer(m.cfg, certmagic.ACMEIssuer{
		// With Let's Encrypt, certmagic tries a failed order again on
		// its staging CA first, to spare the production rate limits; no
		// other CA has a test CA.
		CA:     o.CA,
		Email:  o.Email,
		Agreed: true,
		// Challenges reach this server's own listeners: certmagic finds
		// these addresses taken by them and leaves the answering to them.
		ListenHost:     httpsHost,
		AltHTTPPort:    httpPort,
		AltTLSALPNPort: httpsPort,
		TrustedRoots:   o.Roots,
		Logger:         zl,
	})
	m.cfg.Issuers = []certmagic.Issuer{m.issuer} // exactly one: no ZeroSSL fallback
	return m, nil
}

// splitPort splits host:port, port a number.
func splitPort(addr string) (string, int, error) {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return "", 0, err
	}
	p, err := strconv.Atoi(port)
	if err != nil || p <= 0 || p > 65535 {
		return "", 0, fmt.Errorf("bad port %q", port)
	}
	return host, p, nil
}

// Start manages the certificates in the background: each is loaded from
// the storage, or obtained (once across the instances sharing the
// storage) and then renewed. Failures are logged and retried with
// backoff until ctx ends; the listeners must be open before Start, since
// the CA validates through them.
func (m *Manager) Start(ctx context.Context) error {
	return m.cfg.ManageAsync(ctx, m.o.Domains)
}

// Stop ends certificate maintenance and releases the locks still held.
func (m *Manager) Stop(ctx context.Context) error {
	m.cache.Stop()
	return m.o.Storage.Close(ctx)
}

// TLSConfig serves the managed certificates over TLS 1.2 and later, with
// HTTP/2 and HTTP/1.1 and the TLS-ALPN-01 challenge (acme-tls/1).
func (m *Manager) TLSConfig() *tls.Config {
	c := m.cfg.TLSConfig()
	c.MinVersion = tls.VersionTLS12
	c.NextProtos = []string{"h2", "http/1.1", acmez.ACMETLS1Protocol}
	return c
}

// HTTPHandler is the plain-HTTP listener's handler: the CA's HTTP-01
// challenges (this instance's, or another's through the storage), and a
// redirect to HTTPS for everything else (see Redirect).
func (m *Manager) HTTPHandler() http.Handler {
	return m.issuer.HTTPChallengeHandler(Redirect(m.o.Domains, m.httpsPort))
}

// Redirect sends every request to the same path on HTTPS: 301 for GET
// and HEAD (what browsers follow and remember), 308 for any other
// method, which keeps the method and body. The host is the request's
// when it is one of domains, else the first domain, so no other host is
// ever named; port is added unless it is 443.
func Redirect(domains []string, port string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		host := strings.ToLower(r.Host)
		if h, _, err := net.SplitHostPort(host); err == nil {
			host = h
		}
		host = strings.TrimSuffix(host, ".")
		known := false
		for _, d := range domains {
			known = known || strings.EqualFold(d, host)
		}
		if !known {
			host = domains[0]
		}
		if port != "443" {
			host = net.JoinHostPort(host, port)
		}
		code := http.StatusPermanentRedirect
		if r.Method == http.MethodGet || r.Method == http.MethodHead {
			code = http.StatusMovedPermanently
		}
		w.Header().Set("Connection", "close")
		http.Redirect(w, r, "https://"+host+r.URL.RequestURI(), code)
	})
}

// HSTS sets Strict-Transport-Security (HSTSValue) on every answer of h.
func HSTS(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Strict-Transport-Security", HSTSValue)
		h.ServeHTTP(w, r)
	})
}

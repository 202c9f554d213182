package app

import (
	"cmp"
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"

	"github.com/bodydouble/bodydouble/internal/acme"
	"github.com/bodydouble/bodydouble/internal/config"
	"github.com/bodydouble/bodydouble/internal/httpx"
	"github.com/bodydouble/bodydouble/internal/store/sqlstore"
)

// domainTLS is HTTPS by itself (--domain): certificates over ACME kept in
// the database, and the plain HTTP listener that answers the CA's
// challenges and redirects everything else to HTTPS.
type domainTLS struct {
	mgr  *acme.Manager
	http *http.Server
	ln   net.Listener
}

// newACME prepares --domain's certificates (nothing is obtained before
// Start). The CA root file is read now, so a bad one stops the start.
func (a *App) newACME(st *sqlstore.Store) error {
	if len(a.cfg.Domains) == 0 {
		return nil
	}
	var roots *x509.CertPool
	if a.cfg.ACMECARoot != "" {
		pem, err := os.ReadFile(a.cfg.ACMECARoot)
		if err != nil {
			return fmt.Errorf("app: --acme-ca-root: %w", err)
		}
		roots = x509.NewCertPool()
		if !roots.AppendCertsFromPEM(pem) {
			return fmt.Errorf("app: --acme-ca-root: no PEM certificate in %s", a.cfg.ACMECARoot)
		}
	}
	mgr, err := acme.New(acme.Options{
		Domains: a.cfg.Domains, CA: a.cfg.ACMECA, Email: a.cfg.ACMEEmail, Roots: roots,
		Storage:  acme.NewStorage(st.ACME(), a.log),
		HTTPAddr: a.cfg.HTTPAddr, HTTPSAddr: a.cfg.HTTPSAddr,
		RenewCheck: a.cfg.ACMERenewCheck, Logger: a.log,
	})
	if err != nil {
		return err
	}
	a.acme = &domainTLS{mgr: mgr}
	// Every HTTPS answer tells browsers to come back over HTTPS only.
	a.server.Handler = acme.HSTS(a.server.Handler)
	return nil
}

// listenAddr is where the main server listens: --https-addr with
// --domain, else --addr.
func (a *App) listenAddr() string {
	if a.acme != nil {
		return a.cfg.HTTPSAddr
	}
	return a.cfg.Addr
}

// plainHTTPConns is the most connections --http-addr holds open at once:
// redirects and challenges are quick, so a flood of idle connections is
// all that could fill it.
const plainHTTPConns = 1024

// startACME opens the plain HTTP listener (challenges and the redirect)
// and starts obtaining or loading the certificates in the background. The
// HTTPS listener is open by then: the CA validates through both. Until a
// certificate is there, HTTPS handshakes fail and the log says why;
// certmagic retries with backoff, and plain HTTP keeps redirecting.
func (a *App) startACME(bg context.Context) error {
	if a.acme == nil {
		return nil
	}
	ln, err := net.Listen("tcp", a.cfg.HTTPAddr)
	if err != nil {
		return fmt.Errorf("app: cannot listen on --http-addr %q: %w", a.cfg.HTTPAddr, err)
	}
	// Plain HTTP only answers challenges and redirects, but it is as
	// public as HTTPS: the same cap per address, and a total of its own.
	limited := httpx.ConnLimits{
		PerAddr: a.connsPerAddr(), Exempt: httpx.Proxies(a.cfg.TrustedProxies),
		Total: plainHTTPConns, Log: a.log,
	}.Listen(ln)
	ln = limited
	a.acme.ln = ln
	a.acme.http = &http.Server{
		ConnState:         limited.ConnState,
		Handler:           a.acme.mgr.HTTPHandler(),
		ReadHeaderTimeout: cmp.Or(a.cfg.HeaderTimeout, config.DefaultHeaderTimeout),
		IdleTimeout:       cmp.Or(a.cfg.IdleTimeout, config.DefaultIdleTimeout),
		ErrorLog:          slog.NewLogLogger(a.log.Handler(), slog.LevelWarn),
	}
	a.goRun(func() {
		if err := a.acme.http.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			a.log.Error("app: serve http", "err", err)
		}
	})
	if err := a.acme.mgr.Start(bg); err != nil {
		a.acme.http.Close()
		return fmt.Errorf("app: acme: %w", err)
	}
	a.log.Info("acme: HTTPS with certificates over ACME", "domains", a.cfg.Domains, "ca", a.cfg.ACMECA, "http", "http://"+ln.Addr().String())
	return nil
}

// stopACME closes the plain HTTP listener, ends certificate maintenance
// and releases the locks this instance holds.
func (a *App) stopACME(ctx context.Context) error {
	if a.acme == nil {
		return nil
	}
	var err error
	if a.acme.http != nil {
		err = a.acme.http.Shutdown(ctx)
	}
	return errors.Join(err, a.acme.mgr.Stop(ctx))
}

// HTTPAddr is the address of --domain's plain HTTP listener (after
// Start), nil without --domain.
func (a *App) HTTPAddr() net.Addr {
	if a.acme == nil || a.acme.ln == nil {
		return nil
	}
	return a.acme.ln.Addr()
}

// Package healthcheck is `bodydouble healthcheck`: it asks a bodydouble on
// this machine for GET /healthz and says whether it answered 200. The
// container image has no shell and no curl, so its HEALTHCHECK runs this.
package healthcheck

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"time"

	"github.com/bodydouble/bodydouble/internal/config"
)

// Timeout bounds one check: connecting, the request and the answer.
const Timeout = 3 * time.Second

const usage = "usage: bodydouble healthcheck [server flags] [url]\n" +
	"  GETs /healthz of the server --addr (or --https-addr with --domain) names, on this machine, or url; exits 0 when it answers 200"

// Command runs `bodydouble healthcheck` with the server's flags and
// BODYDOUBLE_* variables (so that, given the same environment as the
// server, it finds the same port), or with one URL to ask instead. It
// prints the answer to out and returns an error unless it was 200.
func Command(ctx context.Context, args []string, getenv func(string) string, out io.Writer) error {
	cfg, words, err := config.ParseCommand(args, getenv, out)
	if err != nil {
		return err
	}
	var url, serverName string
	switch {
	case len(words) == 1:
		url = words[0]
	case len(words) > 1:
		return errors.New(usage)
	case len(cfg.Domains) > 0:
		// --domain: HTTPS on --https-addr, with the certificate of the
		// first name (the server picks it by SNI).
		if url, err = URL(cfg.HTTPSAddr, true); err != nil {
			return err
		}
		serverName = cfg.Domains[0]
	default:
		if url, err = URL(cfg.Addr, cfg.TLSCert != ""); err != nil {
			return err
		}
	}
	if err := Check(ctx, url, serverName); err != nil {
		return err
	}
	fmt.Fprintf(out, "%s: ok\n", url)
	return nil
}

// URL is the address of /healthz of a server listening on addr (--addr,
// or --https-addr with --domain),
// over HTTPS when it serves TLS itself. An address that listens on every
// interface (":8080", "0.0.0.0:8080", "[::]:8080") is asked on 127.0.0.1.
func URL(addr string, https bool) (string, error) {
	host, port, err := net.SplitHostPort(addr)
	if err != nil || port == "" || port == "0" {
		return "", fmt.Errorf("healthcheck: --addr must be host:port with a fixed port, not %q", addr)
	}
	if ip, err := netip.ParseAddr(host); host == "" || (err == nil && ip.IsUnspecified()) {
		host = "127.0.0.1"
	}
	scheme := "http"
	if https {
		scheme = "https"
	}
	return scheme + "://" + net.JoinHostPort(host, port) + "/healthz", nil
}

// Check GETs url and returns nil when it answers 200 within Timeout.
// serverName, when not empty, is the name sent in TLS (SNI).
func Check(ctx context.Context, url, serverName string) error {
	ctx, cancel := context.WithTimeout(ctx, Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return fmt.Errorf("healthcheck: %w", err)
	}
	client := &http.Client{Transport: &http.Transport{
		// The server's certificate names its public host, not the
		// loopback address asked here; this only asks whether the
		// process answers, and sends nothing secret.
		TLSClientConfig: &tls.Config{InsecureSkipVerify: true, ServerName: serverName},
		Proxy:           nil, // never through an HTTP_PROXY of the environment
	}}
	defer client.CloseIdleConnections()
	res, err := client.Do(req)
	if err != nil {
		return fmt.Errorf("healthcheck: %w", err)
	}
	defer res.Body.Close()
	io.Copy(io.Discard, io.LimitReader(res.Body, 4096))
	if res.StatusCode != http.StatusOK {
		return fmt.Errorf("healthcheck: GET %s: %s", url, res.Status)
	}
	return nil
}

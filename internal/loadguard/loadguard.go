// Package loadguard holds the two rules every load tool in this repository
// keeps: it sends traffic to loopback only, and it ends after a hard time
// limit whatever happens. It also holds the one REST call (Call) the tools
// share.
package loadguard

import (
	"fmt"
	"net/url"
	"os"
	"strings"
	"time"
)

// Loopback parses server (http://host:port) and refuses any host that is
// not a loopback address. The result has no path, query or fragment.
func Loopback(server string) (*url.URL, error) {
	u, err := url.Parse(server)
	if err != nil {
		return nil, fmt.Errorf("server url: %w", err)
	}
	host := u.Hostname()
	if host != "localhost" && !strings.HasPrefix(host, "127.") && host != "::1" {
		return nil, fmt.Errorf("server %q: only loopback addresses are allowed", server)
	}
	if u.Scheme != "http" {
		return nil, fmt.Errorf("server %q: only http:// is supported", server)
	}
	u.Path, u.RawQuery, u.Fragment = "", "", ""
	return u, nil
}

// Watchdog ends the process (exit status 3) once limit has passed, so that
// a stuck server can never keep a load tool running.
func Watchdog(tool string, limit time.Duration) {
	go func() {
		time.Sleep(limit)
		fmt.Fprintf(os.Stderr, "%s: hard time limit %s reached, exiting\n", tool, limit)
		os.Exit(3)
	}()
}

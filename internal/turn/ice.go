package turn

import (
	"net"
	"strconv"
	"strings"
	"time"
)

// ICEServer is one entry of a browser's RTCConfiguration.iceServers.
type ICEServer struct {
	URLs       []string `json:"urls"`
	Username   string   `json:"username,omitempty"`
	Credential string   `json:"credential,omitempty"`
}

// DefaultTTL is how long handed-out credentials are valid. A relay made
// with them closes when they expire (the built-in server refuses their
// refreshes and closes it), so a relayed call started with them is cut
// then and starts over with fresh ones: the web app fetches the list again
// every few minutes while camera or microphone is on. Two hours keeps that
// rare while bounding what a credential, once handed out, is worth.
const DefaultTTL = 2 * time.Hour

// ICE says which STUN/TURN servers a signed-in user is given.
type ICE struct {
	// Port is the built-in server's port; 0 when it is not running.
	Port int
	// Host is the host name or IP in the built-in server's URLs; empty
	// means the host the request came to.
	Host string
	// Secret mints credentials for the built-in server and for External
	// entries that need them.
	Secret []byte
	// TTL of minted credentials; DefaultTTL when 0.
	TTL time.Duration
	// External servers (--ice-servers), listed after the built-in one. An
	// entry with turn: or turns: URLs and no username gets minted
	// credentials (coturn's use-auth-secret with the same secret); other
	// entries are handed out as configured.
	External []ICEServer
}

// Servers returns the list for userID's session tokenID at now (minted
// credentials name both, so they stop working when that session logs
// out). requestHost is the Host the request came to (a port in it is
// dropped). The result is never nil.
func (c *ICE) Servers(requestHost, userID, tokenID string, now time.Time) []ICEServer {
	out := []ICEServer{}
	if c == nil {
		return out
	}
	ttl := c.TTL
	if ttl <= 0 {
		ttl = DefaultTTL
	}
	var username, password string
	mint := func() (string, string) {
		if username == "" {
			username, password = Credentials(c.Secret, userID, tokenID, ttl, now)
		}
		return username, password
	}
	host := c.Host
	if host == "" {
		host = hostname(requestHost)
	}
	if c.Port != 0 && host != "" {
		hp := net.JoinHostPort(host, strconv.Itoa(c.Port))
		u, p := mint()
		out = append(out, ICEServer{
			URLs:     []string{"stun:" + hp, "turn:" + hp + "?transport=udp", "turn:" + hp + "?transport=tcp"},
			Username: u, Credential: p,
		})
	}
	for _, e := range c.External {
		e.URLs = append([]string(nil), e.URLs...)
		if e.Username == "" && e.Credential == "" && NeedsCredentials(e.URLs) {
			e.Username, e.Credential = mint()
		}
		out = append(out, e)
	}
	return out
}

// NeedsCredentials reports whether any of urls is a TURN server.
func NeedsCredentials(urls []string) bool {
	for _, u := range urls {
		l := strings.ToLower(u)
		if strings.HasPrefix(l, "turn:") || strings.HasPrefix(l, "turns:") {
			return true
		}
	}
	return false
}

// hostname drops the port (and IPv6 brackets) from a Host header value.
func hostname(hostport string) string {
	if h, _, err := net.SplitHostPort(hostport); err == nil {
		return h
	}
	return strings.TrimSuffix(strings.TrimPrefix(hostport, "["), "]")
}

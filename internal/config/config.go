// Package config holds the bodydouble configuration: one Config struct,
// filled from command-line flags with BODYDOUBLE_* environment equivalents.
package config

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/netip"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Config is everything the composition root needs. The zero value is not
// valid; use Parse or Default.
type Config struct {
	Addr           string
	DataDir        string
	DatabaseURL    string
	RedisURL       string
	RedisPrefix    string
	Secret         string
	PublicURL      string
	TLSCert        string
	TLSKey         string
	TrustedProxies []netip.Prefix
	RateLimit      bool
	LogFormat      string // text | json
	ShutdownGrace  time.Duration
	// DrainDelay is how long shutdown keeps serving after /readyz turns
	// 503, so a load balancer sees it and stops sending new people here
	// before sockets get 1012 and the port closes (--drain-delay).
	DrainDelay time.Duration
	// LogLevel is the level at start: debug, info, warn or error (the
	// metrics address can change it while running, docs/operations.md).
	LogLevel string
	// AccessLog writes one line per HTTP request (--access-log).
	AccessLog bool
	// BlobURL is where uploaded avatars go (--blob-url): "" is
	// DataDir/blobs, file:///path a directory, s3://bucket?endpoint=… an
	// S3-compatible bucket (package blob).
	BlobURL string
	// AvatarUploads lets people upload a picture as their avatar.
	AvatarUploads bool
	// SentryDSN, when set, sends panics, 5xx answers, failed jobs and the
	// web app's error reports to Sentry, tagged with Environment.
	SentryDSN   string
	Environment string
	// RetainAudit is how long audit log entries are kept.
	RetainAudit time.Duration
	// RetainInactive is how long a member may be inactive before the
	// retention job erases them; 0 keeps everyone.
	RetainInactive time.Duration

	// TURNAddr is where the built-in STUN/TURN server listens (UDP and
	// TCP), or TURNOff.
	TURNAddr string
	// MetricsAddr is where Prometheus metrics are served (/metrics), never
	// the public port; empty: off.
	MetricsAddr string
	// TURNPublicIP is the address advertised for relayed candidates.
	TURNPublicIP string
	// TURNSecret mints TURN credentials; empty means derived from the
	// token secret.
	TURNSecret string
	// TURNAllowLocal lets the relay reach loopback and private peers (tests).
	TURNAllowLocal bool
	// TURNRelayPortMin and TURNRelayPortMax bound relay ports (0, 0: any).
	TURNRelayPortMin, TURNRelayPortMax int
	// ICEServers are external STUN/TURN servers handed to browsers.
	ICEServers []ICEServer

	// Domains, when set (--domain), make bodydouble serve HTTPS by itself
	// with certificates for these names obtained and renewed over ACME
	// from ACMECA (ACMEEmail the account's contact, ACMECARoot a PEM file
	// of roots trusted for the CA, for a test CA): HTTPS on HTTPSAddr,
	// plain HTTP (the CA's challenges, a redirect for the rest) on
	// HTTPAddr; Addr is not used then.
	Domains                       []string
	ACMECA, ACMEEmail, ACMECARoot string
	HTTPSAddr, HTTPAddr           string
	// ACMERenewCheck is how often certificates are checked for renewal;
	// 0 is certmagic's default (10 minutes). It has no flag: tests with
	// short-lived certificates shorten it.
	ACMERenewCheck time.Duration

	// KeyringFile names the keyring file (keys that seal values at rest
	// and sign tokens); KeyringJSON is a keyring given inline in
	// BODYDOUBLE_KEYRING. Both empty: generated in DataDir with SQLite,
	// kept in the database with PostgreSQL.
	KeyringFile, KeyringJSON string

	// BlocklistFile names the operator's list of words refused in public
	// text, one term per line, added to the built-in list and re-read
	// when it changes; empty: the built-in list alone.
	BlocklistFile string

	// BlockCIDRsFile names the operator's list of networks refused on
	// HTTP, WebSocket and TURN (one CIDR or address per line), re-read
	// when it changes; empty: none.
	BlockCIDRsFile string

	// IdentitiesPerHour caps the new anonymous identities one network
	// (IPv4 /24, IPv6 /56) may make in an hour; 0 switches the cap off,
	// and so does RateLimit false.
	IdentitiesPerHour int

	// MaxConnsPerAddr caps the open TCP connections of one client address
	// (IPv6 by /64); 0 switches the cap off, and so does RateLimit false.
	// Trusted proxies are exempt.
	MaxConnsPerAddr int

	// MaxOpenRooms caps the open rooms one person created, and
	// MaxRoomsPerHour the rooms one person created in the last hour
	// (0 switches a cap off, and so does RateLimit false). Both are
	// counted in the database, so they hold across instances.
	MaxOpenRooms, MaxRoomsPerHour int

	// CloseEmptyRoomsAfter is how long a room a person made may stand
	// empty before it closes by itself (starter rooms never close).
	CloseEmptyRoomsAfter time.Duration

	// HeaderTimeout, BodyTimeout and IdleTimeout bound the HTTP server's
	// waits for a request's headers, for its body, and for the next
	// request on a kept-alive connection (zero: the Default* constants).
	// They have no flags: a self-hoster has no reason to change them, and
	// tests shorten them.
	HeaderTimeout, BodyTimeout, IdleTimeout time.Duration
}

// The HTTP server's timeouts (see docs/operations.md, "Limits worth knowing").
const (
	// DefaultHeaderTimeout is how long a request's headers may take to arrive.
	DefaultHeaderTimeout = 10 * time.Second
	// DefaultBodyTimeout is how long a request's body may take to arrive,
	// counted from when its handler starts: the largest body (an avatar
	// of 32 KB, about 43 KB as JSON) then needs only about 1.5 KB/s.
	DefaultBodyTimeout = 30 * time.Second
	// DefaultIdleTimeout is how long a kept-alive connection may wait for
	// its next request.
	DefaultIdleTimeout = 2 * time.Minute
	// DefaultMaxConnsPerAddr is --max-conns-per-addr's default: more than
	// the few a browser opens (about 6 per origin) plus its sockets, far
	// fewer than the descriptors one address could otherwise take.
	DefaultMaxConnsPerAddr = 64
	// DefaultMaxOpenRooms and DefaultMaxRoomsPerHour are the defaults of
	// --max-open-rooms and --max-rooms-per-hour: enough for anyone's
	// real use, too few to flood the lobby.
	DefaultMaxOpenRooms    = 3
	DefaultMaxRoomsPerHour = 10
	// DefaultIdentitiesPerHour is --identities-per-hour's default.
	DefaultIdentitiesPerHour = 30
	// DefaultCloseEmptyRoomsAfter is --close-empty-rooms-after's default.
	DefaultCloseEmptyRoomsAfter = 24 * time.Hour
)

// LetsEncrypt is --acme-ca's default: Let's Encrypt's production directory.
const LetsEncrypt = "https://acme-v02.api.letsencrypt.org/directory"

// TURNOff as --turn-addr disables the built-in STUN/TURN server.
const TURNOff = "off"

// ICEServer is one external STUN/TURN server of --ice-servers, in the
// shape of a browser's RTCIceServer. urls may be one string or a list.
type ICEServer struct {
	URLs       []string
	Username   string
	Credential string
}

// UnmarshalJSON accepts RTCIceServer: {urls: string | string[],
// username?, credential?} and nothing else.
func (s *ICEServer) UnmarshalJSON(b []byte) error {
	var raw struct {
		URLs       json.RawMessage `json:"urls"`
		Username   string          `json:"username"`
		Credential string          `json:"credential"`
	}
	d := json.NewDecoder(bytes.NewReader(b))
	d.DisallowUnknownFields()
	if err := d.Decode(&raw); err != nil {
		return err
	}
	var one string
	if err := json.Unmarshal(raw.URLs, &one); err == nil {
		s.URLs = []string{one}
	} else if err := json.Unmarshal(raw.URLs, &s.URLs); err != nil {
		return errors.New("urls must be a string or an array of strings")
	}
	s.Username, s.Credential = raw.Username, raw.Credential
	return nil
}

// NeedsCredentials reports whether s is a TURN server.
func (s ICEServer) NeedsCredentials() bool {
	for _, u := range s.URLs {
		l := strings.ToLower(u)
		if strings.HasPrefix(l, "turn:") || strings.HasPrefix(l, "turns:") {
			return true
		}
	}
	return false
}

// Default returns the configuration of a plain `bodydouble` with no flags.
func Default() Config {
	return Config{
		Addr:          ":8080",
		DataDir:       "data",
		RedisPrefix:   "bodydouble:",
		RateLimit:     true,
		LogFormat:     "text",
		LogLevel:      "info",
		AccessLog:     true,
		ShutdownGrace: 10 * time.Second,
		RetainAudit:   DefaultRetainAudit,
		TURNAddr:      ":3478",
		ACMECA:        LetsEncrypt,
		HTTPSAddr:     ":443",
		HTTPAddr:      ":80",

		RetainInactive: DefaultRetainInactive,

		MaxConnsPerAddr:   DefaultMaxConnsPerAddr,
		MaxOpenRooms:      DefaultMaxOpenRooms,
		MaxRoomsPerHour:   DefaultMaxRoomsPerHour,
		IdentitiesPerHour: DefaultIdentitiesPerHour,
		HeaderTimeout:     DefaultHeaderTimeout,
		BodyTimeout:       DefaultBodyTimeout,
		IdleTimeout:       DefaultIdleTimeout,

		CloseEmptyRoomsAfter: DefaultCloseEmptyRoomsAfter,
	}
}

// Parse reads args (without the program name) and the environment, in that
// order of precedence: a flag given on the command line beats BODYDOUBLE_*.
// It returns flag.ErrHelp after printing usage to out for -h/--help.
func Parse(args []string, getenv func(string) string, out io.Writer) (Config, error) {
	c, rest, err := ParseCommand(args, getenv, out)
	if err == nil && len(rest) > 0 {
		return Config{}, fmt.Errorf("config: unexpected argument %q", rest[0])
	}
	return c, err
}

// DefaultRetainAudit is how long the audit log is kept by default.
const DefaultRetainAudit = 400 * 24 * time.Hour

// ParseCommand is Parse for a subcommand (bodydouble admin role <id>
// <role>): the words that are not flags, wherever they stand, are
// returned in order instead of being an error.
func ParseCommand(args []string, getenv func(string) string, out io.Writer) (Config, []string, error) {
	c := Default()
	fs := flag.NewFlagSet("bodydouble", flag.ContinueOnError)
	// The flag package would print a bad flag's error and then the whole
	// usage; the caller prints the error as one line instead, and the
	// usage goes to out only when asked for.
	fs.SetOutput(io.Discard)
	var proxies, rateLimit, drainDelay, relayPorts, iceServers, domains string
	fs.StringVar(&c.Addr, "addr", c.Addr, "address to listen on")
	fs.StringVar(&c.DataDir, "data-dir", c.DataDir, "directory for the SQLite database and generated secret")
	fs.StringVar(&c.DatabaseURL, "database-url", "", "postgres://… to use PostgreSQL instead of SQLite")
	fs.StringVar(&c.RedisURL, "redis-url", "", "redis://… to fan out events between instances")
	fs.StringVar(&c.RedisPrefix, "redis-prefix", c.RedisPrefix, "prefix for Redis channels and keys")
	fs.StringVar(&c.Secret, "secret", "", "token signing secret, at least 32 bytes (generated and stored when empty)")
	fs.StringVar(&c.KeyringFile, "keyring-file", "", "keyring file: the keys that encrypt goals, achievements and report notes and sign tokens (default: keyring.json in --data-dir with SQLite, the database with PostgreSQL); BODYDOUBLE_KEYRING may hold its path or the JSON itself")
	fs.StringVar(&c.PublicURL, "public-url", "", "origin people use, e.g. https://focus.example.org (Origin check, Secure cookies)")
	fs.StringVar(&c.TLSCert, "tls-cert", "", "TLS certificate file to serve HTTPS")
	fs.StringVar(&c.TLSKey, "tls-key", "", "TLS key file to serve HTTPS")
	fs.StringVar(&domains, "domain", "", "comma-separated host names to serve HTTPS for by itself, with certificates obtained and renewed over ACME (HTTPS on --https-addr, redirect on --http-addr; --addr is not used)")
	fs.StringVar(&c.ACMECA, "acme-ca", c.ACMECA, "ACME directory URL of the CA that issues --domain's certificates")
	fs.StringVar(&c.ACMEEmail, "acme-email", "", "contact address of the ACME account (the CA's expiry and policy mails), optional")
	fs.StringVar(&c.ACMECARoot, "acme-ca-root", "", "PEM file of the root certificates to trust for --acme-ca's own HTTPS (a private or test CA); the system's roots when empty")
	fs.StringVar(&c.HTTPSAddr, "https-addr", c.HTTPSAddr, "address of the HTTPS listener with --domain")
	fs.StringVar(&c.HTTPAddr, "http-addr", c.HTTPAddr, "address of the plain HTTP listener with --domain: ACME challenges, and a redirect to HTTPS")
	fs.StringVar(&proxies, "trusted-proxies", "", "comma-separated CIDRs whose X-Forwarded-* headers are believed")
	fs.StringVar(&rateLimit, "rate-limit", "on", "limits per client address and network (REST, new identities, connections, WebSocket upgrades, TURN relays): on or off")
	fs.StringVar(&c.LogFormat, "log-format", c.LogFormat, "log format: text or json")
	fs.StringVar(&c.LogLevel, "log-level", c.LogLevel, "log level at start: debug, info, warn or error (PUT /debug/log-level on --metrics-addr changes it while running)")
	fs.BoolVar(&c.AccessLog, "access-log", c.AccessLog, "log one line per HTTP request: request id, method, route pattern, status, duration, bytes, instance")
	fs.StringVar(&c.SentryDSN, "sentry-dsn", "", "Sentry DSN: panics, 5xx answers, failed background jobs and the web app's error reports go there (off when empty)")
	fs.StringVar(&c.Environment, "environment", "", "environment name sent with error reports, e.g. production or staging")
	fs.DurationVar(&c.ShutdownGrace, "shutdown-grace", c.ShutdownGrace, "how long shutdown may take")
	fs.StringVar(&drainDelay, "drain-delay", "auto", "how long shutdown keeps serving after /readyz turns 503, so a load balancer stops sending people here first; auto: 2s with --redis-url (several instances), else 0")
	fs.Var(days{&c.RetainAudit}, "retain-audit", "how long audit log entries are kept: days (400d) or a duration (9600h)")
	fs.Var(daysOrNever{&c.RetainInactive}, "retain-inactive", "how long a person may be inactive before they are erased: days (365d) or a duration; 0 never")
	fs.StringVar(&c.MetricsAddr, "metrics-addr", "", "address of the Prometheus metrics listener (/metrics), e.g. 127.0.0.1:9090; keep it private, off when empty")
	fs.StringVar(&c.TURNAddr, "turn-addr", c.TURNAddr, "address of the built-in STUN/TURN server (UDP and TCP); off disables it")
	fs.StringVar(&c.TURNPublicIP, "turn-public-ip", "", "IP address advertised for relayed candidates: this server's public address when it is behind NAT")
	fs.StringVar(&c.TURNSecret, "turn-secret", "", "shared secret of TURN credentials, at least 16 bytes (derived from the token secret when empty); also coturn's static-auth-secret for --ice-servers")
	fs.BoolVar(&c.TURNAllowLocal, "turn-allow-local", false, "let the TURN relay reach loopback, private and link-local addresses (tests only)")
	fs.StringVar(&relayPorts, "turn-relay-ports", "", "UDP port range of TURN relays, e.g. 49152-65535 (any port when empty)")
	fs.IntVar(&c.MaxConnsPerAddr, "max-conns-per-addr", c.MaxConnsPerAddr, "most open TCP connections from one client address (IPv6: one /64); 0 switches the cap off, as does --rate-limit=off; --trusted-proxies are exempt")
	fs.IntVar(&c.MaxOpenRooms, "max-open-rooms", c.MaxOpenRooms, "most open rooms one person may have created at a time; 0 switches the cap off, as does --rate-limit=off")
	fs.IntVar(&c.MaxRoomsPerHour, "max-rooms-per-hour", c.MaxRoomsPerHour, "most rooms one person may create in an hour, closed ones included; 0 switches the cap off, as does --rate-limit=off")
	fs.DurationVar(&c.CloseEmptyRoomsAfter, "close-empty-rooms-after", c.CloseEmptyRoomsAfter, "how long a room a person made may stand empty (nobody in it since it was made or since the last person left) before it closes by itself; starter rooms never close")
	fs.IntVar(&c.IdentitiesPerHour, "identities-per-hour", c.IdentitiesPerHour, "most new anonymous identities one network (IPv4 /24, IPv6 /56) may make in an hour; 0 switches the cap off, as does --rate-limit=off")
	fs.StringVar(&c.BlockCIDRsFile, "block-cidrs", "", "file of networks refused on HTTP, WebSocket and TURN, one CIDR or address per line (# starts a comment), re-read when it changes")
	fs.StringVar(&c.BlocklistFile, "blocklist-file", "", "file of words refused in display names, room names and descriptions and shared goals, one term per line (# starts a comment), added to the built-in list and re-read when it changes")
	fs.StringVar(&c.BlobURL, "blob-url", "", "where uploaded avatars are kept: empty for <data-dir>/blobs, file:///path, or s3://bucket?endpoint=host:port&region=…&secure=false with AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY in the environment (needed with several instances)")
	fs.BoolVar(&c.AvatarUploads, "avatar-uploads", false, "let people upload a PNG, JPEG or WebP of up to 2 MB as their avatar (re-encoded to 256×256)")
	fs.StringVar(&iceServers, "ice-servers", "", `JSON array of RTCIceServer for an external STUN/TURN server, e.g. [{"urls":"turn:turn.example.org:3478"}]; TURN entries without username get credentials minted with --turn-secret`)

	// Environment first, so explicit flags parsed afterwards override it.
	var envErr error
	fs.VisitAll(func(f *flag.Flag) {
		name := "BODYDOUBLE_" + strings.ToUpper(strings.ReplaceAll(f.Name, "-", "_"))
		if v := getenv(name); v != "" {
			if err := f.Value.Set(v); err != nil && envErr == nil {
				// Only typed flags (numbers, durations, booleans) fail
				// here, so quoting the value shows no secret.
				envErr = fmt.Errorf("config: %s=%q is not a valid value for --%s: %w", name, v, f.Name, err)
			}
		}
		f.Usage += " (env " + name + ")"
	})
	rest, err := parseInterspersed(fs, args)
	if errors.Is(err, flag.ErrHelp) {
		fmt.Fprintln(out, "Usage of bodydouble:")
		fs.SetOutput(out)
		fs.PrintDefaults()
		return Config{}, nil, err
	} else if err != nil {
		return Config{}, nil, fmt.Errorf("config: %w (bodydouble --help lists the flags)", err)
	}
	if envErr != nil {
		return Config{}, nil, envErr
	}
	if v := strings.TrimSpace(getenv("BODYDOUBLE_KEYRING")); v != "" && c.KeyringFile == "" {
		// The keyring itself (JSON) or the path of its file.
		if strings.HasPrefix(v, "{") {
			c.KeyringJSON = v
		} else {
			c.KeyringFile = v
		}
	}
	switch rateLimit {
	case "on", "true":
		c.RateLimit = true
	case "off", "false":
		c.RateLimit = false
	default:
		return Config{}, nil, fmt.Errorf("config: --rate-limit must be on or off, not %q", rateLimit)
	}

	switch drainDelay {
	case "auto":
		if c.RedisURL != "" {
			c.DrainDelay = 2 * time.Second
		}
	default:
		if c.DrainDelay, err = time.ParseDuration(drainDelay); err != nil || c.DrainDelay < 0 {
			return Config{}, nil, fmt.Errorf("config: --drain-delay must be auto or a duration like 2s, not %q", drainDelay)
		}
	}

	if c.TrustedProxies, err = parsePrefixes(proxies); err != nil {
		return Config{}, nil, err
	}
	if c.Domains, err = parseDomains(domains); err != nil {
		return Config{}, nil, err
	}
	if len(c.Domains) > 0 && c.PublicURL == "" {
		c.PublicURL = c.DomainURL()
	}
	if c.TURNRelayPortMin, c.TURNRelayPortMax, err = parsePortRange(relayPorts); err != nil {
		return Config{}, nil, err
	}
	if iceServers != "" {
		d := json.NewDecoder(strings.NewReader(iceServers))
		d.DisallowUnknownFields()
		if err := d.Decode(&c.ICEServers); err != nil || d.More() {
			return Config{}, nil, fmt.Errorf("config: --ice-servers must be a JSON array of {urls, username?, credential?}: %v", err)
		}
	}
	return c, rest, c.Validate()
}

// Validate reports the first problem with c.
func (c Config) Validate() error {
	if c.DrainDelay < 0 || (c.DrainDelay > 0 && c.DrainDelay >= c.ShutdownGrace) {
		return fmt.Errorf("config: --drain-delay (%s) must be shorter than --shutdown-grace (%s)", c.DrainDelay, c.ShutdownGrace)
	}
	if c.Secret != "" && len(c.Secret) < 32 {
		return errors.New("config: --secret must be at least 32 bytes")
	}
	if (c.TLSCert == "") != (c.TLSKey == "") {
		return errors.New("config: --tls-cert and --tls-key go together")
	}
	if err := c.validateACME(); err != nil {
		return err
	}
	if c.PublicURL != "" {
		u, err := url.Parse(c.PublicURL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || (u.Path != "" && u.Path != "/") {
			return fmt.Errorf("config: --public-url must be an origin like https://focus.example.org, not %q", c.PublicURL)
		}
	}
	if c.DatabaseURL != "" {
		if err := checkURL("--database-url", c.DatabaseURL, "postgres", "postgresql"); err != nil {
			return err
		}
	}
	if c.RedisURL != "" {
		if err := checkURL("--redis-url", c.RedisURL, "redis", "rediss", "unix"); err != nil {
			return err
		}
	}
	if c.MaxConnsPerAddr < 0 {
		return fmt.Errorf("config: --max-conns-per-addr must be 0 (off) or more, not %d", c.MaxConnsPerAddr)
	}
	if c.MaxOpenRooms < 0 {
		return fmt.Errorf("config: --max-open-rooms must be 0 (off) or more, not %d", c.MaxOpenRooms)
	}
	if c.IdentitiesPerHour < 0 {
		return fmt.Errorf("config: --identities-per-hour must be 0 (off) or more, not %d", c.IdentitiesPerHour)
	}
	if c.MaxRoomsPerHour < 0 {
		return fmt.Errorf("config: --max-rooms-per-hour must be 0 (off) or more, not %d", c.MaxRoomsPerHour)
	}
	if c.CloseEmptyRoomsAfter < time.Minute {
		return fmt.Errorf("config: --close-empty-rooms-after must be at least 1m, not %v", c.CloseEmptyRoomsAfter)
	}
	if c.HeaderTimeout < 0 || c.BodyTimeout < 0 || c.IdleTimeout < 0 {
		return errors.New("config: HTTP timeouts must not be negative")
	}
	if c.LogFormat != "text" && c.LogFormat != "json" {
		return fmt.Errorf("config: --log-format must be text or json, not %q", c.LogFormat)
	}
	switch c.LogLevel {
	case "debug", "info", "warn", "error":
	default:
		return fmt.Errorf("config: --log-level must be debug, info, warn or error, not %q", c.LogLevel)
	}
	if err := c.validateMetrics(); err != nil {
		return err
	}
	return c.validateTURN()
}

// validateMetrics checks --metrics-addr: host:port, and never a port a
// public listener (--addr, or --https-addr and --http-addr with --domain)
// may share, whatever the spelling (":8080", "0.0.0.0:8080",
// "127.0.0.1:8080" all overlap).
func (c Config) validateMetrics() error {
	if c.MetricsAddr == "" {
		return nil
	}
	if _, port, err := net.SplitHostPort(c.MetricsAddr); err != nil || port == "" {
		return fmt.Errorf("config: --metrics-addr must be host:port, not %q", c.MetricsAddr)
	}
	public := []struct{ flag, addr string }{{"--addr", c.Addr}}
	if len(c.Domains) > 0 {
		public = []struct{ flag, addr string }{{"--https-addr", c.HTTPSAddr}, {"--http-addr", c.HTTPAddr}}
	}
	for _, p := range public {
		if overlaps(c.MetricsAddr, p.addr) {
			return fmt.Errorf("config: --metrics-addr %q overlaps %s %q: metrics never go on a public port", c.MetricsAddr, p.flag, p.addr)
		}
	}
	return nil
}

// overlaps reports whether listeners on a and b would share a port: the
// same fixed port, on the same host or where either is every address.
func overlaps(a, b string) bool {
	ha, pa, err1 := net.SplitHostPort(a)
	hb, pb, err2 := net.SplitHostPort(b)
	if err1 != nil || err2 != nil || pa != pb || pa == "0" {
		return false
	}
	every := func(h string) bool {
		ip, err := netip.ParseAddr(h)
		return h == "" || (err == nil && ip.IsUnspecified())
	}
	return ha == hb || every(ha) || every(hb)
}

// checkURL reports whether raw is a URL of one of schemes, without ever
// quoting raw: it may hold a password.
func checkURL(flag, raw string, schemes ...string) error {
	u, err := url.Parse(raw)
	if err != nil {
		// Not even url.Parse's reason: it quotes the URL, or the part of
		// it (perhaps of the password) where parsing failed.
		return fmt.Errorf("config: %s is not a valid URL (special characters in a user name or password must be %%-escaped)", flag)
	}
	for _, s := range schemes {
		if strings.EqualFold(u.Scheme, s) {
			return nil
		}
	}
	return fmt.Errorf("config: %s must be a %s:// URL", flag, schemes[0])
}

// validateTURN checks the STUN/TURN settings.
func (c Config) validateTURN() error {
	var listenIP netip.Addr
	if c.TURNAddr != TURNOff {
		host, port, err := net.SplitHostPort(c.TURNAddr)
		if err != nil {
			return fmt.Errorf("config: --turn-addr must be host:port (or off), not %q", c.TURNAddr)
		}
		if p, err := strconv.Atoi(port); err != nil || p < 0 || p > 65535 {
			return fmt.Errorf("config: --turn-addr: bad port %q", port)
		}
		if host != "" {
			if listenIP, err = netip.ParseAddr(host); err != nil {
				return fmt.Errorf("config: --turn-addr: host must be an IP address or empty, not %q", host)
			}
		}
	}
	if c.TURNPublicIP != "" {
		ip, err := netip.ParseAddr(c.TURNPublicIP)
		if err != nil || ip.IsUnspecified() || ip.Zone() != "" {
			return fmt.Errorf("config: --turn-public-ip must be an IP address, not %q", c.TURNPublicIP)
		}
		if listenIP.IsValid() && listenIP.Unmap().Is4() != ip.Unmap().Is4() {
			return errors.New("config: --turn-addr and --turn-public-ip must be of the same IP version")
		}
	}
	if c.TURNSecret != "" && len(c.TURNSecret) < 16 {
		return errors.New("config: --turn-secret must be at least 16 bytes")
	}
	if c.TURNRelayPortMin < 0 || c.TURNRelayPortMin > c.TURNRelayPortMax || c.TURNRelayPortMax > 65535 || (c.TURNRelayPortMin == 0) != (c.TURNRelayPortMax == 0) {
		return fmt.Errorf("config: --turn-relay-ports %d-%d is not a port range", c.TURNRelayPortMin, c.TURNRelayPortMax)
	}
	for i, s := range c.ICEServers {
		if len(s.URLs) == 0 {
			return fmt.Errorf("config: --ice-servers[%d]: no urls", i)
		}
		for _, u := range s.URLs {
			scheme, rest, _ := strings.Cut(u, ":")
			switch strings.ToLower(scheme) {
			case "stun", "stuns", "turn", "turns":
			default:
				return fmt.Errorf("config: --ice-servers[%d]: %q is not a stun:, stuns:, turn: or turns: URL", i, u)
			}
			if rest == "" || strings.ContainsAny(rest, " \t\r\n") {
				return fmt.Errorf("config: --ice-servers[%d]: %q has no host", i, u)
			}
		}
		if (s.Username == "") != (s.Credential == "") {
			return fmt.Errorf("config: --ice-servers[%d]: username and credential go together", i)
		}
		if s.Username == "" && s.NeedsCredentials() && c.TURNSecret == "" {
			return fmt.Errorf("config: --ice-servers[%d]: a TURN server without username needs --turn-secret (its shared secret)", i)
		}
	}
	return nil
}

// parsePortRange reads "min-max" ("" is 0, 0).
func parsePortRange(s string) (lo, hi int, err error) {
	if s == "" {
		return 0, 0, nil
	}
	a, b, ok := strings.Cut(s, "-")
	lo, err1 := strconv.Atoi(strings.TrimSpace(a))
	hi, err2 := strconv.Atoi(strings.TrimSpace(b))
	if !ok || err1 != nil || err2 != nil || lo < 1 || lo > hi || hi > 65535 {
		return 0, 0, fmt.Errorf("config: --turn-relay-ports must be a range like 49152-65535, not %q", s)
	}
	return lo, hi, nil
}

// validateACME checks --domain and the settings that go with it.
func (c Config) validateACME() error {
	if len(c.Domains) == 0 {
		return nil
	}
	if c.TLSCert != "" {
		return errors.New("config: --domain and --tls-cert exclude each other: --domain obtains its own certificates")
	}
	for _, d := range c.Domains {
		if err := checkDomain(d); err != nil {
			return err
		}
	}
	u, err := url.Parse(c.ACMECA)
	if err != nil || u.Scheme != "https" || u.Host == "" {
		return fmt.Errorf("config: --acme-ca must be an https:// directory URL, not %q", c.ACMECA)
	}
	if c.ACMEEmail != "" && (strings.Count(c.ACMEEmail, "@") != 1 || strings.HasPrefix(c.ACMEEmail, "@") || strings.HasSuffix(c.ACMEEmail, "@") || strings.ContainsAny(c.ACMEEmail, " \t\r\n<>,;")) {
		return fmt.Errorf("config: --acme-email must be an e-mail address, not %q", c.ACMEEmail)
	}
	ports := map[string]string{}
	for _, a := range []struct{ flag, addr string }{{"--https-addr", c.HTTPSAddr}, {"--http-addr", c.HTTPAddr}} {
		_, port, err := net.SplitHostPort(a.addr)
		if p, perr := strconv.Atoi(port); err != nil || perr != nil || p < 1 || p > 65535 {
			return fmt.Errorf("config: %s must be host:port with a port from 1 to 65535, not %q", a.flag, a.addr)
		}
		if other, ok := ports[port]; ok {
			return fmt.Errorf("config: %s and %s must use different ports", other, a.flag)
		}
		ports[port] = a.flag
	}
	// The public origin is one of the names, over HTTPS: cookies are
	// Secure and the Origin check expects what browsers send.
	u, err = url.Parse(c.PublicURL)
	if err != nil || u.Scheme != "https" || !slices.Contains(c.Domains, strings.ToLower(u.Hostname())) {
		return fmt.Errorf("config: with --domain, --public-url must be https:// and one of the domains (default %s), not %q", c.DomainURL(), c.PublicURL)
	}
	return nil
}

// DomainURL is the origin --domain serves: https:// and the first domain,
// with --https-addr's port unless it is 443.
func (c Config) DomainURL() string {
	if len(c.Domains) == 0 {
		return ""
	}
	host := c.Domains[0]
	if _, port, err := net.SplitHostPort(c.HTTPSAddr); err == nil && port != "443" {
		host = net.JoinHostPort(host, port)
	}
	return "https://" + host
}

// parseDomains reads --domain: comma-separated host names, lower-cased,
// a trailing dot dropped; a name given twice is an error.
func parseDomains(s string) ([]string, error) {
	var out []string
	for _, part := range strings.Split(s, ",") {
		d := strings.TrimSuffix(strings.ToLower(strings.TrimSpace(part)), ".")
		if d == "" {
			continue
		}
		if slices.Contains(out, d) {
			return nil, fmt.Errorf("config: --domain names %q twice", d)
		}
		out = append(out, d)
	}
	return out, nil
}

// checkDomain reports whether d is a host name a CA can issue for: labels
// of letters, digits and inner hyphens, no wildcard (that needs the DNS
// challenge), no IP address.
func checkDomain(d string) error {
	bad := fmt.Errorf("config: --domain: %q is not a host name like focus.example.org", d)
	if len(d) > 253 || net.ParseIP(d) != nil {
		return bad
	}
	for _, label := range strings.Split(d, ".") {
		if label == "" || len(label) > 63 || label[0] == '-' || label[len(label)-1] == '-' {
			return bad
		}
		for _, r := range label {
			if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-') {
				return bad
			}
		}
	}
	return nil
}

// PublicOrigin returns the configured public origin without a trailing
// slash, or "" when none is set.
func (c Config) PublicOrigin() string { return strings.TrimSuffix(c.PublicURL, "/") }

func parsePrefixes(s string) ([]netip.Prefix, error) {
	var out []netip.Prefix
	for _, part := range strings.Split(s, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		if !strings.Contains(part, "/") {
			a, err := netip.ParseAddr(part)
			if err != nil {
				return nil, fmt.Errorf("config: --trusted-proxies: %w", err)
			}
			part = netip.PrefixFrom(a, a.BitLen()).String()
		}
		p, err := netip.ParsePrefix(part)
		if err != nil {
			return nil, fmt.Errorf("config: --trusted-proxies: %w", err)
		}
		out = append(out, p.Masked())
	}
	return out, nil
}

// parseInterspersed parses fs's flags wherever they stand among args and
// returns the other words in order ("--" ends the flags).
func parseInterspersed(fs *flag.FlagSet, args []string) ([]string, error) {
	var rest []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		args = fs.Args()
		if len(args) == 0 {
			return rest, nil
		}
		rest = append(rest, args[0])
		args = args[1:]
	}
}

// days is a flag.Value of a duration that also takes whole days ("400d").
type days struct{ d *time.Duration }

func (v days) String() string {
	if v.d == nil {
		return ""
	}
	if *v.d%(24*time.Hour) == 0 {
		return strconv.FormatInt(int64(*v.d/(24*time.Hour)), 10) + "d"
	}
	return v.d.String()
}

func (v days) Set(s string) error {
	var d time.Duration
	if n, ok := strings.CutSuffix(s, "d"); ok {
		k, err := strconv.Atoi(n)
		if err != nil {
			return errors.New("want days (400d) or a duration (9600h)")
		}
		d = time.Duration(k) * 24 * time.Hour
	} else {
		var err error
		if d, err = time.ParseDuration(s); err != nil {
			return errors.New("want days (400d) or a duration (9600h)")
		}
	}
	if d <= 0 {
		return errors.New("must be positive")
	}
	*v.d = d
	return nil
}

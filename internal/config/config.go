// Package config holds the bodydouble configuration: one Config struct,
// filled from command-line flags with BODYDOUBLE_* environment equivalents.
package config

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"net/netip"
	"net/url"
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
}

// Default returns the configuration of a plain `bodydouble` with no flags.
func Default() Config {
	return Config{
		Addr:          ":8080",
		DataDir:       "data",
		RedisPrefix:   "bodydouble:",
		RateLimit:     true,
		LogFormat:     "text",
		ShutdownGrace: 10 * time.Second,
	}
}

// Parse reads args (without the program name) and the environment, in that
// order of precedence: a flag given on the command line beats BODYDOUBLE_*.
// It returns flag.ErrHelp after printing usage to out for -h/--help.
func Parse(args []string, getenv func(string) string, out io.Writer) (Config, error) {
	c := Default()
	fs := flag.NewFlagSet("bodydouble", flag.ContinueOnError)
	fs.SetOutput(out)
	var proxies, rateLimit string
	fs.StringVar(&c.Addr, "addr", c.Addr, "address to listen on")
	fs.StringVar(&c.DataDir, "data-dir", c.DataDir, "directory for the SQLite database and generated secret")
	fs.StringVar(&c.DatabaseURL, "database-url", "", "postgres://… to use PostgreSQL instead of SQLite")
	fs.StringVar(&c.RedisURL, "redis-url", "", "redis://… to fan out events between instances")
	fs.StringVar(&c.RedisPrefix, "redis-prefix", c.RedisPrefix, "prefix for Redis channels and keys")
	fs.StringVar(&c.Secret, "secret", "", "token signing secret, at least 32 bytes (generated and stored when empty)")
	fs.StringVar(&c.PublicURL, "public-url", "", "origin people use, e.g. https://focus.example.org (Origin check, Secure cookies)")
	fs.StringVar(&c.TLSCert, "tls-cert", "", "TLS certificate file to serve HTTPS")
	fs.StringVar(&c.TLSKey, "tls-key", "", "TLS key file to serve HTTPS")
	fs.StringVar(&proxies, "trusted-proxies", "", "comma-separated CIDRs whose X-Forwarded-* headers are believed")
	fs.StringVar(&rateLimit, "rate-limit", "on", "REST rate limiting: on or off")
	fs.StringVar(&c.LogFormat, "log-format", c.LogFormat, "log format: text or json")
	fs.DurationVar(&c.ShutdownGrace, "shutdown-grace", c.ShutdownGrace, "how long shutdown may take")

	// Environment first, so explicit flags parsed afterwards override it.
	var envErr error
	fs.VisitAll(func(f *flag.Flag) {
		name := "BODYDOUBLE_" + strings.ToUpper(strings.ReplaceAll(f.Name, "-", "_"))
		if v := getenv(name); v != "" {
			if err := f.Value.Set(v); err != nil && envErr == nil {
				envErr = fmt.Errorf("config: %s: %w", name, err)
			}
		}
		f.Usage += " (env " + name + ")"
	})
	if err := fs.Parse(args); err != nil {
		return Config{}, err
	}
	if envErr != nil {
		return Config{}, envErr
	}
	if fs.NArg() > 0 {
		return Config{}, fmt.Errorf("config: unexpected argument %q", fs.Arg(0))
	}
	switch rateLimit {
	case "on", "true":
		c.RateLimit = true
	case "off", "false":
		c.RateLimit = false
	default:
		return Config{}, fmt.Errorf("config: --rate-limit must be on or off, not %q", rateLimit)
	}
	var err error
	if c.TrustedProxies, err = parsePrefixes(proxies); err != nil {
		return Config{}, err
	}
	return c, c.Validate()
}

// Validate reports the first problem with c.
func (c Config) Validate() error {
	if c.Secret != "" && len(c.Secret) < 32 {
		return errors.New("config: --secret must be at least 32 bytes")
	}
	if (c.TLSCert == "") != (c.TLSKey == "") {
		return errors.New("config: --tls-cert and --tls-key go together")
	}
	if c.PublicURL != "" {
		u, err := url.Parse(c.PublicURL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || (u.Path != "" && u.Path != "/") {
			return fmt.Errorf("config: --public-url must be an origin like https://focus.example.org, not %q", c.PublicURL)
		}
	}
	if c.DatabaseURL != "" && !strings.HasPrefix(c.DatabaseURL, "postgres://") && !strings.HasPrefix(c.DatabaseURL, "postgresql://") {
		return errors.New("config: --database-url must be a postgres:// URL")
	}
	if c.LogFormat != "text" && c.LogFormat != "json" {
		return fmt.Errorf("config: --log-format must be text or json, not %q", c.LogFormat)
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

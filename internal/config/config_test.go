package config

import (
	"bytes"
	"errors"
	"flag"
	"strings"
	"testing"
)

func env(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

func TestDefaults(t *testing.T) {
	t.Parallel()
	c, err := Parse(nil, env(nil), &bytes.Buffer{})
	if err != nil {
		t.Fatal(err)
	}
	if c.Addr != ":8080" || c.DataDir != "data" || !c.RateLimit || c.DatabaseURL != "" || c.RedisURL != "" {
		t.Fatalf("defaults %+v", c)
	}
}

func TestFlagsBeatEnvironment(t *testing.T) {
	t.Parallel()
	c, err := Parse([]string{"--addr", "127.0.0.1:9000"}, env(map[string]string{
		"BODYDOUBLE_ADDR":            ":1",
		"BODYDOUBLE_DATABASE_URL":    "postgres://db/x",
		"BODYDOUBLE_RATE_LIMIT":      "off",
		"BODYDOUBLE_TRUSTED_PROXIES": "10.0.0.0/8, 192.168.1.1",
	}), &bytes.Buffer{})
	if err != nil {
		t.Fatal(err)
	}
	if c.Addr != "127.0.0.1:9000" || c.DatabaseURL != "postgres://db/x" || c.RateLimit {
		t.Fatalf("parsed %+v", c)
	}
	if len(c.TrustedProxies) != 2 || c.TrustedProxies[1].String() != "192.168.1.1/32" {
		t.Fatalf("proxies %v", c.TrustedProxies)
	}
}

func TestInvalidConfigurations(t *testing.T) {
	t.Parallel()
	for _, args := range [][]string{
		{"--secret", "short"},
		{"--tls-cert", "c.pem"},
		{"--public-url", "focus.example.org"},
		{"--public-url", "https://focus.example.org/app"},
		{"--database-url", "mysql://x"},
		{"--rate-limit", "maybe"},
		{"--trusted-proxies", "not-an-ip"},
		{"--log-format", "xml"},
		{"stray"},
	} {
		if _, err := Parse(args, env(nil), &bytes.Buffer{}); err == nil {
			t.Errorf("Parse(%q) accepted", args)
		}
	}
	if _, err := Parse(nil, env(map[string]string{"BODYDOUBLE_SHUTDOWN_GRACE": "soon"}), &bytes.Buffer{}); err == nil {
		t.Error("bad environment value accepted")
	}
}

func TestHelpListsEveryFlagWithItsVariable(t *testing.T) {
	t.Parallel()
	var out bytes.Buffer
	if _, err := Parse([]string{"--help"}, env(nil), &out); !errors.Is(err, flag.ErrHelp) {
		t.Fatalf("--help: %v", err)
	}
	for _, name := range []string{"addr", "data-dir", "database-url", "redis-url", "secret", "public-url", "tls-cert", "tls-key", "trusted-proxies", "rate-limit"} {
		variable := "BODYDOUBLE_" + strings.ToUpper(strings.ReplaceAll(name, "-", "_"))
		if !strings.Contains(out.String(), "-"+name) || !strings.Contains(out.String(), variable) {
			t.Errorf("--help lacks %s / %s", name, variable)
		}
	}
}

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
		{"--log-level", "verbose"},
		{"--access-log", "sometimes"},
		{"--database-url", "postgres://u:p%zz@h/db"},
		{"--redis-url", "http://cache:6379"},
		{"--redis-url", "redis://u:p%zz@h"},
		{"--max-conns-per-addr", "-1"},
		{"--max-conns-per-addr", "many"},
		{"--bogus"},
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
	for _, name := range []string{"max-conns-per-addr", "addr", "data-dir", "database-url", "redis-url", "secret", "public-url", "tls-cert", "tls-key", "trusted-proxies", "rate-limit", "turn-addr", "turn-public-ip", "turn-secret", "turn-allow-local", "turn-relay-ports", "ice-servers", "blocklist-file"} {
		variable := "BODYDOUBLE_" + strings.ToUpper(strings.ReplaceAll(name, "-", "_"))
		if !strings.Contains(out.String(), "-"+name) || !strings.Contains(out.String(), variable) {
			t.Errorf("--help lacks %s / %s", name, variable)
		}
	}
}

func TestBlocklistFile(t *testing.T) {
	t.Parallel()
	c, err := Parse(nil, env(nil), &bytes.Buffer{})
	if err != nil || c.BlocklistFile != "" {
		t.Fatalf("default %q, %v", c.BlocklistFile, err)
	}
	c, err = Parse(nil, env(map[string]string{"BODYDOUBLE_BLOCKLIST_FILE": "/etc/bodydouble/words.txt"}), &bytes.Buffer{})
	if err != nil || c.BlocklistFile != "/etc/bodydouble/words.txt" {
		t.Fatalf("from the environment %q, %v", c.BlocklistFile, err)
	}
	c, err = Parse([]string{"--blocklist-file", "words.txt"}, env(map[string]string{"BODYDOUBLE_BLOCKLIST_FILE": "other.txt"}), &bytes.Buffer{})
	if err != nil || c.BlocklistFile != "words.txt" {
		t.Fatalf("flag over environment %q, %v", c.BlocklistFile, err)
	}
}

func TestTURNDefaults(t *testing.T) {
	t.Parallel()
	c, err := Parse(nil, env(nil), &bytes.Buffer{})
	if err != nil {
		t.Fatal(err)
	}
	if c.TURNAddr != ":3478" || c.TURNPublicIP != "" || c.TURNSecret != "" || c.TURNAllowLocal || c.TURNRelayPortMin != 0 || c.ICEServers != nil {
		t.Fatalf("TURN defaults %+v", c)
	}
}

func TestTURNFlags(t *testing.T) {
	t.Parallel()
	c, err := Parse([]string{
		"--turn-addr", "127.0.0.1:0", "--turn-public-ip", "203.0.113.7", "--turn-allow-local",
		"--turn-relay-ports", "49152-49200",
		"--ice-servers", `[{"urls":"stun:stun.example.org"},{"urls":["turn:turn.example.org:3478?transport=udp","turns:turn.example.org:5349"]},{"urls":"turn:static.example.org","username":"u","credential":"p"}]`,
	}, env(map[string]string{"BODYDOUBLE_TURN_SECRET": "coturn-shared-secret-123", "BODYDOUBLE_TURN_ADDR": "off"}), &bytes.Buffer{})
	if err != nil {
		t.Fatal(err)
	}
	if c.TURNAddr != "127.0.0.1:0" || c.TURNPublicIP != "203.0.113.7" || c.TURNSecret != "coturn-shared-secret-123" || !c.TURNAllowLocal {
		t.Fatalf("parsed %+v", c)
	}
	if c.TURNRelayPortMin != 49152 || c.TURNRelayPortMax != 49200 {
		t.Errorf("relay ports %d-%d", c.TURNRelayPortMin, c.TURNRelayPortMax)
	}
	if len(c.ICEServers) != 3 || c.ICEServers[0].URLs[0] != "stun:stun.example.org" || len(c.ICEServers[1].URLs) != 2 ||
		c.ICEServers[2].Username != "u" || c.ICEServers[2].Credential != "p" {
		t.Errorf("ice servers %+v", c.ICEServers)
	}
	if c.ICEServers[0].NeedsCredentials() || !c.ICEServers[1].NeedsCredentials() {
		t.Error("NeedsCredentials")
	}

	// Environment alone; off disables the built-in server.
	c, err = Parse(nil, env(map[string]string{"BODYDOUBLE_TURN_ADDR": "off", "BODYDOUBLE_TURN_ALLOW_LOCAL": "true", "BODYDOUBLE_TURN_PUBLIC_IP": "2001:db8::7"}), &bytes.Buffer{})
	if err != nil {
		t.Fatal(err)
	}
	if c.TURNAddr != TURNOff || !c.TURNAllowLocal || c.TURNPublicIP != "2001:db8::7" {
		t.Fatalf("from the environment: %+v", c)
	}
}

func TestInvalidTURNConfigurations(t *testing.T) {
	t.Parallel()
	for _, args := range [][]string{
		{"--turn-addr", "3478"},
		{"--turn-addr", "turn.example.org:3478"},
		{"--turn-addr", ":99999"},
		{"--turn-addr", ":x"},
		{"--turn-addr", "127.0.0.1:3478", "--turn-public-ip", "2001:db8::1"},
		{"--turn-public-ip", "turn.example.org"},
		{"--turn-public-ip", "0.0.0.0"},
		{"--turn-public-ip", "fe80::1%eth0"},
		{"--turn-secret", "short"},
		{"--turn-allow-local", "--turn-allow-local=maybe"},
		{"--turn-relay-ports", "49152"},
		{"--turn-relay-ports", "50000-49152"},
		{"--turn-relay-ports", "0-10"},
		{"--turn-relay-ports", "1-70000"},
		{"--ice-servers", `{"urls":"stun:x"}`},
		{"--ice-servers", `[{"urls":"stun:x"}] []`},
		{"--ice-servers", `[{"url":"stun:x"}]`},
		{"--ice-servers", `[{"urls":[]}]`},
		{"--ice-servers", `[{"urls":42}]`},
		{"--ice-servers", `[{"urls":"http://x"}]`},
		{"--ice-servers", `[{"urls":"stun:"}]`},
		{"--ice-servers", `[{"urls":"turn:x","username":"u"}]`},
		// A TURN server without static credentials needs the shared secret.
		{"--ice-servers", `[{"urls":"turn:x"}]`},
	} {
		if _, err := Parse(args, env(nil), &bytes.Buffer{}); err == nil {
			t.Errorf("Parse(%q) accepted", args)
		}
	}
	if _, err := Parse([]string{"--ice-servers", `[{"urls":"turn:x"}]`, "--turn-secret", "0123456789abcdef"}, env(nil), &bytes.Buffer{}); err != nil {
		t.Errorf("coturn with a shared secret: %v", err)
	}
	if _, err := Parse(nil, env(map[string]string{"BODYDOUBLE_TURN_ALLOW_LOCAL": "perhaps"}), &bytes.Buffer{}); err == nil {
		t.Error("bad BODYDOUBLE_TURN_ALLOW_LOCAL accepted")
	}
}

func TestURLErrorsNeverQuoteTheURL(t *testing.T) {
	t.Parallel()
	for _, args := range [][]string{
		{"--database-url", "postgres://bd:s3cr%zzet@db/bodydouble"},
		{"--redis-url", "redis://:s3cr%zzet@cache:6379/0"},
		{"--database-url", "mysql://bd:s3cr%zzet@db/x"},
	} {
		_, err := Parse(args, env(nil), &bytes.Buffer{})
		if err == nil || strings.Contains(err.Error(), "s3cr") {
			t.Errorf("Parse(%q): %v", args, err)
		}
	}
}

func TestBadFlagIsOneLineAndUsageOnlyOnHelp(t *testing.T) {
	t.Parallel()
	var out bytes.Buffer
	_, err := Parse([]string{"--max-conns-per-addr", "many"}, env(nil), &out)
	if err == nil || strings.Contains(err.Error(), "\n") || !strings.Contains(err.Error(), "max-conns-per-addr") {
		t.Fatalf("error %q", err)
	}
	if out.Len() != 0 {
		t.Fatalf("a bad flag printed usage:\n%s", out.String())
	}
}

func TestMaxConnsPerAddr(t *testing.T) {
	t.Parallel()
	c, err := Parse(nil, env(map[string]string{"BODYDOUBLE_MAX_CONNS_PER_ADDR": "0"}), &bytes.Buffer{})
	if err != nil || c.MaxConnsPerAddr != 0 {
		t.Fatalf("env 0: %v %d", err, c.MaxConnsPerAddr)
	}
	c, err = Parse(nil, env(nil), &bytes.Buffer{})
	if err != nil || c.MaxConnsPerAddr != DefaultMaxConnsPerAddr {
		t.Fatalf("default: %v %d", err, c.MaxConnsPerAddr)
	}
}

func TestRoomCreationCaps(t *testing.T) {
	t.Parallel()
	c, err := Parse(nil, env(nil), &bytes.Buffer{})
	if err != nil || c.MaxOpenRooms != 3 || c.MaxRoomsPerHour != 10 {
		t.Fatalf("default: %v %d %d", err, c.MaxOpenRooms, c.MaxRoomsPerHour)
	}
	// The environment sets them; a flag beats it; 0 switches a cap off.
	c, err = Parse([]string{"--max-rooms-per-hour", "0"},
		env(map[string]string{"BODYDOUBLE_MAX_OPEN_ROOMS": "5", "BODYDOUBLE_MAX_ROOMS_PER_HOUR": "20"}), &bytes.Buffer{})
	if err != nil || c.MaxOpenRooms != 5 || c.MaxRoomsPerHour != 0 {
		t.Fatalf("env and flag: %v %d %d", err, c.MaxOpenRooms, c.MaxRoomsPerHour)
	}
	for _, args := range [][]string{{"--max-open-rooms", "-1"}, {"--max-rooms-per-hour", "-1"}} {
		if _, err := Parse(args, env(nil), &bytes.Buffer{}); err == nil || !strings.Contains(err.Error(), args[0]) {
			t.Errorf("%v: error %v, want one naming the flag", args, err)
		}
	}
}

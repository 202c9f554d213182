package deploytest

import (
	"net/netip"
	"regexp"
	"slices"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

// The parts of a compose file the tests read.
type composeFile struct {
	Services map[string]composeService `yaml:"services"`
	Networks map[string]struct {
		IPAM struct {
			Config []struct {
				Subnet string `yaml:"subnet"`
			} `yaml:"config"`
		} `yaml:"ipam"`
	} `yaml:"networks"`
	Volumes map[string]any `yaml:"volumes"`
}

type composeService struct {
	Image       string            `yaml:"image"`
	Build       any               `yaml:"build"`
	Environment map[string]string `yaml:"environment"`
	DependsOn   map[string]struct {
		Condition string `yaml:"condition"`
	} `yaml:"depends_on"`
	Ports       []string `yaml:"ports"`
	Volumes     []string `yaml:"volumes"`
	ReadOnly    bool     `yaml:"read_only"`
	Tmpfs       []string `yaml:"tmpfs"`
	CapDrop     []string `yaml:"cap_drop"`
	Healthcheck *struct {
		Test []string `yaml:"test"`
	} `yaml:"healthcheck"`
	Networks map[string]struct {
		IPv4Address string `yaml:"ipv4_address"`
	} `yaml:"networks"`
}

// interpolation is one ${VAR}, ${VAR:-default} or ${VAR:?message} of compose.
var interpolation = regexp.MustCompile(`\$\{([A-Z0-9_]+)(?::?[-?][^}]*)?\}`)

func TestCompose(t *testing.T) {
	text := read(t, "deploy/compose.yaml")
	var c composeFile
	// Decoding into structs resolves the anchors and merge keys (<<).
	if err := yaml.Unmarshal([]byte(text), &c); err != nil {
		t.Fatal(err)
	}

	// Two bodydouble instances of one image, built from the repository.
	var instances []string
	for name, s := range c.Services {
		if strings.Contains(s.Image, "BODYDOUBLE_IMAGE") {
			instances = append(instances, name)
		}
	}
	slices.Sort(instances)
	if len(instances) != 2 {
		t.Fatalf("bodydouble services %v, want two", instances)
	}
	caddy, postgres, redis := c.Services["caddy"], c.Services["postgres"], c.Services["redis"]
	if !strings.HasPrefix(postgres.Image, "postgres:16") || !strings.HasPrefix(redis.Image, "redis:7") || !strings.HasPrefix(caddy.Image, "caddy:2") {
		t.Errorf("images: postgres %q, redis %q, caddy %q; want postgres:16, redis:7, caddy:2", postgres.Image, redis.Image, caddy.Image)
	}
	if postgres.Healthcheck == nil || !slices.Contains(postgres.Healthcheck.Test, "pg_isready") || redis.Healthcheck == nil || !slices.Contains(redis.Healthcheck.Test, "ping") {
		t.Errorf("PostgreSQL and Redis need health checks for depends_on: service_healthy")
	}

	caddyIP := caddy.Networks["backend"].IPv4Address
	subnet, err := netip.ParsePrefix(c.Networks["backend"].IPAM.Config[0].Subnet)
	if err != nil || !subnet.Contains(netip.MustParseAddr(caddyIP)) {
		t.Errorf("Caddy's address %q is not in the backend network %v", caddyIP, subnet)
	}

	turn := 0
	for _, name := range instances {
		s := c.Services[name]
		if s.Image != c.Services[instances[0]].Image || s.Build == nil {
			t.Errorf("%s: image %q, build %v; want the same image, built from the repository", name, s.Image, s.Build)
		}
		for _, dep := range []string{"postgres", "redis"} {
			if s.DependsOn[dep].Condition != "service_healthy" {
				t.Errorf("%s: depends_on %s %+v, want condition service_healthy", name, dep, s.DependsOn[dep])
			}
		}
		env := s.Environment
		if !strings.Contains(env["BODYDOUBLE_DATABASE_URL"], "@postgres:5432/") || env["BODYDOUBLE_REDIS_URL"] != "redis://redis:6379/0" {
			t.Errorf("%s: database %q, redis %q", name, env["BODYDOUBLE_DATABASE_URL"], env["BODYDOUBLE_REDIS_URL"])
		}
		if env["BODYDOUBLE_TRUSTED_PROXIES"] != caddyIP {
			t.Errorf("%s: trusted proxies %q, want Caddy's address %s", name, env["BODYDOUBLE_TRUSTED_PROXIES"], caddyIP)
		}
		if env["BODYDOUBLE_PUBLIC_URL"] != "https://${DOMAIN:?set DOMAIN in deploy/.env}" {
			t.Errorf("%s: public URL %q", name, env["BODYDOUBLE_PUBLIC_URL"])
		}
		if !strings.HasPrefix(env["BODYDOUBLE_KEYRING_FILE"], "/run/bodydouble/") || !slices.Contains(s.Volumes, "./secrets:/run/bodydouble:ro") {
			t.Errorf("%s: keyring %q from volumes %v, want the read-only secrets directory", name, env["BODYDOUBLE_KEYRING_FILE"], s.Volumes)
		}
		if !slices.ContainsFunc(s.Volumes, func(v string) bool { return strings.HasSuffix(v, ":/data") }) {
			t.Errorf("%s: no volume on /data: %v", name, s.Volumes)
		}
		if !s.ReadOnly || !slices.Contains(s.Tmpfs, "/tmp") || !slices.Contains(s.CapDrop, "ALL") {
			t.Errorf("%s: read_only %v tmpfs %v cap_drop %v", name, s.ReadOnly, s.Tmpfs, s.CapDrop)
		}
		// TURN: published by exactly one instance, which says its public
		// address; the other hands out that one's.
		if env["BODYDOUBLE_TURN_ADDR"] == "off" {
			if !strings.Contains(env["BODYDOUBLE_ICE_SERVERS"], "turn:${DOMAIN}:3478") || len(s.Ports) != 0 {
				t.Errorf("%s: TURN off, ICE servers %q, ports %v", name, env["BODYDOUBLE_ICE_SERVERS"], s.Ports)
			}
			continue
		}
		turn++
		if !slices.Contains(s.Ports, "3478:3478/udp") || !slices.Contains(s.Ports, "3478:3478/tcp") || !strings.Contains(env["BODYDOUBLE_TURN_PUBLIC_IP"], "TURN_PUBLIC_IP") {
			t.Errorf("%s: TURN on %q, ports %v, public IP %q", name, env["BODYDOUBLE_TURN_ADDR"], s.Ports, env["BODYDOUBLE_TURN_PUBLIC_IP"])
		}
	}
	if turn != 1 {
		t.Errorf("%d instances run TURN, want 1", turn)
	}
	if !slices.Contains(caddy.Ports, "80:80/tcp") || !slices.Contains(caddy.Ports, "443:443/tcp") || !slices.Contains(caddy.Volumes, "./Caddyfile:/etc/caddy/Caddyfile:ro") {
		t.Errorf("caddy: ports %v volumes %v", caddy.Ports, caddy.Volumes)
	}

	// No secret in the file: every value of a secret-looking variable is
	// an interpolation only, and the database password is one too.
	secretName := regexp.MustCompile(`SECRET|PASSWORD|TOKEN|DSN|_KEY$`)
	for name, s := range c.Services {
		for k, v := range s.Environment {
			if secretName.MatchString(k) && interpolation.ReplaceAllString(v, "") != "" {
				t.Errorf("%s: %s=%q holds a literal; secrets come from the environment", name, k, v)
			}
		}
	}
	if u := c.Services[instances[0]].Environment["BODYDOUBLE_DATABASE_URL"]; !strings.HasPrefix(u, "postgres://bodydouble:${POSTGRES_PASSWORD") {
		t.Errorf("database URL %q: the password must come from POSTGRES_PASSWORD", u)
	}

	// Every variable the file reads is described in compose.env.example.
	example := read(t, "deploy/compose.env.example")
	for _, m := range interpolation.FindAllStringSubmatch(text, -1) {
		if !regexp.MustCompile(`(?m)^#?` + m[1] + `=`).MatchString(example) {
			t.Errorf("compose.yaml reads ${%s}, which compose.env.example does not mention", m[1])
		}
	}
	// The example holds no value of a secret.
	for _, line := range strings.Split(example, "\n") {
		if k, v, ok := strings.Cut(line, "="); ok && !strings.HasPrefix(k, "#") && secretName.MatchString(k) && v != "" {
			t.Errorf("compose.env.example: %s has a value", k)
		}
	}

	// Caddy balances exactly the two instances, on the port the image
	// listens on, with health checks on /readyz, for $DOMAIN.
	caddyfile := read(t, "deploy/Caddyfile")
	proxy := regexp.MustCompile(`(?m)^\s*reverse_proxy\s+([^{\n]+)\{`).FindStringSubmatch(caddyfile)
	if proxy == nil {
		t.Fatal("Caddyfile: no reverse_proxy block")
	}
	upstreams := strings.Fields(proxy[1])
	slices.Sort(upstreams)
	port := regexp.MustCompile(`BODYDOUBLE_ADDR=:(\d+)`).FindStringSubmatch(read(t, "Dockerfile"))
	if port == nil || !slices.Equal(upstreams, []string{instances[0] + ":" + port[1], instances[1] + ":" + port[1]}) {
		t.Errorf("Caddyfile upstreams %v, want %v on the image's port", upstreams, instances)
	}
	for _, want := range []string{"{$DOMAIN} {", "health_uri /readyz", "health_status 200"} {
		if !strings.Contains(caddyfile, want) {
			t.Errorf("Caddyfile lacks %q", want)
		}
	}
	if caddy.Environment["DOMAIN"] == "" {
		t.Errorf("caddy gets no DOMAIN")
	}
}

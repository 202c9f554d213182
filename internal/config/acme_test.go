package config

import (
	"bytes"
	"slices"
	"strings"
	"testing"
)

func TestDomainOff(t *testing.T) {
	c, err := Parse(nil, env(nil), &bytes.Buffer{})
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Domains) != 0 || c.PublicURL != "" {
		t.Errorf("HTTPS over ACME is on by default: %q, public URL %q", c.Domains, c.PublicURL)
	}
	if c.ACMECA != LetsEncrypt || c.HTTPSAddr != ":443" || c.HTTPAddr != ":80" {
		t.Errorf("defaults: CA %q, HTTPS %q, HTTP %q", c.ACMECA, c.HTTPSAddr, c.HTTPAddr)
	}
}

func TestDomain(t *testing.T) {
	c, err := Parse([]string{"--domain", " Focus.Example.org., www.example.org"}, env(nil), &bytes.Buffer{})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(c.Domains, []string{"focus.example.org", "www.example.org"}) {
		t.Errorf("domains %q", c.Domains)
	}
	// --public-url follows the first domain, with the HTTPS port unless 443.
	if c.PublicURL != "https://focus.example.org" || c.PublicOrigin() != "https://focus.example.org" {
		t.Errorf("public URL %q", c.PublicURL)
	}
	c, err = Parse([]string{"--domain", "focus.example.org", "--https-addr", "127.0.0.1:8443", "--http-addr", "127.0.0.1:8080"}, env(nil), &bytes.Buffer{})
	if err != nil || c.PublicURL != "https://focus.example.org:8443" || c.HTTPSAddr != "127.0.0.1:8443" || c.HTTPAddr != "127.0.0.1:8080" {
		t.Errorf("other ports: %q %q %q, %v", c.PublicURL, c.HTTPSAddr, c.HTTPAddr, err)
	}
	// From the environment, with every ACME setting.
	c, err = Parse(nil, env(map[string]string{
		"BODYDOUBLE_DOMAIN": "focus.example.org", "BODYDOUBLE_ACME_CA": "https://127.0.0.1:14000/dir",
		"BODYDOUBLE_ACME_EMAIL": "ops@example.org", "BODYDOUBLE_ACME_CA_ROOT": "/etc/ca.pem",
		"BODYDOUBLE_PUBLIC_URL": "https://focus.example.org",
	}), &bytes.Buffer{})
	if err != nil || c.ACMECA != "https://127.0.0.1:14000/dir" || c.ACMEEmail != "ops@example.org" || c.ACMECARoot != "/etc/ca.pem" || c.Domains[0] != "focus.example.org" {
		t.Errorf("from the environment: %+v, %v", c, err)
	}
	// A given --public-url may name any of the domains.
	if c, err := Parse([]string{"--domain", "a.example.org,b.example.org", "--public-url", "https://b.example.org"}, env(nil), &bytes.Buffer{}); err != nil || c.PublicURL != "https://b.example.org" {
		t.Errorf("public URL of the second domain: %q, %v", c.PublicURL, err)
	}
}

func TestDomainRefused(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--domain", "focus.example.org", "--tls-cert", "c.pem", "--tls-key", "k.pem"}, "--tls-cert"},
		{[]string{"--domain", "*.example.org"}, "--domain"},
		{[]string{"--domain", "192.0.2.1"}, "--domain"},
		{[]string{"--domain", "focus..example.org"}, "--domain"},
		{[]string{"--domain", "-focus.example.org"}, "--domain"},
		{[]string{"--domain", "focus.example.org:443"}, "--domain"},
		{[]string{"--domain", "https://focus.example.org"}, "--domain"},
		{[]string{"--domain", "a.example.org,A.example.org"}, "twice"},
		{[]string{"--domain", "focus.example.org", "--acme-ca", "http://ca.example/dir"}, "--acme-ca"},
		{[]string{"--domain", "focus.example.org", "--acme-ca", "not a url"}, "--acme-ca"},
		{[]string{"--domain", "focus.example.org", "--acme-email", "nobody"}, "--acme-email"},
		{[]string{"--domain", "focus.example.org", "--acme-email", "a@b, c@d"}, "--acme-email"},
		{[]string{"--domain", "focus.example.org", "--https-addr", "443"}, "--https-addr"},
		{[]string{"--domain", "focus.example.org", "--http-addr", ":0"}, "--http-addr"},
		{[]string{"--domain", "focus.example.org", "--https-addr", ":8443", "--http-addr", "127.0.0.1:8443"}, "different ports"},
		{[]string{"--domain", "focus.example.org", "--public-url", "http://focus.example.org"}, "--public-url"},
		{[]string{"--domain", "focus.example.org", "--public-url", "https://other.example.org"}, "--public-url"},
	} {
		if _, err := Parse(tc.args, env(nil), &bytes.Buffer{}); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q: %v, want an error about %s", tc.args, err, tc.want)
		}
	}
}

package config

import (
	"bytes"
	"strings"
	"testing"
)

func TestMetricsAddr(t *testing.T) {
	c, err := Parse(nil, env(nil), &bytes.Buffer{})
	if err != nil {
		t.Fatal(err)
	}
	if c.MetricsAddr != "" {
		t.Errorf("metrics are on by default: %q", c.MetricsAddr)
	}
	c, err = Parse(nil, env(map[string]string{"BODYDOUBLE_METRICS_ADDR": "127.0.0.1:9090"}), &bytes.Buffer{})
	if err != nil || c.MetricsAddr != "127.0.0.1:9090" {
		t.Errorf("from the environment: %q, %v", c.MetricsAddr, err)
	}
	c, err = Parse([]string{"--metrics-addr", ":9100"}, env(map[string]string{"BODYDOUBLE_METRICS_ADDR": "127.0.0.1:9090"}), &bytes.Buffer{})
	if err != nil || c.MetricsAddr != ":9100" {
		t.Errorf("flag over the environment: %q, %v", c.MetricsAddr, err)
	}
	for _, bad := range [][]string{
		{"--metrics-addr", "9090"},                     // no host:port
		{"--metrics-addr", "127.0.0.1:"},               // no port
		{"--addr", ":8080", "--metrics-addr", ":8080"}, // the public port
		{"--addr", ":8080", "--metrics-addr", "127.0.0.1:8080"},
		{"--addr", "127.0.0.1:8080", "--metrics-addr", "0.0.0.0:8080"},
		{"--addr", "[::]:8080", "--metrics-addr", "[::1]:8080"},
		{"--domain", "focus.example.org", "--metrics-addr", "127.0.0.1:443"}, // --https-addr :443
		{"--domain", "focus.example.org", "--metrics-addr", ":80"},           // --http-addr :80
	} {
		if _, err := Parse(bad, env(nil), &bytes.Buffer{}); err == nil || !strings.Contains(err.Error(), "--metrics-addr") {
			t.Errorf("%v: %v, want an error about --metrics-addr", bad, err)
		}
	}
	for _, good := range [][]string{
		{"--addr", ":8080", "--metrics-addr", "127.0.0.1:9090"},
		{"--addr", "127.0.0.1:8080", "--metrics-addr", "10.0.0.5:8080"}, // another address, same port
		{"--addr", "127.0.0.1:0", "--metrics-addr", "127.0.0.1:0"},      // both chosen by the system
		{"--domain", "focus.example.org", "--metrics-addr", "127.0.0.1:8080"},
	} {
		if _, err := Parse(good, env(nil), &bytes.Buffer{}); err != nil {
			t.Errorf("%v: %v", good, err)
		}
	}
}

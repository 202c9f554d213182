package config

import (
	"io"
	"testing"
	"time"
)

func TestRetainAudit(t *testing.T) {
	env := func(string) string { return "" }
	c, err := Parse(nil, env, io.Discard)
	if err != nil || c.RetainAudit != 400*24*time.Hour {
		t.Fatalf("default: %v, %v", c.RetainAudit, err)
	}
	for in, want := range map[string]time.Duration{"30d": 30 * 24 * time.Hour, "72h": 72 * time.Hour} {
		c, err := Parse([]string{"--retain-audit", in}, env, io.Discard)
		if err != nil || c.RetainAudit != want {
			t.Errorf("--retain-audit %s: %v, %v", in, c.RetainAudit, err)
		}
	}
	c, err = Parse(nil, func(k string) string {
		if k == "BODYDOUBLE_RETAIN_AUDIT" {
			return "10d"
		}
		return ""
	}, io.Discard)
	if err != nil || c.RetainAudit != 10*24*time.Hour {
		t.Errorf("BODYDOUBLE_RETAIN_AUDIT=10d: %v, %v", c.RetainAudit, err)
	}
	for _, bad := range []string{"0d", "-1h", "soon", "d"} {
		if _, err := Parse([]string{"--retain-audit", bad}, env, io.Discard); err == nil {
			t.Errorf("--retain-audit %s accepted", bad)
		}
	}
}

func TestParseCommandKeepsWords(t *testing.T) {
	env := func(string) string { return "" }
	c, words, err := ParseCommand([]string{"--data-dir", "/x", "role", "id", "admin", "--log-format", "json"}, env, io.Discard)
	if err != nil || c.DataDir != "/x" || c.LogFormat != "json" || len(words) != 3 || words[0] != "role" || words[2] != "admin" {
		t.Fatalf("ParseCommand: %+v %v %v", c.DataDir, words, err)
	}
	if _, err := Parse([]string{"role"}, env, io.Discard); err == nil {
		t.Fatal("Parse accepted a word")
	}
}

package config

import (
	"io"
	"testing"
	"time"
)

func TestRetainInactive(t *testing.T) {
	env := func(string) string { return "" }
	c, err := Parse(nil, env, io.Discard)
	if err != nil || c.RetainInactive != 365*24*time.Hour {
		t.Fatalf("default: %v, %v", c.RetainInactive, err)
	}
	for in, want := range map[string]time.Duration{"30d": 30 * 24 * time.Hour, "72h": 72 * time.Hour, "0": 0, "0d": 0} {
		c, err := Parse([]string{"--retain-inactive", in}, env, io.Discard)
		if err != nil || c.RetainInactive != want {
			t.Errorf("--retain-inactive %s: %v, %v", in, c.RetainInactive, err)
		}
	}
	c, err = Parse(nil, func(k string) string {
		if k == "BODYDOUBLE_RETAIN_INACTIVE" {
			return "0"
		}
		return ""
	}, io.Discard)
	if err != nil || c.RetainInactive != 0 {
		t.Errorf("BODYDOUBLE_RETAIN_INACTIVE=0: %v, %v", c.RetainInactive, err)
	}
	for _, bad := range []string{"-1h", "-1d", "soon", "d", "0x"} {
		if _, err := Parse([]string{"--retain-inactive", bad}, env, io.Discard); err == nil {
			t.Errorf("--retain-inactive %s accepted", bad)
		}
	}
}

package config

import (
	"bytes"
	"testing"
)

func TestIdentitiesAndBlockCIDRs(t *testing.T) {
	c, err := Parse(nil, env(nil), &bytes.Buffer{})
	if err != nil {
		t.Fatal(err)
	}
	if c.IdentitiesPerHour != 30 || c.BlockCIDRsFile != "" {
		t.Errorf("defaults: %d identities an hour, block file %q; want 30 and none", c.IdentitiesPerHour, c.BlockCIDRsFile)
	}
	c, err = Parse(nil, env(map[string]string{"BODYDOUBLE_IDENTITIES_PER_HOUR": "5", "BODYDOUBLE_BLOCK_CIDRS": "/etc/bd/blocked"}), &bytes.Buffer{})
	if err != nil {
		t.Fatal(err)
	}
	if c.IdentitiesPerHour != 5 || c.BlockCIDRsFile != "/etc/bd/blocked" {
		t.Errorf("from the environment: %d, %q", c.IdentitiesPerHour, c.BlockCIDRsFile)
	}
	c, err = Parse([]string{"--identities-per-hour", "0", "--block-cidrs", "b.txt"}, env(map[string]string{"BODYDOUBLE_IDENTITIES_PER_HOUR": "5"}), &bytes.Buffer{})
	if err != nil {
		t.Fatal(err)
	}
	if c.IdentitiesPerHour != 0 || c.BlockCIDRsFile != "b.txt" {
		t.Errorf("flags over the environment: %d, %q", c.IdentitiesPerHour, c.BlockCIDRsFile)
	}
	if _, err := Parse([]string{"--identities-per-hour", "-1"}, env(nil), &bytes.Buffer{}); err == nil {
		t.Error("a negative --identities-per-hour was accepted")
	}
}

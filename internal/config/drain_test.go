package config

import (
	"io"
	"testing"
	"time"
)

func TestDrainDelay(t *testing.T) {
	env := func(string) string { return "" }
	for _, tc := range []struct {
		args []string
		want time.Duration
	}{
		{nil, 0}, // one instance: nobody to drain to
		{[]string{"--redis-url", "redis://127.0.0.1:6379/0"}, 2 * time.Second},
		{[]string{"--redis-url", "redis://127.0.0.1:6379/0", "--drain-delay", "0"}, 0},
		{[]string{"--drain-delay", "5s"}, 5 * time.Second},
		{[]string{"--drain-delay", "auto"}, 0},
	} {
		c, err := Parse(tc.args, env, io.Discard)
		if err != nil || c.DrainDelay != tc.want {
			t.Errorf("%v: %v, %v; want %v", tc.args, c.DrainDelay, err, tc.want)
		}
	}
	for _, bad := range [][]string{
		{"--drain-delay", "-1s"},
		{"--drain-delay", "soon"},
		{"--drain-delay", "10s"}, // not shorter than --shutdown-grace (10s)
		{"--drain-delay", "3s", "--shutdown-grace", "2s"},
	} {
		if _, err := Parse(bad, env, io.Discard); err == nil {
			t.Errorf("%v accepted", bad)
		}
	}
}

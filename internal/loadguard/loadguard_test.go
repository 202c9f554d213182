package loadguard

import "testing"

func TestLoopbackOnly(t *testing.T) {
	t.Parallel()
	for _, ok := range []string{"http://127.0.0.1:8080", "http://localhost:1/x?y", "http://[::1]:80", "http://127.1.2.3:9"} {
		u, err := Loopback(ok)
		if err != nil {
			t.Errorf("Loopback(%q): %v", ok, err)
		} else if u.Path != "" || u.RawQuery != "" {
			t.Errorf("Loopback(%q) kept %q", ok, u)
		}
	}
	for _, bad := range []string{"http://10.0.0.1:80", "http://example.com", "https://127.0.0.1:443", "http://128.0.0.1", "::"} {
		if _, err := Loopback(bad); err == nil {
			t.Errorf("Loopback(%q) allowed", bad)
		}
	}
}

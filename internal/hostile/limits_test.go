package hostile

import (
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// TestIdentityFloodFromOneNetwork: a script making identities from 40
// addresses of one /24 (each under its own per-address limits) gets the
// network's 30 an hour, then 429 with Retry-After and nothing made;
// another network is not affected.
func TestIdentityFloodFromOneNetwork(t *testing.T) {
	t.Parallel()
	s := startServer(t)
	created, refused := 0, 0
	for i := range 40 {
		src := person{src: "127.0.0." + strconv.Itoa(100+i)}
		req, _ := http.NewRequest("POST", "http://"+s.addr+"/api/auth/anonymous", nil)
		res, err := httpClient(src.src).Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		switch res.StatusCode {
		case http.StatusCreated:
			created++
		case http.StatusTooManyRequests:
			refused++
			if ra, _ := strconv.Atoi(res.Header.Get("Retry-After")); ra < 60 || ra > 120 {
				t.Errorf("Retry-After %q, want within a new identity's share of the hour (≤ 120 s)", res.Header.Get("Retry-After"))
			}
			if len(res.Cookies()) != 0 {
				t.Error("a refused signup set a cookie")
			}
		default:
			t.Fatalf("signup %d: %d", i+1, res.StatusCode)
		}
	}
	if created != 30 || refused != 10 {
		t.Errorf("%d created, %d refused; want 30 and 10", created, refused)
	}
	s.signUp(t, "127.0.1.5") // another /24
}

// TestBlockedNetwork: a network of --block-cidrs gets 403 forbidden on the
// API, the web app and before a /ws upgrade, whatever its credentials;
// its neighbours are served.
func TestBlockedNetwork(t *testing.T) {
	t.Parallel()
	file := filepath.Join(t.TempDir(), "blocked.txt")
	if err := os.WriteFile(file, []byte("# abuse\n127.0.2.0/24\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	s := startServer(t, "--block-cidrs", file)
	good := s.signUp(t, "127.0.0.40")
	bad := person{src: "127.0.2.9", token: good.token} // a stolen token does not help
	for _, path := range []string{"/api/rooms", "/api/auth/session", "/", "/api/openapi.json"} {
		status, body := s.call(t, bad, "GET", path, nil, nil)
		if status != http.StatusForbidden || !strings.Contains(string(body), `"forbidden"`) || !strings.Contains(string(body), "network is blocked") {
			t.Errorf("GET %s from a blocked network: %d %s", path, status, body)
		}
	}
	if status, body := s.call(t, bad, "POST", "/api/auth/anonymous", nil, nil); status != http.StatusForbidden {
		t.Errorf("signup from a blocked network: %d %s", status, body)
	}
	if _, status, body := s.dialBody(t, bad); status != http.StatusForbidden || !strings.Contains(body, "network is blocked") {
		t.Errorf("/ws from a blocked network: %d %s", status, body)
	}
	if status, _ := s.call(t, good, "GET", "/api/rooms", nil, nil); status != http.StatusOK {
		t.Errorf("a neighbouring network: %d", status)
	}
	s.mustDial(t, good)
}

package healthcheck

import (
	"bytes"
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestURLAsksLoopbackForEveryInterface(t *testing.T) {
	for _, c := range []struct {
		addr  string
		https bool
		want  string
	}{
		{":8080", false, "http://127.0.0.1:8080/healthz"},
		{"0.0.0.0:8080", false, "http://127.0.0.1:8080/healthz"},
		{"[::]:8080", false, "http://127.0.0.1:8080/healthz"},
		{"127.0.0.1:9000", false, "http://127.0.0.1:9000/healthz"},
		{"[::1]:8443", true, "https://[::1]:8443/healthz"},
		{"localhost:8080", false, "http://localhost:8080/healthz"},
	} {
		got, err := URL(c.addr, c.https)
		if err != nil || got != c.want {
			t.Errorf("URL(%q, %v) = %q, %v; want %q", c.addr, c.https, got, err, c.want)
		}
	}
	for _, bad := range []string{"", "8080", ":0", "127.0.0.1:", "a:b:c"} {
		if got, err := URL(bad, false); err == nil {
			t.Errorf("URL(%q) = %q, want an error", bad, got)
		}
	}
}

func TestCheckNeeds200(t *testing.T) {
	status := http.StatusOK
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/healthz" {
			http.NotFound(w, r)
			return
		}
		w.WriteHeader(status)
	}))
	defer srv.Close()
	ctx := context.Background()
	if err := Check(ctx, srv.URL+"/healthz", ""); err != nil {
		t.Fatalf("200: %v", err)
	}
	status = http.StatusServiceUnavailable
	if err := Check(ctx, srv.URL+"/healthz", ""); err == nil || !strings.Contains(err.Error(), "503") {
		t.Fatalf("503: %v, want an error naming the status", err)
	}
	if err := Check(ctx, srv.URL+"/elsewhere", ""); err == nil {
		t.Fatal("404: no error")
	}
}

func TestCheckOverTLS(t *testing.T) {
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	defer srv.Close()
	if err := Check(context.Background(), srv.URL+"/healthz", ""); err != nil {
		t.Fatalf("self-signed HTTPS on loopback: %v", err)
	}
}

// With --domain the server picks its certificate by the name the client
// sends (SNI), and answers on --https-addr, not --addr.
func TestCommandWithDomainSendsTheName(t *testing.T) {
	var sni string
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { sni = r.TLS.ServerName }))
	srv.StartTLS()
	defer srv.Close()
	_, port, _ := net.SplitHostPort(srv.Listener.Addr().String())
	env := map[string]string{"BODYDOUBLE_DOMAIN": "focus.example.org", "BODYDOUBLE_HTTPS_ADDR": ":" + port, "BODYDOUBLE_ADDR": "127.0.0.1:1"}
	var out bytes.Buffer
	if err := Command(context.Background(), nil, func(k string) string { return env[k] }, &out); err != nil {
		t.Fatalf("--domain: %v", err)
	}
	if sni != "focus.example.org" || !strings.Contains(out.String(), "https://127.0.0.1:"+port+"/healthz: ok") {
		t.Fatalf("SNI %q, output %q", sni, out.String())
	}
}

func TestCheckNobodyListening(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	if err := Check(context.Background(), "http://"+addr+"/healthz", ""); err == nil {
		t.Fatal("closed port: no error")
	}
}

func TestCommandFindsThePortLikeTheServer(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	defer srv.Close()
	_, port, _ := net.SplitHostPort(srv.Listener.Addr().String())
	env := func(k string) string {
		if k == "BODYDOUBLE_ADDR" {
			return ":" + port
		}
		return ""
	}
	var out bytes.Buffer
	if err := Command(context.Background(), nil, env, &out); err != nil {
		t.Fatalf("BODYDOUBLE_ADDR=:%s: %v", port, err)
	}
	if !strings.Contains(out.String(), "127.0.0.1:"+port+"/healthz: ok") {
		t.Fatalf("output %q", out.String())
	}
	// A flag wins over the variable, as for the server.
	if err := Command(context.Background(), []string{"--addr", "127.0.0.1:1"}, env, &out); err == nil {
		t.Fatal("--addr of a closed port: no error")
	}
	if err := Command(context.Background(), []string{srv.URL + "/healthz"}, func(string) string { return "" }, &out); err != nil {
		t.Fatalf("url given: %v", err)
	}
	if err := Command(context.Background(), []string{"a", "b"}, func(string) string { return "" }, &out); err == nil || !strings.Contains(err.Error(), "usage") {
		t.Fatalf("two words: %v, want the usage", err)
	}
}

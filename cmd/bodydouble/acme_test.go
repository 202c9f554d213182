package main_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"io"
	"log/slog"
	"math/big"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/miekg/dns"

	"github.com/bodydouble/bodydouble/internal/app"
	"github.com/bodydouble/bodydouble/internal/config"
	"github.com/bodydouble/bodydouble/internal/store/storetest"
	"github.com/bodydouble/bodydouble/internal/testlog"
)

// acmeDomain is the name the tests obtain certificates for; the test's
// own DNS server tells Pebble it is 127.0.0.1, and the test's clients dial
// 127.0.0.1 for it.
const acmeDomain = "focus.test"

// TestACMEPebble: `--domain` obtains a certificate from a real ACME CA
// (Pebble, on loopback) through the server's own listeners, serves HTTPS
// with it over HTTP/2 with HSTS and Secure cookies, carries the WebSocket
// over it, redirects plain HTTP to HTTPS, and renews the certificate
// before it expires without a restart (Pebble issues 20-second
// certificates here, and the server checks every second).
func TestACMEPebble(t *testing.T) {
	t.Parallel()
	httpsAddr, httpAddr := acmeFreeAddr(t), acmeFreeAddr(t)
	ca := startPebble(t, httpAddr, httpsAddr, 20)
	log := &testlog.Buffer{}
	a := startACMEApp(t, log, ca, httpsAddr, httpAddr, "--data-dir", t.TempDir())
	if a == nil {
		t.FailNow()
	}
	base := "https://" + net.JoinHostPort(acmeDomain, acmePort(httpsAddr))
	client := ca.client(true)

	// The first certificate, obtained at start.
	resp := acmeWaitHealthy(t, client, base, log)
	first := resp.TLS.PeerCertificates[0]
	if resp.ProtoMajor != 2 {
		t.Errorf("HTTPS answered over %s, want HTTP/2", resp.Proto)
	}
	if got := resp.Header.Get("Strict-Transport-Security"); got != "max-age=31536000" {
		t.Errorf("Strict-Transport-Security %q", got)
	}
	if len(first.DNSNames) != 1 || first.DNSNames[0] != acmeDomain {
		t.Errorf("certificate for %q", first.DNSNames)
	}
	if d := first.NotAfter.Sub(first.NotBefore); d > time.Minute {
		t.Errorf("certificate valid for %v: not Pebble's 20 s", d)
	}

	// The public URL followed --domain: cookies are Secure.
	req, _ := http.NewRequest("POST", base+"/api/auth/anonymous", nil)
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var me session
	json.NewDecoder(resp.Body).Decode(&me)
	resp.Body.Close()
	cookies := resp.Cookies()
	if resp.StatusCode != http.StatusCreated || len(cookies) == 0 || !cookies[0].Secure {
		t.Errorf("sign-up over HTTPS: %d, cookies %+v", resp.StatusCode, cookies)
	}

	// The room socket works over the ACME certificate (HTTP/1.1, as
	// browsers open WebSockets).
	var rooms roomList
	if code := call(t, client, "GET", base+"/api/rooms", me.Token, nil, &rooms); code != 200 || len(rooms.Rooms) == 0 {
		t.Fatalf("rooms: %d, %d rooms", code, len(rooms.Rooms))
	}
	acmeJoinOverWSS(t, ca.client(false), "wss://"+net.JoinHostPort(acmeDomain, acmePort(httpsAddr))+"/ws", me.Token, rooms.Rooms[0].ID)

	// Plain HTTP redirects: 301 for GET, 308 (method and body kept) for
	// the rest, to the same path on HTTPS, never to a host not served.
	plain := &http.Client{
		Transport:     &http.Transport{DialContext: acmeDial},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	httpBase := "http://" + net.JoinHostPort(acmeDomain, acmePort(httpAddr))
	for _, tc := range []struct {
		method, path, host string
		code               int
	}{
		{"GET", "/rooms/abc?x=1", "", http.StatusMovedPermanently},
		{"HEAD", "/", "", http.StatusMovedPermanently},
		{"POST", "/api/auth/anonymous", "", http.StatusPermanentRedirect},
		{"GET", "/healthz", "elsewhere.example", http.StatusMovedPermanently},
	} {
		req, _ := http.NewRequest(tc.method, httpBase+tc.path, nil)
		if tc.host != "" {
			req.Host = tc.host
		}
		resp, err := plain.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if want := base + tc.path; resp.StatusCode != tc.code || resp.Header.Get("Location") != want {
			t.Errorf("%s http://%s%s: %d to %q, want %d to %q", tc.method, cmpOr(tc.host, acmeDomain), tc.path, resp.StatusCode, resp.Header.Get("Location"), tc.code, want)
		}
	}
	if a.HTTPAddr().String() != httpAddr {
		t.Errorf("plain HTTP on %s, want %s", a.HTTPAddr(), httpAddr)
	}

	// Renewal: a new certificate is served without a restart, before the
	// first one expires.
	deadline := first.NotAfter
	for {
		resp := acmeGet(t, ca.client(true), base+"/healthz")
		if resp != nil && resp.TLS.PeerCertificates[0].SerialNumber.Cmp(first.SerialNumber) != 0 {
			renewed := resp.TLS.PeerCertificates[0]
			if !renewed.NotAfter.After(first.NotAfter) {
				t.Errorf("renewed certificate expires %v, not after the first's %v", renewed.NotAfter, first.NotAfter)
			}
			t.Logf("renewed %v after the first was issued", renewed.NotBefore.Sub(first.NotBefore))
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("certificate %x still served when it expired\n%s", first.SerialNumber, log)
		}
		time.Sleep(200 * time.Millisecond)
	}
	if n := ca.issued(); n < 2 {
		t.Errorf("Pebble issued %d certificates, want at least 2", n)
	}
}

// TestACMESharedPostgres: two instances on one PostgreSQL database
// started together order one certificate between them (the lock in the
// database) and both serve it (the storage in the database).
func TestACMESharedPostgres(t *testing.T) {
	t.Parallel()
	db := storetest.PostgresURL(t)
	httpsA, httpA, httpsB, httpB := acmeFreeAddr(t), acmeFreeAddr(t), acmeFreeAddr(t), acmeFreeAddr(t)
	// Pebble validates at A's ports only: if B wins the lock, A answers
	// B's challenge from the database.
	ca := startPebble(t, httpA, httpsA, 3600)
	logA, logB := &testlog.Buffer{}, &testlog.Buffer{}
	var wg sync.WaitGroup
	wg.Go(func() {
		startACMEApp(t, logA, ca, httpsA, httpA, "--database-url", db)
	})
	wg.Go(func() {
		startACMEApp(t, logB, ca, httpsB, httpB, "--database-url", db)
	})
	wg.Wait()
	if t.Failed() {
		t.FailNow()
	}
	client := ca.client(true)
	respA := acmeWaitHealthy(t, client, "https://"+net.JoinHostPort(acmeDomain, acmePort(httpsA)), logA)
	respB := acmeWaitHealthy(t, client, "https://"+net.JoinHostPort(acmeDomain, acmePort(httpsB)), logB)
	a, b := respA.TLS.PeerCertificates[0], respB.TLS.PeerCertificates[0]
	if a.SerialNumber.Cmp(b.SerialNumber) != 0 {
		t.Errorf("instances serve two certificates: %x and %x", a.SerialNumber, b.SerialNumber)
	}
	if n := ca.issued(); n != 1 {
		t.Errorf("Pebble issued %d certificates, want 1\nA:\n%s\nB:\n%s", n, logA, logB)
	}
}

// startACMEApp starts bodydouble in this process with --domain against
// ca, parsing args as the command line would; it is shut down when the
// test ends. It checks renewals every second.
func startACMEApp(t *testing.T, log *testlog.Buffer, ca *pebble, httpsAddr, httpAddr string, args ...string) *app.App {
	t.Helper()
	args = append([]string{
		"--domain", acmeDomain, "--acme-ca", ca.directory, "--acme-ca-root", ca.rootFile,
		"--acme-email", "ops@example.org",
		"--https-addr", httpsAddr, "--http-addr", httpAddr, "--turn-addr", "off", "--log-level", "debug",
	}, args...)
	cfg, err := config.Parse(args, func(string) string { return "" }, io.Discard)
	if err != nil {
		t.Error(err)
		return nil
	}
	cfg.ACMERenewCheck = time.Second
	ctx := context.Background()
	a, err := app.New(ctx, cfg, slog.New(slog.NewTextHandler(log, &slog.HandlerOptions{Level: slog.LevelDebug})))
	if err != nil {
		t.Error(err)
		return nil
	}
	if err := a.Start(ctx); err != nil {
		t.Error(err)
		return nil
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		if err := a.Shutdown(ctx); err != nil {
			t.Errorf("shutdown: %v", err)
		}
		if t.Failed() {
			t.Logf("bodydouble on %s:\n%s", httpsAddr, log)
		}
	})
	return a
}

// acmeWaitHealthy polls /healthz over HTTPS until it answers 200 (the
// certificate is there), for at most a minute.
func acmeWaitHealthy(t *testing.T, client *http.Client, base string, log *testlog.Buffer) *http.Response {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	for {
		if resp := acmeGet(t, client, base+"/healthz"); resp != nil && resp.StatusCode == 200 {
			return resp
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s/healthz not answering over HTTPS within a minute\n%s", base, log)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// acmeGet GETs url; nil when the TLS handshake or the request fails (no
// certificate yet).
func acmeGet(t *testing.T, client *http.Client, url string) *http.Response {
	t.Helper()
	resp, err := client.Get(url)
	if err != nil {
		return nil
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp
}

// acmeJoinOverWSS opens the room socket over wss:// and joins roomID.
func acmeJoinOverWSS(t *testing.T, client *http.Client, url, token, roomID string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	ws, _, err := websocket.Dial(ctx, url, &websocket.DialOptions{
		HTTPClient: client, HTTPHeader: http.Header{"Authorization": {"Bearer " + token}},
	})
	if err != nil {
		t.Fatalf("dial %s: %v", url, err)
	}
	defer ws.CloseNow()
	join, _ := json.Marshal(map[string]any{"event": "join-room", "data": map[string]any{"roomId": roomID}, "ref": "join"})
	if err := ws.Write(ctx, websocket.MessageText, join); err != nil {
		t.Fatal(err)
	}
	for {
		_, b, err := ws.Read(ctx)
		if err != nil {
			t.Fatalf("no room-joined over wss: %v", err)
		}
		var m struct{ Event, Ref string }
		json.Unmarshal(b, &m)
		if m.Event == "room-joined" && m.Ref == "join" {
			return
		}
	}
}

// acmeDial dials 127.0.0.1 for acmeDomain (what the test's DNS server
// tells Pebble too).
func acmeDial(ctx context.Context, network, addr string) (net.Conn, error) {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, err
	}
	if host == acmeDomain {
		addr = net.JoinHostPort("127.0.0.1", port)
	}
	return (&net.Dialer{}).DialContext(ctx, network, addr)
}

// acmeFreeAddr returns a loopback address whose port was free a moment
// ago (Pebble must know the server's ports before either starts).
func acmeFreeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

func acmePort(addr string) string {
	_, port, _ := net.SplitHostPort(addr)
	return port
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// pebble is a running Pebble ACME CA.
type pebble struct {
	directory string         // the ACME directory URL
	rootFile  string         // PEM of the CA that signed Pebble's own HTTPS listener
	issuing   *x509.CertPool // Pebble's issuing root: what clients trust
	listener  *x509.CertPool // for Pebble's own HTTPS
	out       *testlog.Buffer
}

// client is an HTTPS client that trusts Pebble's issuing root and dials
// 127.0.0.1 for acmeDomain, over HTTP/2 when h2, else HTTP/1.1 only. It
// keeps no connection, so every request sees the certificate served now.
func (p *pebble) client(h2 bool) *http.Client {
	tr := &http.Transport{
		DialContext:       acmeDial,
		TLSClientConfig:   &tls.Config{RootCAs: p.issuing},
		ForceAttemptHTTP2: h2,
		DisableKeepAlives: true,
	}
	if !h2 {
		tr.TLSClientConfig.NextProtos = []string{"http/1.1"}
	}
	return &http.Client{Transport: tr, Timeout: 10 * time.Second}
}

// issued counts the certificates Pebble issued.
func (p *pebble) issued() int { return strings.Count(p.out.String(), "Issued certificate serial") }

var pebbleBin = sync.OnceValues(func() (string, error) {
	dir, err := os.MkdirTemp("", "pebble-bin")
	if err != nil {
		return "", err
	}
	bin := filepath.Join(dir, "pebble")
	out, err := exec.Command("go", "build", "-o", bin, "github.com/letsencrypt/pebble/v2/cmd/pebble").CombinedOutput()
	if err != nil {
		return "", fmt.Errorf("build pebble: %v\n%s", err, out)
	}
	return bin, nil
})

// startPebble runs Pebble on loopback, validating challenges at httpAddr
// (HTTP-01) and httpsAddr (TLS-ALPN-01), resolving every name to
// 127.0.0.1, and issuing certificates valid for validity seconds.
func startPebble(t *testing.T, httpAddr, httpsAddr string, validity int) *pebble {
	t.Helper()
	bin, err := pebbleBin()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	rootFile, certFile, keyFile, listener := acmeListenerCert(t, dir)
	dnsAddr := acmeDNS(t)
	listen, mgmt := acmeFreeAddr(t), acmeFreeAddr(t)
	httpPort, _ := strconv.Atoi(acmePort(httpAddr))
	tlsPort, _ := strconv.Atoi(acmePort(httpsAddr))
	cfg := map[string]any{"pebble": map[string]any{
		"listenAddress": listen, "managementListenAddress": mgmt,
		"certificate": certFile, "privateKey": keyFile,
		"httpPort": httpPort, "tlsPort": tlsPort,
		"keyAlgorithm": "ecdsa",
		"profiles":     map[string]any{"default": map[string]any{"description": "test", "validityPeriod": validity}},
	}}
	b, _ := json.Marshal(cfg)
	cfgFile := filepath.Join(dir, "pebble.json")
	if err := os.WriteFile(cfgFile, b, 0o600); err != nil {
		t.Fatal(err)
	}
	out := &testlog.Buffer{}
	cmd := exec.Command(bin, "-config", cfgFile, "-dnsserver", dnsAddr)
	cmd.Env = append(os.Environ(), "PEBBLE_VA_NOSLEEP=1", "PEBBLE_WFE_NONCEREJECT=0")
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
		if t.Failed() {
			t.Logf("pebble:\n%s", out)
		}
	})
	p := &pebble{directory: "https://" + listen + "/dir", rootFile: rootFile, listener: listener, out: out}
	own := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: listener}}, Timeout: 5 * time.Second}
	// Pebble is up when its directory answers; then fetch its issuing root.
	deadline := time.Now().Add(30 * time.Second)
	for {
		resp, err := own.Get(p.directory)
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				break
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("pebble not answering: %v\n%s", err, out)
		}
		time.Sleep(50 * time.Millisecond)
	}
	resp, err := own.Get("https://" + mgmt + "/roots/0")
	if err != nil {
		t.Fatal(err)
	}
	root, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	p.issuing = x509.NewCertPool()
	if !p.issuing.AppendCertsFromPEM(root) {
		t.Fatalf("pebble's root: %d %q", resp.StatusCode, root)
	}
	return p
}

// acmeListenerCert makes a CA and, signed by it, a certificate for
// Pebble's own HTTPS on 127.0.0.1; the CA's PEM is --acme-ca-root.
func acmeListenerCert(t *testing.T, dir string) (rootFile, certFile, keyFile string, pool *x509.CertPool) {
	t.Helper()
	caKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	caTmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "test CA of pebble's listener"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	caCert, _ := x509.ParseCertificate(caDER)
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: "pebble"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, DNSNames: []string{"localhost"},
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, caCert, &key.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, _ := x509.MarshalECPrivateKey(key)
	write := func(name, kind string, b []byte) string {
		f := filepath.Join(dir, name)
		if err := os.WriteFile(f, pem.EncodeToMemory(&pem.Block{Type: kind, Bytes: b}), 0o600); err != nil {
			t.Fatal(err)
		}
		return f
	}
	pool = x509.NewCertPool()
	pool.AddCert(caCert)
	return write("ca.pem", "CERTIFICATE", caDER), write("cert.pem", "CERTIFICATE", der), write("key.pem", "EC PRIVATE KEY", keyDER), pool
}

// acmeDNS serves DNS on a loopback port, over UDP and TCP (Pebble's
// resolver uses both): every A question is 127.0.0.1, every other
// question has no answer.
func acmeDNS(t *testing.T) string {
	t.Helper()
	handler := dns.HandlerFunc(func(w dns.ResponseWriter, q *dns.Msg) {
		m := new(dns.Msg)
		m.SetReply(q)
		for _, question := range q.Question {
			if question.Qtype == dns.TypeA {
				m.Answer = append(m.Answer, &dns.A{
					Hdr: dns.RR_Header{Name: question.Name, Rrtype: dns.TypeA, Class: dns.ClassINET, Ttl: 0},
					A:   net.ParseIP("127.0.0.1"),
				})
			}
		}
		w.WriteMsg(m)
	})
	// A TCP port whose UDP twin is free too.
	var tcp net.Listener
	var udp net.PacketConn
	for tries := 0; udp == nil; tries++ {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		if udp, err = net.ListenPacket("udp", ln.Addr().String()); err != nil {
			ln.Close()
			if tries == 20 {
				t.Fatal(err)
			}
			continue
		}
		tcp = ln
	}
	for _, srv := range []*dns.Server{{Listener: tcp, Handler: handler}, {PacketConn: udp, Handler: handler}} {
		started := make(chan struct{})
		srv.NotifyStartedFunc = func() { close(started) }
		go srv.ActivateAndServe()
		<-started
		t.Cleanup(func() { srv.Shutdown() })
	}
	return tcp.Addr().String()
}

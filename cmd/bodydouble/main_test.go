package main_test

import (
	"bufio"
	"bytes"
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
	"math/big"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"
)

// bin is the bodydouble binary built once for these tests.
var bin string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "bodydouble-bin")
	if err != nil {
		panic(err)
	}
	bin = filepath.Join(dir, "bodydouble")
	out, err := exec.Command("go", "build", "-race", "-o", bin, ".").CombinedOutput()
	if err != nil {
		fmt.Fprintf(os.Stderr, "build: %v\n%s", err, out)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// server is one running bodydouble process.
type server struct {
	t    *testing.T
	cmd  *exec.Cmd
	URL  string
	logs *bytes.Buffer
	done chan error
	env  []string // the BODYDOUBLE_* it was started with
}

var listenLine = regexp.MustCompile(`url=(https?://[^ ]+)`)

// start runs bodydouble in dir with args and waits for its listening line.
func start(t *testing.T, dir string, env []string, args ...string) *server {
	t.Helper()
	return startBinary(t, bin, dir, env, args...)
}

// startBinary is start with another build of bodydouble (an older release).
func startBinary(t *testing.T, binary, dir string, env []string, args ...string) *server {
	t.Helper()
	cmd := exec.Command(binary, append([]string{"--addr", "127.0.0.1:0", "--turn-addr", "127.0.0.1:0"}, args...)...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), env...)
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	s := &server{t: t, cmd: cmd, logs: &bytes.Buffer{}, done: make(chan error, 1), env: env}
	url := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			line := sc.Text()
			s.logs.WriteString(line + "\n")
			if m := listenLine.FindStringSubmatch(line); m != nil && strings.Contains(line, "listening") {
				url <- m[1]
			}
		}
		s.done <- cmd.Wait()
		close(url)
	}()
	select {
	case u, ok := <-url:
		if !ok {
			t.Fatalf("bodydouble exited before listening:\n%s", s.logs)
		}
		s.URL = u
	case <-time.After(30 * time.Second):
		cmd.Process.Kill()
		t.Fatalf("bodydouble did not listen within 30 s")
	}
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			cmd.Process.Kill()
			<-s.done
		}
	})
	return s
}

// stop sends SIGTERM and returns how long the process took to exit.
func (s *server) stop() time.Duration {
	s.t.Helper()
	began := time.Now()
	if err := s.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		s.t.Fatal(err)
	}
	select {
	case err := <-s.done:
		if err != nil {
			s.t.Fatalf("exit after SIGTERM: %v\n%s", err, s.logs)
		}
	case <-time.After(20 * time.Second):
		s.t.Fatalf("still running 20 s after SIGTERM")
	}
	return time.Since(began)
}

// call makes a JSON request and decodes the response into out (if not nil).
func call(t *testing.T, client *http.Client, method, url, token string, body any, out any) int {
	t.Helper()
	var r io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		r = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, url, r)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if client == nil {
		client = http.DefaultClient
	}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if out != nil {
		if err := json.NewDecoder(resp.Body).Decode(out); err != nil {
			t.Fatalf("%s %s: decode: %v", method, url, err)
		}
	}
	return resp.StatusCode
}

type session struct {
	Token string `json:"token"`
	User  struct {
		ID string `json:"id"`
	} `json:"user"`
}

func signUp(t *testing.T, base string) session {
	t.Helper()
	var s session
	if code := call(t, nil, "POST", base+"/api/auth/anonymous", "", nil, &s); code != http.StatusCreated {
		t.Fatalf("anonymous: %d", code)
	}
	return s
}

type roomList struct {
	Rooms []struct {
		ID       string `json:"id"`
		Category string `json:"category"`
	} `json:"rooms"`
}

func TestZeroSetupStartRestartAndSIGTERM(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	s := start(t, dir, nil)
	if n := strings.Count(s.logs.String(), "listening"); n != 1 {
		t.Fatalf("%d listening lines:\n%s", n, s.logs)
	}
	for _, f := range []string{"bodydouble.db", "secret"} {
		info, err := os.Stat(filepath.Join(dir, "data", f))
		if err != nil {
			t.Fatalf("data/%s: %v", f, err)
		}
		if info.Mode().Perm() != 0o600 {
			t.Errorf("data/%s mode %v, want 0600", f, info.Mode().Perm())
		}
	}
	me := signUp(t, s.URL)
	var rooms roomList
	if code := call(t, nil, "GET", s.URL+"/api/rooms", me.Token, nil, &rooms); code != 200 {
		t.Fatalf("rooms: %d", code)
	}
	cats := map[string]bool{}
	for _, r := range rooms.Rooms {
		cats[r.Category] = true
	}
	if len(rooms.Rooms) != 5 || len(cats) != 5 {
		t.Fatalf("starter rooms: %+v", rooms.Rooms)
	}
	if took := s.stop(); took > 10*time.Second {
		t.Errorf("shutdown took %v, more than 10 s", took)
	}

	// A restart keeps the secret, so everyone stays signed in, and seeds nothing twice.
	s = start(t, dir, nil)
	if code := call(t, nil, "GET", s.URL+"/api/auth/session", me.Token, nil, nil); code != 200 {
		t.Fatalf("session after restart: %d", code)
	}
	rooms = roomList{}
	call(t, nil, "GET", s.URL+"/api/rooms", me.Token, nil, &rooms)
	if len(rooms.Rooms) != 5 {
		t.Fatalf("%d rooms after restart", len(rooms.Rooms))
	}
	s.stop()
}

func TestEnvironmentConfiguresLikeFlags(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	s := start(t, dir, []string{"BODYDOUBLE_DATA_DIR=" + filepath.Join(dir, "elsewhere"), "BODYDOUBLE_SECRET=" + strings.Repeat("k", 32)})
	if _, err := os.Stat(filepath.Join(dir, "elsewhere", "bodydouble.db")); err != nil {
		t.Fatalf("BODYDOUBLE_DATA_DIR ignored: %v", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "elsewhere", "secret")); err == nil {
		t.Fatal("a secret was generated although BODYDOUBLE_SECRET was given")
	}
	s.stop()
}

func TestTwoInstancesShareOneSQLiteDirectory(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	a, b := startTogether(t, dir, nil)
	me := signUp(t, a.URL)
	if code := call(t, nil, "GET", b.URL+"/api/auth/session", me.Token, nil, nil); code != 200 {
		t.Fatalf("token from A on B: %d (secrets differ?)", code)
	}
	var rooms roomList
	call(t, nil, "GET", b.URL+"/api/rooms", me.Token, nil, &rooms)
	if len(rooms.Rooms) != 5 {
		t.Fatalf("%d starter rooms after a simultaneous start", len(rooms.Rooms))
	}
}

// startTogether starts two instances at the same moment.
func startTogether(t *testing.T, dir string, env []string, args ...string) (*server, *server) {
	t.Helper()
	ch := make(chan *server, 2)
	for range 2 {
		go func() { ch <- start(t, dir, env, args...) }()
	}
	a, b := <-ch, <-ch
	if a == nil || b == nil {
		t.FailNow()
	}
	return a, b
}

func TestHelpListsConfiguration(t *testing.T) {
	t.Parallel()
	out, err := exec.Command(bin, "--help").CombinedOutput()
	if err != nil {
		t.Fatalf("--help: %v", err)
	}
	for _, f := range []string{"--addr", "--data-dir", "--database-url", "--redis-url", "--secret", "--public-url", "--tls-cert", "--tls-key", "--trusted-proxies", "--rate-limit"} {
		if !strings.Contains(string(out), strings.TrimPrefix(f, "-")) {
			t.Errorf("--help lacks %s", f)
		}
	}
}

func TestServesHTTPSWithSecureCookies(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	cert, key := selfSigned(t, dir)
	s := start(t, dir, nil, "--tls-cert", cert, "--tls-key", key)
	if !strings.HasPrefix(s.URL, "https://") {
		t.Fatalf("listening on %s", s.URL)
	}
	client := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}} // our own throwaway certificate
	req, _ := http.NewRequest("POST", s.URL+"/api/auth/anonymous", nil)
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusCreated || len(resp.Cookies()) == 0 || !resp.Cookies()[0].Secure {
		t.Fatalf("HTTPS sign-up: %d cookies %v", resp.StatusCode, resp.Cookies())
	}
	s.stop()
}

func selfSigned(t *testing.T, dir string) (certFile, keyFile string) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "127.0.0.1"},
		IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)}, NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	kb, _ := x509.MarshalECPrivateKey(key)
	certFile, keyFile = filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600)
	os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kb}), 0o600)
	return certFile, keyFile
}

package hostile

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
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
)

// serverBinary is the bodydouble built once for the whole suite (without the
// race detector, so that its memory is what a real server's would be).
var serverBinary string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "bodydouble-hostile-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	serverBinary = filepath.Join(dir, "bodydouble")
	build := exec.Command("go", "build", "-o", serverBinary, "github.com/bodydouble/bodydouble/cmd/bodydouble")
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "hostile: build bodydouble:", err)
		os.RemoveAll(dir)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// server is one bodydouble process on a loopback port.
type server struct {
	t    *testing.T
	cmd  *exec.Cmd
	addr string // host:port
	pid  int

	mu   sync.Mutex
	logs strings.Builder
}

// startServer runs the binary with its defaults on a random loopback port
// and its own data directory, the built-in TURN server off.
func startServer(t *testing.T, args ...string) *server {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	cmd := exec.CommandContext(ctx, serverBinary, append([]string{
		"--addr", "127.0.0.1:0", "--data-dir", t.TempDir(), "--turn-addr", "off", "--log-format", "json",
	}, args...)...)
	cmd.Cancel = func() error { return cmd.Process.Signal(os.Interrupt) }
	cmd.WaitDelay = 15 * time.Second
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	s := &server{t: t, cmd: cmd, pid: cmd.Process.Pid}
	addr := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stderr)
		sc.Buffer(make([]byte, 64<<10), 1<<20)
		for sc.Scan() {
			line := sc.Text()
			s.mu.Lock()
			s.logs.WriteString(line + "\n")
			s.mu.Unlock()
			var rec struct{ Msg, URL string }
			if json.Unmarshal([]byte(line), &rec) == nil && rec.Msg == "bodydouble listening" {
				addr <- strings.TrimPrefix(rec.URL, "http://")
			}
		}
	}()
	t.Cleanup(func() {
		cancel()
		_ = cmd.Wait()
		if t.Failed() {
			s.mu.Lock()
			t.Logf("server log:\n%s", s.logs.String())
			s.mu.Unlock()
		}
	})
	select {
	case s.addr = <-addr:
	case <-time.After(30 * time.Second):
		t.Fatal("the server did not start within 30 s")
	}
	return s
}

// rss is the server's resident memory in bytes.
func (s *server) rss() int64 { return s.status("VmRSS:") }

// status reads one kB field of /proc/<pid>/status, in bytes.
func (s *server) status(field string) int64 {
	s.t.Helper()
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", s.pid))
	if err != nil {
		s.t.Fatalf("read the server's status: %v", err)
	}
	for _, line := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, field); ok {
			kb, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
			return kb << 10
		}
	}
	s.t.Fatalf("no %s in the server's status", field)
	return 0
}

// fds is the number of file descriptors the server holds open.
func (s *server) fds() int {
	s.t.Helper()
	ents, err := os.ReadDir(fmt.Sprintf("/proc/%d/fd", s.pid))
	if err != nil {
		s.t.Fatalf("read the server's fds: %v", err)
	}
	return len(ents)
}

// peakRSS samples the server's resident memory every 20 ms while attack
// runs and returns the growth of its peak over the value before.
func (s *server) peakRSS(attack func()) (before, growth int64) {
	before = s.rss()
	peak := before
	done := make(chan struct{})
	sampled := make(chan struct{})
	go func() {
		defer close(sampled)
		tick := time.NewTicker(20 * time.Millisecond)
		defer tick.Stop()
		for {
			if r := s.rss(); r > peak {
				peak = r
			}
			select {
			case <-done:
				return
			case <-tick.C:
			}
		}
	}()
	attack()
	close(done)
	<-sampled
	if r := s.rss(); r > peak {
		peak = r
	}
	return before, peak - before
}

// httpClient is an HTTP client whose connections come from the loopback
// address src (each attacker has its own).
func httpClient(src string) *http.Client {
	d := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(src)}, Timeout: 10 * time.Second}
	return &http.Client{
		Timeout:   20 * time.Second,
		Transport: &http.Transport{DialContext: d.DialContext, DisableKeepAlives: true},
	}
}

const mib = 1 << 20

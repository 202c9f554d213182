package deploytest

import (
	"bufio"
	"bytes"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"
)

// unitDirectives reads a systemd unit: each directive's values in order
// (a directive may repeat), across sections.
func unitDirectives(t *testing.T, text string) map[string][]string {
	t.Helper()
	d := map[string][]string{}
	for _, line := range strings.Split(text, "\n") {
		line = strings.TrimSpace(line)
		if line == "" || line[0] == '#' || line[0] == ';' || line[0] == '[' {
			continue
		}
		k, v, ok := strings.Cut(line, "=")
		if !ok {
			t.Fatalf("unit line %q is not Key=value", line)
		}
		d[k] = append(d[k], v)
	}
	return d
}

func TestSystemdUnit(t *testing.T) {
	text := read(t, "deploy/bodydouble.service")
	d := unitDirectives(t, text)
	for k, want := range map[string]string{
		"ExecStart":               "/usr/local/bin/bodydouble --data-dir ${STATE_DIRECTORY}",
		"EnvironmentFile":         "-/etc/bodydouble/env",
		"DynamicUser":             "yes",
		"StateDirectory":          "bodydouble",
		"ProtectSystem":           "strict",
		"NoNewPrivileges":         "yes",
		"RestrictAddressFamilies": "AF_INET AF_INET6 AF_UNIX AF_NETLINK",
		"CapabilityBoundingSet":   "CAP_NET_BIND_SERVICE",
		"AmbientCapabilities":     "CAP_NET_BIND_SERVICE",
		"SystemCallArchitectures": "native",
		"SystemCallErrorNumber":   "EPERM",
		"KillSignal":              "SIGTERM",
		"PrivateTmp":              "yes",
		"ProtectHome":             "yes",
		"MemoryDenyWriteExecute":  "yes",
		"RestrictNamespaces":      "yes",
		"WantedBy":                "multi-user.target",
	} {
		if got := d[k]; len(got) != 1 || got[0] != want {
			t.Errorf("%s=%q, want %q", k, got, want)
		}
	}
	if got := d["SystemCallFilter"]; len(got) == 0 || got[0] != "@system-service" {
		t.Errorf("SystemCallFilter=%q, want @system-service first", got)
	}

	analyze, err := exec.LookPath("systemd-analyze")
	if err != nil {
		t.Skip("systemd-analyze is not installed: the unit is not verified")
	}
	// systemd-analyze verify checks that ExecStart's program exists: point
	// it at a program that does, in a copy of the unit changed in that
	// alone.
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	unit := filepath.Join(dir, "bodydouble.service")
	copied := strings.Replace(text, "ExecStart=/usr/local/bin/bodydouble ", "ExecStart="+self+" ", 1)
	if copied == text {
		t.Fatal("no ExecStart to point elsewhere")
	}
	if err := os.WriteFile(unit, []byte(copied), 0o644); err != nil {
		t.Fatal(err)
	}
	// verify exits 0 on unknown or misspelt directives, which it only
	// prints: any output at all fails the test.
	out, err := exec.Command(analyze, "verify", unit).CombinedOutput()
	if err != nil || len(bytes.TrimSpace(out)) > 0 {
		t.Errorf("systemd-analyze verify: %v\n%s", err, out)
	}
	// The hardening as systemd rates it (0 is the most locked down, 10
	// none at all): this unit is 1.5, "OK"; more than 2 means a setting
	// was lost.
	out, err = exec.Command(analyze, "security", "--offline=yes", "--threshold=20", unit).CombinedOutput()
	if err != nil {
		t.Errorf("systemd-analyze security: %v\n%s", err, out)
	}
	if m := regexp.MustCompile(`Overall exposure level for bodydouble.service: (\d+\.\d)`).FindSubmatch(out); m == nil || string(m[1]) > "2.0" {
		t.Errorf("exposure level %s, want at most 2.0:\n%s", m, out)
	}
}

// syscallGroup expands a systemd system call group (@system-service) into
// the names of its calls, as systemd-analyze lists them.
func syscallGroup(t *testing.T, analyze, name string, seen map[string]bool) []string {
	t.Helper()
	if seen[name] {
		return nil
	}
	seen[name] = true
	out, err := exec.Command(analyze, "syscall-filter", name).Output()
	if err != nil {
		t.Fatalf("systemd-analyze syscall-filter %s: %v", name, err)
	}
	var calls []string
	for _, line := range strings.Split(string(out), "\n") {
		line = strings.TrimSpace(line)
		switch {
		case line == "" || line == name || strings.HasPrefix(line, "#"):
		case strings.HasPrefix(line, "@"):
			calls = append(calls, syscallGroup(t, analyze, line, seen)...)
		default:
			calls = append(calls, line)
		}
	}
	return calls
}

// The release binary, run as an unprivileged user with no new privileges
// under strace, serves, signs someone up and shuts down cleanly making
// only the system calls and opening only the socket families the unit
// allows. (Enforcing them needs systemd as PID 1, which a test machine
// or container usually lacks; this checks the lists against real use.)
func TestSystemdFilterAllowsWhatTheBinaryUses(t *testing.T) {
	analyze, err := exec.LookPath("systemd-analyze")
	if err != nil {
		t.Skip("systemd-analyze is not installed")
	}
	strace, err := exec.LookPath("strace")
	if err != nil {
		t.Skip("strace is not installed")
	}
	setpriv, err := exec.LookPath("setpriv")
	if err != nil || os.Geteuid() != 0 {
		t.Skip("needs setpriv and root, to run the binary as another user the way DynamicUser does")
	}
	d := unitDirectives(t, read(t, "deploy/bodydouble.service"))
	allowed := map[string]bool{}
	for _, f := range d["SystemCallFilter"] {
		deny := strings.HasPrefix(f, "~")
		for _, g := range strings.Fields(strings.TrimPrefix(f, "~")) {
			calls := []string{g}
			if strings.HasPrefix(g, "@") {
				calls = syscallGroup(t, analyze, g, map[string]bool{})
			}
			for _, c := range calls {
				allowed[c] = !deny
			}
		}
	}
	families := strings.Fields(d["RestrictAddressFamilies"][0])

	bin := filepath.Join(release(t), "bodydouble-"+releaseVersion+"-linux-amd64")
	// Not t.TempDir, whose parent only root may enter: the unprivileged
	// user writes its data here.
	dir, err := os.MkdirTemp("", "bodydouble-strace")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	if err := os.Chmod(dir, 0o777); err != nil {
		t.Fatal(err)
	}
	port := freePort(t)
	trace := filepath.Join(dir, "trace")
	cmd := exec.Command(strace, "-f", "-qq", "-o", trace,
		setpriv, "--reuid=65534", "--regid=65534", "--clear-groups", "--no-new-privs", "--inh-caps=-all", "--bounding-set=-all,+net_bind_service",
		bin, "--data-dir", filepath.Join(dir, "data"), "--addr", "127.0.0.1:"+port, "--turn-addr", "127.0.0.1:0")
	var logs bytes.Buffer
	cmd.Stdout, cmd.Stderr = &logs, &logs
	// Should the server outlive strace, its output must not hold Wait.
	cmd.WaitDelay = 5 * time.Second
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	// The server is strace's child (setpriv execs it): signals go to it,
	// since strace given SIGTERM would only let go of it.
	var server *os.Process
	t.Cleanup(func() {
		if server != nil {
			server.Kill()
		}
		if cmd.ProcessState == nil {
			cmd.Process.Kill()
			<-done
		}
	})
	base := "http://127.0.0.1:" + port
	deadline := time.Now().Add(60 * time.Second) // strace slows start-up down
	for {
		res, err := http.Get(base + "/readyz")
		if err == nil {
			res.Body.Close()
			if res.StatusCode == 200 {
				break
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("not ready within 60 s under strace: %v\n%s", err, logs.String())
		}
		select {
		case err := <-done:
			t.Fatalf("exited before serving: %v\n%s", err, logs.String())
		case <-time.After(50 * time.Millisecond): // polling, with the deadline above
		}
	}
	children, err := os.ReadFile(fmt.Sprintf("/proc/%d/task/%d/children", cmd.Process.Pid, cmd.Process.Pid))
	var pid int
	if _, err2 := fmt.Sscan(string(children), &pid); err != nil || err2 != nil {
		t.Fatalf("strace's child: %q %v %v", children, err, err2)
	}
	if server, err = os.FindProcess(pid); err != nil {
		t.Fatal(err)
	}
	res, err := http.Post(base+"/api/auth/anonymous", "application/json", nil)
	if err != nil || res.StatusCode != http.StatusCreated {
		t.Fatalf("sign-up: %v %v", err, res)
	}
	res.Body.Close()
	if err := server.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("exit after SIGTERM: %v\n%s", err, logs.String())
		}
	case <-time.After(60 * time.Second):
		t.Fatalf("still running 60 s after SIGTERM\n%s", logs.String())
	}

	f, err := os.Open(trace)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	// "1234  openat(AT_FDCWD, …" — the name after the pid; the setpriv
	// part before the binary's execve is not bodydouble's.
	call := regexp.MustCompile(`^\d+\s+([a-z_0-9]+)\(`)
	family := regexp.MustCompile(`^\d+\s+socket\((AF_[A-Z0-9]+)`)
	used := map[string]bool{}
	var denied, badFamilies []string
	started := false
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if !started {
			started = strings.Contains(line, "execve(\""+bin+"\"")
			continue
		}
		if m := call.FindStringSubmatch(line); m != nil && !used[m[1]] {
			used[m[1]] = true
			if !allowed[m[1]] {
				denied = append(denied, m[1])
			}
		}
		if m := family.FindStringSubmatch(line); m != nil && !slices.Contains(families, m[1]) && !slices.Contains(badFamilies, m[1]) {
			badFamilies = append(badFamilies, m[1])
		}
	}
	if !started || len(used) < 20 {
		t.Fatalf("the trace shows no run of %s (%d calls)", bin, len(used))
	}
	if len(denied) > 0 {
		t.Errorf("system calls the unit's SystemCallFilter refuses: %v", denied)
	}
	if len(badFamilies) > 0 {
		t.Errorf("socket families RestrictAddressFamilies refuses: %v", badFamilies)
	}
	t.Logf("%d distinct system calls seen", len(used))
}

func freePort(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return fmt.Sprint(ln.Addr().(*net.TCPAddr).Port)
}

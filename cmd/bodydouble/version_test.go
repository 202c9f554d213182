package main_test

import (
	"net/url"
	"os"
	"os/exec"
	"regexp"
	"runtime"
	"strings"
	"testing"
)

// bodydouble version (and --version) prints one line naming the build; the
// commit is there when the build stamped it (go build in a git checkout,
// unless GOFLAGS has -buildvcs=false) and is then a commit of this
// repository. scripts/release's test checks the version set by the linker.
func TestVersionCommand(t *testing.T) {
	t.Parallel()
	want := regexp.MustCompile(`^bodydouble devel \((?:commit ([0-9a-f]{12})(?:-dirty)?, )?` +
		regexp.QuoteMeta(runtime.Version()+", "+runtime.GOOS+"/"+runtime.GOARCH) + `\)\n$`)
	for _, arg := range []string{"version", "--version"} {
		out, err := exec.Command(bin, arg).Output()
		if err != nil {
			t.Fatalf("bodydouble %s: %v", arg, err)
		}
		m := want.FindStringSubmatch(string(out))
		if m == nil {
			t.Fatalf("bodydouble %s printed %q, want %s", arg, out, want)
		}
		if m[1] != "" {
			if err := exec.Command("git", "cat-file", "-e", m[1]+"^{commit}").Run(); err != nil {
				t.Errorf("commit %s is not one of this repository: %v", m[1], err)
			}
		}
	}
}

// bodydouble healthcheck is the container's HEALTHCHECK: given the server's
// address (flag or BODYDOUBLE_ADDR, as the server reads it) it exits 0
// while the server answers /healthz, and 1 with the reason once it is gone.
func TestHealthcheckCommand(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	s := start(t, dir, nil)
	u, err := url.Parse(s.URL)
	if err != nil {
		t.Fatal(err)
	}
	port := u.Port()
	health := func(env []string, args ...string) (string, error) {
		cmd := exec.Command(bin, append([]string{"healthcheck"}, args...)...)
		cmd.Env = append(os.Environ(), env...)
		out, err := cmd.CombinedOutput()
		return string(out), err
	}
	if out, err := health([]string{"BODYDOUBLE_ADDR=:" + port}); err != nil || !strings.Contains(out, "http://127.0.0.1:"+port+"/healthz: ok") {
		t.Fatalf("BODYDOUBLE_ADDR=:%s: %v %q", port, err, out)
	}
	if out, err := health(nil, "--addr", "127.0.0.1:"+port); err != nil {
		t.Fatalf("--addr: %v %q", err, out)
	}
	if out, err := health(nil, s.URL+"/healthz"); err != nil {
		t.Fatalf("url: %v %q", err, out)
	}
	s.stop()
	out, err := health(nil, "--addr", "127.0.0.1:"+port)
	if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 1 || !strings.HasPrefix(out, "bodydouble: healthcheck: ") {
		t.Fatalf("after stop: %v %q, want exit 1 with the reason", err, out)
	}

	// A server serving HTTPS itself is asked over HTTPS.
	cert, key := selfSigned(t, dir)
	s = start(t, dir, nil, "--tls-cert", cert, "--tls-key", key)
	u, _ = url.Parse(s.URL)
	if out, err := health(nil, "--addr", ":"+u.Port(), "--tls-cert", cert, "--tls-key", key); err != nil || !strings.Contains(out, "https://127.0.0.1:"+u.Port()) {
		t.Fatalf("HTTPS: %v %q", err, out)
	}
	s.stop()
}

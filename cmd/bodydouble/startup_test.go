package main_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// startupLimit is how long bodydouble may take to give up (issue 9).
const startupLimit = 10 * time.Second

// password is put into every URL the start-up failures are given, to check
// that no message ever shows it.
const password = "s3cretpw"

// TestStartupFailuresNameTheirCause starts bodydouble against each broken
// environment and checks that it exits non-zero within startupLimit with
// one line naming the cause, and never panics.
func TestStartupFailuresNameTheirCause(t *testing.T) {
	t.Parallel()
	type setup func(t *testing.T) (args []string, want []string)
	cases := []struct {
		name string
		code int
		prep setup
		env  []string
	}{
		{"read-only data directory", 1, func(t *testing.T) ([]string, []string) {
			dir := mountTmpfs(t, syscall.MS_RDONLY, "size=1m")
			return []string{"--data-dir", dir}, []string{`data directory "` + dir + `" is not writable`, "read-only file system"}
		}, nil},
		{"full data directory", 1, func(t *testing.T) ([]string, []string) {
			dir := mountTmpfs(t, 0, "size=64k")
			fill(t, dir)
			return []string{"--data-dir", dir}, []string{`data directory "` + dir + `" is full`, "no space left on device"}
		}, nil},
		{"data directory under a regular file", 1, func(t *testing.T) ([]string, []string) {
			file := filepath.Join(t.TempDir(), "file")
			os.WriteFile(file, nil, 0o600)
			return []string{"--data-dir", filepath.Join(file, "data")}, []string{"cannot be created", "not a directory"}
		}, nil},
		{"PostgreSQL refuses connections", 1, func(t *testing.T) ([]string, []string) {
			port := closedPort(t)
			return []string{"--database-url", "postgres://bd:" + password + "@127.0.0.1:" + port + "/bodydouble?sslmode=disable"},
				[]string{"PostgreSQL at 127.0.0.1:" + port, "connection refused"}
		}, nil},
		{"PostgreSQL never answers", 1, func(t *testing.T) ([]string, []string) {
			addr := blackhole(t)
			return []string{"--database-url", "postgres://bd:" + password + "@" + addr + "/bodydouble?sslmode=disable"},
				[]string{"PostgreSQL at " + addr, "did not answer within 5s"}
		}, nil},
		{"PostgreSQL database does not exist", 1, func(t *testing.T) ([]string, []string) {
			u := postgresURL(t)
			u.Path = "/no_such_database_bd"
			return []string{"--database-url", u.String()}, []string{`database "no_such_database_bd"`, "does not exist"}
		}, nil},
		{"PostgreSQL user does not exist", 1, func(t *testing.T) ([]string, []string) {
			u := postgresURL(t)
			u.User = url.UserPassword("no_such_user_bd", password)
			return []string{"--database-url", u.String()}, []string{`user "no_such_user_bd"`, "does not exist"}
		}, nil},
		{"malformed database URL", 2, func(t *testing.T) ([]string, []string) {
			return []string{"--database-url", "postgres://bd:" + password + "%zz@db/bodydouble"}, []string{"--database-url is not a valid URL"}
		}, nil},
		{"database URL of another kind", 2, func(t *testing.T) ([]string, []string) {
			return []string{"--database-url", "mysql://bd:" + password + "@db/bodydouble"}, []string{"--database-url must be a postgres:// URL"}
		}, nil},
		{"Redis refuses connections", 1, func(t *testing.T) ([]string, []string) {
			port := closedPort(t)
			return []string{"--redis-url", "redis://:" + password + "@127.0.0.1:" + port + "/0"}, []string{"Redis at 127.0.0.1:" + port, "connection refused"}
		}, nil},
		{"Redis never answers", 1, func(t *testing.T) ([]string, []string) {
			addr := blackhole(t)
			return []string{"--redis-url", "redis://:" + password + "@" + addr + "/0"}, []string{"Redis at " + addr, "did not answer within 5s"}
		}, nil},
		{"port in use", 1, func(t *testing.T) ([]string, []string) {
			ln, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { ln.Close() })
			return []string{"--addr", ln.Addr().String()}, []string{`cannot listen on "` + ln.Addr().String() + `"`, "address already in use"}
		}, nil},
		{"unknown flag", 2, func(t *testing.T) ([]string, []string) {
			return []string{"--colour", "blue"}, []string{"flag provided but not defined: -colour"}
		}, nil},
		{"bad flag value", 2, func(t *testing.T) ([]string, []string) {
			return []string{"--max-conns-per-addr", "lots"}, []string{`invalid value "lots" for flag -max-conns-per-addr`}
		}, nil},
		{"bad value in the environment", 2, func(t *testing.T) ([]string, []string) {
			return nil, []string{`BODYDOUBLE_SHUTDOWN_GRACE="soon" is not a valid value for --shutdown-grace`}
		}, []string{"BODYDOUBLE_SHUTDOWN_GRACE=soon"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			args, want := tc.prep(t)
			dir := t.TempDir()
			all := append([]string{"--addr", "127.0.0.1:0", "--turn-addr", "off", "--data-dir", filepath.Join(dir, "data")}, args...)
			ctx, cancel := context.WithTimeout(context.Background(), 3*startupLimit)
			defer cancel()
			cmd := exec.CommandContext(ctx, bin, all...)
			cmd.Dir = dir
			cmd.Env = append(os.Environ(), tc.env...)
			var stderr bytes.Buffer
			cmd.Stderr = &stderr
			began := time.Now()
			err := cmd.Run()
			took := time.Since(began)
			out := stderr.String()

			var exit *exec.ExitError
			if !errors.As(err, &exit) || exit.ExitCode() != tc.code {
				t.Fatalf("exit %v, want code %d; stderr:\n%s", err, tc.code, out)
			}
			if took > startupLimit {
				t.Errorf("took %v to give up, more than %v", took.Round(time.Millisecond), startupLimit)
			}
			lines := strings.Split(strings.TrimSpace(out), "\n")
			if len(lines) != 1 || !strings.HasPrefix(lines[0], "bodydouble: ") {
				t.Fatalf("stderr is not one 'bodydouble: ' line:\n%s", out)
			}
			for _, w := range want {
				if !strings.Contains(out, w) {
					t.Errorf("stderr lacks %q:\n%s", w, out)
				}
			}
			for _, bad := range []string{"panic", "goroutine ", password} {
				if strings.Contains(out, bad) {
					t.Errorf("stderr shows %q:\n%s", bad, out)
				}
			}
		})
	}
}

// mountTmpfs mounts a tmpfs with flags and options on a new directory, or
// skips when this process may not mount (it must be root).
func mountTmpfs(t *testing.T, flags uintptr, opts string) string {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("needs root to mount a tmpfs (chmod cannot stop root from writing)")
	}
	dir := t.TempDir()
	if err := syscall.Mount("tmpfs", dir, "tmpfs", flags, opts); err != nil {
		t.Skipf("cannot mount a tmpfs here: %v", err)
	}
	t.Cleanup(func() {
		if err := syscall.Unmount(dir, 0); err != nil {
			t.Errorf("unmount %s: %v", dir, err)
		}
	})
	return dir
}

// fill writes into dir until its file system has no space left.
func fill(t *testing.T, dir string) {
	t.Helper()
	f, err := os.Create(filepath.Join(dir, "ballast"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	chunk := make([]byte, 4096)
	for range 1 << 16 { // bounded: the tmpfs is 64 KiB
		if _, err := f.Write(chunk); err != nil {
			if errors.Is(err, syscall.ENOSPC) {
				return
			}
			t.Fatal(err)
		}
	}
	t.Fatal("the tmpfs never filled up")
}

// closedPort returns a loopback port that nothing listens on.
func closedPort(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	_, port, _ := net.SplitHostPort(ln.Addr().String())
	ln.Close()
	return port
}

// blackhole listens on loopback, accepts connections and never answers:
// a server that is up but stuck, or a firewall that drops packets.
func blackhole(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var held []net.Conn
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			held = append(held, c)
		}
	}()
	t.Cleanup(func() {
		ln.Close()
		<-done
		for _, c := range held {
			c.Close()
		}
	})
	return ln.Addr().String()
}

// postgresURL is the test PostgreSQL server's URL, or skips.
func postgresURL(t *testing.T) *url.URL {
	t.Helper()
	raw := os.Getenv("BODYDOUBLE_TEST_DATABASE_URL")
	if raw == "" {
		t.Skip("BODYDOUBLE_TEST_DATABASE_URL not set")
	}
	u, err := url.Parse(raw)
	if err != nil {
		t.Fatal(fmt.Errorf("BODYDOUBLE_TEST_DATABASE_URL: %w", err))
	}
	return u
}

package deploytest

import (
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
)

// root is the repository's top directory.
var root = func() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Clean(filepath.Join(filepath.Dir(file), "..", ".."))
}()

func read(t *testing.T, rel string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(root, rel))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// The release is built once (scripts/release into a temporary directory)
// for the tests that need its binaries.
var (
	releaseOnce sync.Once
	releaseDir  string
	releaseOut  string
	releaseErr  error
)

// releaseVersion is the throwaway version the tests release.
const releaseVersion = "v0.0.0-test.1"

// releaseArches are the architectures the tests build: amd64 only by
// default, since a cold cross build of each takes minutes on a small
// machine; BODYDOUBLE_TEST_RELEASE_ARCHES="amd64 arm64" builds both.
func releaseArches() []string {
	if a := strings.Fields(os.Getenv("BODYDOUBLE_TEST_RELEASE_ARCHES")); len(a) > 0 {
		return a
	}
	return []string{"amd64"}
}

func release(t *testing.T) string {
	t.Helper()
	releaseOnce.Do(func() {
		releaseDir, releaseErr = os.MkdirTemp("", "bodydouble-release")
		if releaseErr != nil {
			return
		}
		cmd := exec.Command(filepath.Join(root, "scripts", "release"), releaseVersion)
		cmd.Env = append(os.Environ(), "RELEASE_DIR="+releaseDir, "RELEASE_ARCHES="+strings.Join(releaseArches(), " "))
		var out []byte
		out, releaseErr = cmd.CombinedOutput()
		releaseOut = string(out)
	})
	if releaseErr != nil {
		t.Fatalf("scripts/release %s: %v\n%s", releaseVersion, releaseErr, releaseOut)
	}
	return releaseDir
}

func TestMain(m *testing.M) {
	code := m.Run()
	if releaseDir != "" {
		os.RemoveAll(releaseDir)
	}
	os.Exit(code)
}

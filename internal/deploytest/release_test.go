package deploytest

import (
	"crypto/sha256"
	"debug/buildinfo"
	"debug/elf"
	"encoding/hex"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"testing"
)

// scripts/release builds static Linux binaries that say their version,
// with SHA256SUMS matching them.
func TestReleaseScript(t *testing.T) {
	dir := release(t)
	if !strings.HasSuffix(strings.TrimSpace(releaseOut), dir) {
		t.Errorf("the script's last line is not where it wrote: %q", releaseOut)
	}
	machines := map[string]elf.Machine{"amd64": elf.EM_X86_64, "arm64": elf.EM_AARCH64}
	sums := map[string]string{}
	for _, line := range strings.Split(strings.TrimSpace(readFile(t, filepath.Join(dir, "SHA256SUMS"))), "\n") {
		sum, name, ok := strings.Cut(line, "  ")
		if !ok {
			t.Fatalf("SHA256SUMS line %q is not sha256sum's format", line)
		}
		sums[name] = sum
	}
	if len(sums) != len(releaseArches()) {
		t.Errorf("SHA256SUMS names %d files, want %d: %v", len(sums), len(releaseArches()), sums)
	}
	for _, arch := range releaseArches() {
		name := "bodydouble-" + releaseVersion + "-linux-" + arch
		path := filepath.Join(dir, name)
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		h := sha256.Sum256(b)
		if sums[name] != hex.EncodeToString(h[:]) {
			t.Errorf("%s: SHA256SUMS says %q, the file's is %x", name, sums[name], h)
		}

		f, err := elf.Open(path)
		if err != nil {
			t.Fatalf("%s is not ELF: %v", name, err)
		}
		if f.Machine != machines[arch] || f.Type != elf.ET_EXEC {
			t.Errorf("%s: machine %v type %v, want %v ET_EXEC", name, f.Machine, f.Type, machines[arch])
		}
		// Static: no program interpreter (ld.so) and no shared library.
		for _, p := range f.Progs {
			if p.Type == elf.PT_INTERP || p.Type == elf.PT_DYNAMIC {
				t.Errorf("%s has a %v program header: not static", name, p.Type)
			}
		}
		if libs, _ := f.ImportedLibraries(); len(libs) > 0 {
			t.Errorf("%s needs %v", name, libs)
		}
		f.Close()

		bi, err := buildinfo.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		settings := map[string]string{}
		for _, s := range bi.Settings {
			settings[s.Key] = s.Value
		}
		if settings["CGO_ENABLED"] != "0" || settings["-trimpath"] != "true" || settings["-tags"] != "timetzdata" || settings["GOOS"] != "linux" || settings["GOARCH"] != arch {
			t.Errorf("%s built with %v", name, settings)
		}
	}

	if runtime.GOOS != "linux" || runtime.GOARCH != "amd64" {
		t.Logf("not running the amd64 binary on %s/%s", runtime.GOOS, runtime.GOARCH)
		return
	}
	out, err := exec.Command(filepath.Join(dir, "bodydouble-"+releaseVersion+"-linux-amd64"), "version").Output()
	if err != nil {
		t.Fatalf("version: %v", err)
	}
	want := regexp.MustCompile(`^bodydouble ` + regexp.QuoteMeta(releaseVersion) + ` \(commit ([0-9a-f]{12})(?:-dirty)?, ` + regexp.QuoteMeta(runtime.Version()) + `, linux/amd64\)\n$`)
	m := want.FindStringSubmatch(string(out))
	if m == nil {
		t.Fatalf("version printed %q, want %s", out, want)
	}
	if err := exec.Command("git", "-C", root, "cat-file", "-e", m[1]+"^{commit}").Run(); err != nil {
		t.Errorf("commit %s is not one of this repository: %v", m[1], err)
	}
}

// A bad version or architecture is refused before anything is built or
// written.
func TestReleaseScriptRefusesBadInput(t *testing.T) {
	for _, c := range []struct {
		args []string
		env  string
		want string
	}{
		{nil, "", "usage"},
		{[]string{"0.2.0"}, "", "is not a version like v0.2.0"},
		{[]string{"v0.2"}, "", "is not a version like v0.2.0"},
		{[]string{"v0.2.0/../x"}, "", "is not a version like v0.2.0"},
		{[]string{"v0.2.0", "v0.3.0"}, "", "usage"},
		{[]string{"v0.2.0"}, "RELEASE_ARCHES=386", "386 is not amd64 or arm64"},
	} {
		dir := t.TempDir()
		out := filepath.Join(dir, "out")
		cmd := exec.Command(filepath.Join(root, "scripts", "release"), c.args...)
		cmd.Env = append(os.Environ(), "RELEASE_DIR="+out, c.env)
		b, err := cmd.CombinedOutput()
		if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 2 || !strings.Contains(string(b), c.want) {
			t.Errorf("release %q %s: %v %q, want exit 2 saying %q", c.args, c.env, err, b, c.want)
		}
		if _, err := os.Stat(out); !os.IsNotExist(err) {
			t.Errorf("release %q %s made %s", c.args, c.env, out)
		}
	}
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

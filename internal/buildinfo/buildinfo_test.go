package buildinfo

import (
	"regexp"
	"runtime"
	"runtime/debug"
	"testing"
)

func TestReadPrefersTheLinkerThenTheModuleThenVCS(t *testing.T) {
	vcs := &debug.BuildInfo{
		GoVersion: "go1.26.8",
		Main:      debug.Module{Path: "github.com/bodydouble/bodydouble", Version: "(devel)"},
		Settings: []debug.BuildSetting{
			{Key: "vcs", Value: "git"},
			{Key: "vcs.revision", Value: "0123456789abcdef0123456789abcdef01234567"},
			{Key: "vcs.modified", Value: "false"},
		},
	}
	platform := runtime.GOOS + "/" + runtime.GOARCH
	for _, c := range []struct {
		name            string
		bi              *debug.BuildInfo
		version, commit string
		want            Info
		line, release   string
	}{
		{"go build in a clean checkout", vcs, "", "",
			Info{"devel", "0123456789ab", "go1.26.8", platform},
			"bodydouble devel (commit 0123456789ab, go1.26.8, " + platform + ")", "0123456789ab"},
		{"release script", vcs, "v0.2.0", "",
			Info{"v0.2.0", "0123456789ab", "go1.26.8", platform},
			"bodydouble v0.2.0 (commit 0123456789ab, go1.26.8, " + platform + ")", "v0.2.0"},
		{"container: no .git, commit from the linker", &debug.BuildInfo{GoVersion: "go1.26.8"}, "v0.2.0", "fedcba987654",
			Info{"v0.2.0", "fedcba987654", "go1.26.8", platform},
			"bodydouble v0.2.0 (commit fedcba987654, go1.26.8, " + platform + ")", "v0.2.0"},
		{"go install of a tagged module", &debug.BuildInfo{GoVersion: "go1.26.8", Main: debug.Module{Version: "v0.3.1"}}, "", "",
			Info{"v0.3.1", "", "go1.26.8", platform},
			"bodydouble v0.3.1 (go1.26.8, " + platform + ")", "v0.3.1"},
		{"nothing known", nil, "", "",
			Info{"devel", "", runtime.Version(), platform},
			"bodydouble devel (" + runtime.Version() + ", " + platform + ")", "devel"},
	} {
		t.Run(c.name, func(t *testing.T) {
			got := read(c.bi, c.version, c.commit)
			if got != c.want {
				t.Fatalf("read = %+v, want %+v", got, c.want)
			}
			if got.String() != c.line {
				t.Errorf("String = %q, want %q", got.String(), c.line)
			}
			if got.Release() != c.release {
				t.Errorf("Release = %q, want %q", got.Release(), c.release)
			}
		})
	}
}

func TestReadMarksAModifiedWorkTree(t *testing.T) {
	bi := &debug.BuildInfo{GoVersion: "go1.26.8", Settings: []debug.BuildSetting{
		{Key: "vcs.revision", Value: "0123456789abcdef0123456789abcdef01234567"},
		{Key: "vcs.modified", Value: "true"},
	}}
	if got := read(bi, "", "").Commit; got != "0123456789ab-dirty" {
		t.Fatalf("commit = %q, want 0123456789ab-dirty", got)
	}
}

// The test binary itself: its Go version is the toolchain's, whatever
// the VCS stamp.
func TestReadOfThisBinary(t *testing.T) {
	in := Read()
	if in.Go != runtime.Version() || in.Platform != runtime.GOOS+"/"+runtime.GOARCH {
		t.Fatalf("Read = %+v", in)
	}
	if !regexp.MustCompile(`^bodydouble \S+ \(.*go1\.\d+`).MatchString(in.String()) {
		t.Fatalf("String = %q", in.String())
	}
}

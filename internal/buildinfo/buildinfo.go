// Package buildinfo names this build of bodydouble: its version, the
// commit it was built from and the Go toolchain that built it, for
// `bodydouble version`, the error reports' release and the release script.
//
// The version comes from the linker, set by scripts/release and the
// Dockerfile:
//
//	go build -ldflags "-X github.com/bodydouble/bodydouble/internal/buildinfo.version=v0.2.0" ./cmd/bodydouble
//
// else from the module version (`go install …@v0.2.0`), else it is
// "devel". The commit comes from the linker too (-X …buildinfo.commit=…,
// for builds without the .git directory, like the container's), else from
// the VCS stamp `go build` writes in a git checkout (vcs.revision,
// vcs.modified).
package buildinfo

import (
	"fmt"
	"runtime"
	"runtime/debug"
	"strings"
)

// Set with -ldflags -X; empty when the build did not set them.
var (
	version string
	commit  string
)

// Info is what one build says about itself.
type Info struct {
	Version  string // "v0.2.0", or "devel"
	Commit   string // "abc1234def56", "abc1234def56-dirty", or "" when unknown
	Go       string // "go1.26.8"
	Platform string // "linux/amd64"
}

// Read returns this binary's Info.
func Read() Info {
	bi, _ := debug.ReadBuildInfo()
	return read(bi, version, commit)
}

// read is Read with the build info and the linker's values given (tests).
func read(bi *debug.BuildInfo, version, commit string) Info {
	in := Info{Version: version, Commit: commit, Go: runtime.Version(), Platform: runtime.GOOS + "/" + runtime.GOARCH}
	if bi != nil {
		in.Go = bi.GoVersion
	}
	if in.Version == "" && bi != nil && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		in.Version = bi.Main.Version
	}
	if in.Version == "" {
		in.Version = "devel"
	}
	if in.Commit == "" && bi != nil {
		var rev string
		var modified bool
		for _, s := range bi.Settings {
			switch s.Key {
			case "vcs.revision":
				rev = s.Value
			case "vcs.modified":
				modified = s.Value == "true"
			}
		}
		if rev != "" {
			in.Commit = short(rev)
			if modified {
				// Built from a work tree with changes not committed: the
				// commit alone does not say what is inside.
				in.Commit += "-dirty"
			}
		}
	}
	return in
}

// short cuts a full commit hash to 12 hex digits, enough to be unique in
// the repository and to find it with git show.
func short(rev string) string {
	if len(rev) > 12 {
		return rev[:12]
	}
	return rev
}

// String is the line `bodydouble version` prints:
//
//	bodydouble v0.2.0 (commit abc1234def56, go1.26.8, linux/amd64)
func (in Info) String() string {
	parts := []string{}
	if in.Commit != "" {
		parts = append(parts, "commit "+in.Commit)
	}
	parts = append(parts, in.Go, in.Platform)
	return fmt.Sprintf("bodydouble %s (%s)", in.Version, strings.Join(parts, ", "))
}

// Release names this build in error reports: the version when one was
// set, else the commit, else "devel".
func (in Info) Release() string {
	if in.Version != "devel" || in.Commit == "" {
		return in.Version
	}
	return in.Commit
}

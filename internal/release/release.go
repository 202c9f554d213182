// Package release reads deploy/previous-release, the one line naming the
// release a rolling upgrade starts from: its version, its full commit
// hash and its last migration ("v0.1.0 b1caac7… 0013"). The migration
// policy (only expand after that migration) and the upgrade test (the
// old release and the new one serve together) both start from it.
package release

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"strconv"
	"strings"
)

// Previous is the release a rolling upgrade comes from.
type Previous struct {
	Version       string // vX.Y.Z
	Commit        string // 40 hexadecimal digits
	LastMigration int    // the number of its newest migration
}

var line = regexp.MustCompile(`^(v\d+\.\d+\.\d+) ([0-9a-f]{40}) (\d{4})$`)

// Parse reads the file's text: one line, "vX.Y.Z <commit> <NNNN>".
func Parse(text string) (Previous, error) {
	m := line.FindStringSubmatch(strings.TrimSpace(text))
	if m == nil {
		return Previous{}, fmt.Errorf("not one line \"vX.Y.Z <40-hex commit> <NNNN last migration>\": %q", text)
	}
	n, _ := strconv.Atoi(m[3]) // four digits
	return Previous{Version: m[1], Commit: m[2], LastMigration: n}, nil
}

// File is deploy/previous-release in this source tree (found from this
// file's place in it, as tests run in their own package's directory).
func File() string {
	_, self, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(self), "..", "..", "deploy", "previous-release")
}

// ReadPrevious parses File.
func ReadPrevious() (Previous, error) {
	b, err := os.ReadFile(File())
	if err != nil {
		return Previous{}, err
	}
	p, err := Parse(string(b))
	if err != nil {
		return Previous{}, fmt.Errorf("%s: %w", File(), err)
	}
	return p, nil
}

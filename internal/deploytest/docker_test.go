package deploytest

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// instruction is one Dockerfile instruction, continuation lines joined.
type instruction struct {
	cmd  string // upper case: FROM, RUN, …
	args string
}

// parseDockerfile reads the instructions of a Dockerfile: comments and
// blank lines dropped, lines ending in a backslash joined to the next.
func parseDockerfile(t *testing.T, text string) []instruction {
	t.Helper()
	var out []instruction
	var cur strings.Builder
	for _, line := range strings.Split(text, "\n") {
		trimmed := strings.TrimSpace(line)
		if trimmed == "" || strings.HasPrefix(trimmed, "#") {
			continue
		}
		if strings.HasSuffix(trimmed, "\\") {
			cur.WriteString(strings.TrimSuffix(trimmed, "\\") + " ")
			continue
		}
		cur.WriteString(trimmed)
		cmd, args, _ := strings.Cut(cur.String(), " ")
		out = append(out, instruction{strings.ToUpper(cmd), strings.TrimSpace(args)})
		cur.Reset()
	}
	if cur.Len() > 0 {
		t.Fatalf("Dockerfile ends in a continuation: %q", cur.String())
	}
	return out
}

// execForm decodes the JSON array form of CMD, ENTRYPOINT, HEALTHCHECK CMD.
func execForm(t *testing.T, what, s string) []string {
	t.Helper()
	var v []string
	if err := json.Unmarshal([]byte(s), &v); err != nil || len(v) == 0 {
		t.Fatalf("%s %q is not in exec form (a JSON array): scratch has no shell", what, s)
	}
	return v
}

func TestDockerfile(t *testing.T) {
	ins := parseDockerfile(t, read(t, "Dockerfile"))
	args := map[string]string{} // ARG defaults before the first FROM
	var stages [][]instruction
	for _, in := range ins {
		if in.cmd == "FROM" {
			stages = append(stages, nil)
		}
		if len(stages) == 0 {
			if in.cmd == "ARG" {
				k, v, _ := strings.Cut(in.args, "=")
				args[k] = v
			}
			continue
		}
		stages[len(stages)-1] = append(stages[len(stages)-1], in)
	}
	if len(stages) < 2 {
		t.Fatalf("%d stages, want a build stage and a final one", len(stages))
	}

	// The builder's Go is go.mod's.
	goLine := regexp.MustCompile(`(?m)^go (\S+)$`).FindStringSubmatch(read(t, "go.mod"))
	build, final := stages[0], stages[len(stages)-1]
	if !strings.Contains(build[0].args, "golang:${GO_VERSION}") || args["GO_VERSION"] != goLine[1] {
		t.Errorf("build stage %q with GO_VERSION %q, want golang:${GO_VERSION} with go.mod's %s", build[0].args, args["GO_VERSION"], goLine[1])
	}
	var goBuild string
	for _, in := range build {
		if in.cmd == "RUN" && strings.Contains(in.args, "go build") {
			goBuild = in.args
		}
	}
	for _, want := range []string{"CGO_ENABLED=0", "-trimpath", "-tags timetzdata", "internal/buildinfo.version=${VERSION}", "internal/buildinfo.commit=${COMMIT}", "-o /out/bodydouble", "./cmd/bodydouble"} {
		if !strings.Contains(goBuild, want) {
			t.Errorf("the go build of the build stage lacks %q: %q", want, goBuild)
		}
	}

	// The final stage: nothing but the binary, a numeric unprivileged
	// user, /data as a volume, a health check without a shell.
	if base := final[0].args; base != "scratch" && !strings.HasPrefix(base, "gcr.io/distroless/static") {
		t.Errorf("final stage FROM %q, want scratch or distroless/static", base)
	}
	var user, binary, healthcheck, volume, chown string
	var entrypoint, cmdArgs []string
	env := map[string]string{}
	var exposed []string
	for _, in := range final {
		switch in.cmd {
		case "USER":
			user = in.args
		case "COPY":
			if f := strings.Fields(in.args); len(f) >= 2 && f[len(f)-2] == "/out/bodydouble" {
				binary = f[len(f)-1]
			}
			if m := regexp.MustCompile(`--chown=(\S+) .*/rootfs/ /$`).FindStringSubmatch(in.args); m != nil {
				chown = m[1]
			}
		case "HEALTHCHECK":
			healthcheck = in.args
		case "VOLUME":
			volume = in.args
		case "ENTRYPOINT":
			entrypoint = execForm(t, "ENTRYPOINT", in.args)
		case "CMD":
			cmdArgs = execForm(t, "CMD", in.args)
		case "ENV":
			for _, kv := range strings.Fields(in.args) {
				k, v, _ := strings.Cut(kv, "=")
				env[k] = v
			}
		case "EXPOSE":
			exposed = append(exposed, strings.Fields(in.args)...)
		case "ARG":
			if strings.Contains(strings.ToUpper(in.args), "SECRET") || strings.Contains(strings.ToUpper(in.args), "PASSWORD") {
				t.Errorf("ARG %s: build arguments are kept in the image's history", in.args)
			}
		}
	}
	if !regexp.MustCompile(`^[1-9][0-9]*(:[1-9][0-9]*)?$`).MatchString(user) {
		t.Errorf("USER %q, want a numeric user (and group) other than root", user)
	}
	if chown != user {
		t.Errorf("the directories (/data) are copied for %q, not for USER %q: bodydouble could not write its data", chown, user)
	}
	if binary == "" || len(entrypoint) != 1 || entrypoint[0] != binary {
		t.Errorf("ENTRYPOINT %q, want the binary copied to %q", entrypoint, binary)
	}
	if vols := execForm(t, "VOLUME", volume); len(vols) != 1 || vols[0] != "/data" {
		t.Errorf("VOLUME %q, want [\"/data\"]", volume)
	}
	if strings.Join(cmdArgs, " ") != "--data-dir /data" || env["BODYDOUBLE_DATA_DIR"] != "/data" {
		t.Errorf("CMD %q and BODYDOUBLE_DATA_DIR %q, want the data in /data", cmdArgs, env["BODYDOUBLE_DATA_DIR"])
	}
	// HEALTHCHECK [options] CMD ["/usr/local/bin/bodydouble", "healthcheck"],
	// which finds the port in BODYDOUBLE_ADDR, also exposed.
	_, hc, ok := strings.Cut(healthcheck, " CMD ")
	if probe := execForm(t, "HEALTHCHECK CMD", strings.TrimSpace(hc)); !ok || len(probe) != 2 || probe[0] != binary || probe[1] != "healthcheck" {
		t.Errorf("HEALTHCHECK %q, want CMD [%q, \"healthcheck\"]", healthcheck, binary)
	}
	port := strings.TrimPrefix(env["BODYDOUBLE_ADDR"], ":")
	for _, want := range []string{port + "/tcp", "3478/udp", "3478/tcp"} {
		if !strings.Contains(" "+strings.Join(exposed, " ")+" ", " "+want+" ") {
			t.Errorf("EXPOSE %v lacks %s", exposed, want)
		}
	}
}

// dockerignored reports whether .dockerignore's patterns leave path (slash
// separated, relative to the context) out of the build context: Docker's
// rules for the patterns used there (* within a name, ** across
// directories, a pattern matching a directory leaves out what is in it,
// ! takes back).
func dockerignored(patterns []string, path string) bool {
	ignored := false
	for _, p := range patterns {
		neg := strings.HasPrefix(p, "!")
		p = strings.TrimPrefix(strings.TrimPrefix(p, "!"), "/")
		var re strings.Builder
		re.WriteString("^")
		for i := 0; i < len(p); i++ {
			switch {
			case strings.HasPrefix(p[i:], "**/"):
				re.WriteString("(?:.*/)?")
				i += 2
			case strings.HasPrefix(p[i:], "**"):
				re.WriteString(".*")
				i++
			case p[i] == '*':
				re.WriteString("[^/]*")
			case p[i] == '?':
				re.WriteString("[^/]")
			default:
				re.WriteString(regexp.QuoteMeta(string(p[i])))
			}
		}
		re.WriteString("(?:/.*)?$")
		if regexp.MustCompile(re.String()).MatchString(path) {
			ignored = !neg
		}
	}
	return ignored
}

// Everything `go build ./cmd/bodydouble` reads (go.mod, go.sum, each
// package's Go and embedded files) is in the build context, and the heavy
// or private things are not.
func TestDockerignoreKeepsWhatTheBuildNeeds(t *testing.T) {
	// The matcher itself.
	for _, c := range []struct {
		patterns []string
		path     string
		want     bool
	}{
		{[]string{"**/testdata"}, "internal/api/testdata/fuzz/x", true},
		{[]string{"**/testdata"}, "testdata", true},
		{[]string{"web/src"}, "web/src/app.tsx", true},
		{[]string{"web/src"}, "web/srcx", false},
		{[]string{"/bodydouble"}, "cmd/bodydouble/main.go", false},
		{[]string{"*.test"}, "api.test", true},
		{[]string{"deploy", "!deploy/x"}, "deploy/x", false},
	} {
		if got := dockerignored(c.patterns, c.path); got != c.want {
			t.Errorf("dockerignored(%q, %q) = %v", c.patterns, c.path, got)
		}
	}
	var patterns []string
	for _, line := range strings.Split(read(t, ".dockerignore"), "\n") {
		if line = strings.TrimSpace(line); line != "" && !strings.HasPrefix(line, "#") {
			patterns = append(patterns, line)
		}
	}
	cmd := exec.Command("go", "list", "-deps", "-tags", "timetzdata", "-f", `{{if not .Standard}}{{$d := .Dir}}{{range .GoFiles}}{{$d}}/{{.}}
{{end}}{{range .EmbedFiles}}{{$d}}/{{.}}
{{end}}{{end}}`, "./cmd/bodydouble")
	cmd.Dir = root
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS=linux", "GOARCH=amd64")
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	needed := []string{"go.mod", "go.sum"}
	for _, f := range strings.Fields(string(out)) {
		rel, err := filepath.Rel(root, f)
		if err != nil || strings.HasPrefix(rel, "..") {
			continue // a module's file, downloaded in the image
		}
		needed = append(needed, filepath.ToSlash(rel))
	}
	if len(needed) < 100 || !contains(needed, "web/dist/index.html") || !anyPrefix(needed, "internal/store/sqlstore/migrations/") {
		t.Fatalf("go list found too little: %d files", len(needed))
	}
	for _, f := range needed {
		if dockerignored(patterns, f) {
			t.Errorf(".dockerignore leaves out %s, which the build needs", f)
		}
	}
	for _, f := range []string{".git/HEAD", "web/node_modules/preact/package.json", "data/bodydouble.db", "dist/release/SHA256SUMS", "bodydouble", "deploy/.env", "deploy/secrets/keyring.json"} {
		if !dockerignored(patterns, f) {
			t.Errorf(".dockerignore sends %s to the build", f)
		}
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func anyPrefix(list []string, prefix string) bool {
	for _, x := range list {
		if strings.HasPrefix(x, prefix) {
			return true
		}
	}
	return false
}

package archtest

import (
	"encoding/json"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

const module = "github.com/bodydouble/bodydouble/"

// layer names the packages a rule is about, by import path below module.
// A trailing "/..." takes in the package and everything below it.
type layer []string

func (l layer) has(path string) bool {
	for _, p := range l {
		if base, ok := strings.CutSuffix(p, "/..."); ok {
			if path == base || strings.HasPrefix(path, base+"/") {
				return true
			}
		} else if path == p {
			return true
		}
	}
	return false
}

var (
	model      = layer{"internal/model"}
	vocabulary = layer{"internal/wire", "internal/apperr"}
	store      = layer{"internal/store/..."}
	domain     = layer{"internal/rooms", "internal/auth", "internal/users", "internal/safety", "internal/moderation"}
	transports = layer{"internal/api", "internal/realtime/..."}
	protocol   = layer{"internal/protocol"}
	seats      = layer{"internal/seats"}
	broker     = layer{"internal/broker/..."}
	app        = layer{"internal/app"}
	blobs      = layer{"internal/blob"}
)

// rules says, for each group of packages, which packages of this module
// they must not import. Only the code is checked, not its tests: a test
// may build a real store to run a transport against.
var rules = []struct {
	name      string
	from      layer
	forbidden []layer
}{
	{"transports reach the store only through the domain services", transports, []layer{store, app}},
	{"the store persists the model and knows nothing above it", store, []layer{domain, transports, broker, vocabulary, app}},
	{"the broker carries bytes and knows no domain", broker, []layer{model, store, domain, transports, vocabulary, app}},
	{"the domain never speaks HTTP or WebSocket", domain, []layer{transports, app, {"internal/httpx"}}},
	{"wire and apperr describe the model to clients", vocabulary, []layer{store, domain, transports, broker, app}},
	{"the socket protocol is names, an envelope and a routing rule, below the domain and the transports", protocol, []layer{store, domain, transports, broker, app, seats, {"internal/apperr"}}},
	{"seat holds and leases sit below the domain: rooms asks them, the hub feeds them", seats, []layer{domain, transports, broker, protocol, app}},
	{"the blob store keeps bytes by key and knows no domain", blobs, []layer{model, store, domain, transports, vocabulary, broker, protocol, app}},
	{"health, logs and error reports are plumbing below the app: they know no model, store, domain, broker or transport", layer{"internal/health", "internal/logx", "internal/errreport"}, []layer{model, store, domain, transports, broker, vocabulary, app}},
	{"once-per-cluster jobs work on the store's interface; app hands them what the domain does", layer{"internal/jobs"}, []layer{domain, transports, broker, vocabulary, app, {"internal/store/sqlstore"}}},
	{"metrics reads plain numbers and observers it is handed; it knows no store, domain or transport", layer{"internal/metrics"}, []layer{model, store, domain, transports, broker, vocabulary, seats, app}},
	{"only app wires metrics: the others offer plain counters and observers, never Prometheus", layer{"internal/rooms", "internal/auth", "internal/users", "internal/safety", "internal/moderation", "internal/api", "internal/realtime/...", "internal/store/...", "internal/broker/...", "internal/jobs", "internal/turn"}, []layer{{"internal/metrics"}}},
}

type pkg struct {
	ImportPath string
	Imports    []string
}

// packages lists every package of the module with its non-test imports.
func packages(t *testing.T) []pkg {
	t.Helper()
	touchSources(t)
	cmd := exec.Command("go", "list", "-json=ImportPath,Imports", module+"...")
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	var pkgs []pkg
	dec := json.NewDecoder(strings.NewReader(string(out)))
	for dec.More() {
		var p pkg
		if err := dec.Decode(&p); err != nil {
			t.Fatalf("go list output: %v", err)
		}
		p.ImportPath = strings.TrimPrefix(p.ImportPath, module)
		pkgs = append(pkgs, p)
	}
	if len(pkgs) < 10 {
		t.Fatalf("go list found %d packages; is the module path %q right?", len(pkgs), module)
	}
	return pkgs
}

func TestImportRules(t *testing.T) {
	pkgs := packages(t)
	checked := map[string]bool{}
	for _, p := range pkgs {
		for _, r := range rules {
			if r.from.has(p.ImportPath) {
				checked[r.name] = true
			}
		}
		for _, imp := range p.Imports {
			dep, ours := strings.CutPrefix(imp, module)
			if !ours {
				continue
			}
			for _, r := range rules {
				if !r.from.has(p.ImportPath) {
					continue
				}
				for _, f := range r.forbidden {
					if f.has(dep) {
						t.Errorf("%s imports %s: %s", p.ImportPath, dep, r.name)
					}
				}
			}
		}
	}
	for _, r := range rules {
		if !checked[r.name] {
			t.Errorf("rule %q matched no package: its layer names are out of date", r.name)
		}
	}
}

// TestModelIsDependencyFree holds the model to the standard library, so
// that every layer can use it without pulling anything else in.
func TestModelIsDependencyFree(t *testing.T) {
	found := false
	for _, p := range packages(t) {
		if !model.has(p.ImportPath) {
			continue
		}
		found = true
		for _, imp := range p.Imports {
			if first, _, _ := strings.Cut(imp, "/"); strings.Contains(first, ".") {
				t.Errorf("%s imports %s: the model uses the standard library only", p.ImportPath, imp)
			}
		}
	}
	if !found {
		t.Fatal("no model package found")
	}
}

// TestRulesCatchAViolation makes sure the checker itself fails on a
// forbidden import, so a silent pass means something.
func TestRulesCatchAViolation(t *testing.T) {
	if !transports.has("internal/realtime/wstest") || !store.has("internal/store/sqlstore") || store.has("internal/storefront") {
		t.Fatal("layer matching is wrong")
	}
	hit := false
	for _, r := range rules {
		if r.from.has("internal/api") {
			for _, f := range r.forbidden {
				hit = hit || f.has("internal/store/sqlstore")
			}
		}
	}
	if !hit {
		t.Fatal("internal/api importing internal/store/sqlstore is not forbidden by any rule")
	}
}

// touchSources reads every Go file of the module. go list runs in a child
// process, so without this `go test` would not know the result depends on
// the sources and would answer a changed import graph from its cache.
func touchSources(t *testing.T) {
	t.Helper()
	err := filepath.WalkDir("../..", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (d.Name() == "node_modules" || d.Name() == "testdata" || strings.HasPrefix(d.Name(), ".")) && path != "../.." {
			return filepath.SkipDir
		}
		if !d.IsDir() && strings.HasSuffix(path, ".go") {
			_, err = os.ReadFile(path)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}

package archtest

import (
	"strings"
	"testing"
)

// TestKeyringStandsAlone holds internal/keyring, which the store and the
// domain both use, to the standard library and golang.org/x/crypto: no
// package of this module, nothing else from outside.
func TestKeyringStandsAlone(t *testing.T) {
	keyring := layer{"internal/keyring"}
	found := false
	for _, p := range packages(t) {
		if !keyring.has(strings.TrimPrefix(p.ImportPath, module)) {
			continue
		}
		found = true
		for _, imp := range p.Imports {
			first, _, _ := strings.Cut(imp, "/")
			if strings.Contains(first, ".") && !strings.HasPrefix(imp, "golang.org/x/crypto/") {
				t.Errorf("%s imports %s: the keyring uses the standard library and golang.org/x/crypto only", p.ImportPath, imp)
			}
		}
	}
	if !found {
		t.Fatal("no keyring package found")
	}
}

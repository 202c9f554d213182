package release

import "testing"

func TestParse(t *testing.T) {
	p, err := Parse("v0.1.0 b1caac76a2bb82ed65e9004d4872521ff2383733 0013\n")
	if err != nil || p != (Previous{"v0.1.0", "b1caac76a2bb82ed65e9004d4872521ff2383733", 13}) {
		t.Fatalf("Parse = %+v, %v", p, err)
	}
	for _, bad := range []string{
		"",
		"v0.1.0 b1caac7 0013", // short commit
		"0.1.0 b1caac76a2bb82ed65e9004d4872521ff2383733 0013", // no v
		"v0.1.0 b1caac76a2bb82ed65e9004d4872521ff2383733 13",  // not four digits
		"v0.1.0 b1caac76a2bb82ed65e9004d4872521ff2383733 0013\nv0.2.0 b1caac76a2bb82ed65e9004d4872521ff2383733 0014",
	} {
		if p, err := Parse(bad); err == nil {
			t.Errorf("Parse(%q) = %+v, want an error", bad, p)
		}
	}
}

// The repository's own file parses: the migration policy and the
// upgrade test depend on it.
func TestThisTreesPreviousRelease(t *testing.T) {
	if _, err := ReadPrevious(); err != nil {
		t.Fatal(err)
	}
}

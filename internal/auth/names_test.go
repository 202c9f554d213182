package auth

import (
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"
)

// maxDisplayName is users.MaxNameLen: a generated name must be one a
// person could also have typed, or renaming back to it would fail.
const maxDisplayName = 50

// isGeneratedName reports whether name is "<adjective> <animal>" from the lists.
func isGeneratedName(name string) bool {
	adj, animal, ok := strings.Cut(name, " ")
	return ok && contains(adjectives, adj) && contains(animals, animal)
}

func contains(list []string, w string) bool {
	for _, v := range list {
		if v == w {
			return true
		}
	}
	return false
}

// Every word is one capitalised word of ASCII letters, no list repeats a
// word, and every pairing is a valid display name.
func TestNameListsAreWellFormed(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name  string
		words []string
	}{
		{"adjectives", adjectives},
		{"animals", animals},
	} {
		if len(tc.words) < 32 {
			t.Errorf("%s: only %d words, too few names to tell people apart", tc.name, len(tc.words))
		}
		seen := map[string]bool{}
		for _, w := range tc.words {
			if seen[w] {
				t.Errorf("%s: %q twice", tc.name, w)
			}
			seen[w] = true
			if w == "" || !unicode.IsUpper(rune(w[0])) {
				t.Errorf("%s: %q is not capitalised", tc.name, w)
			}
			for _, r := range w {
				if r > unicode.MaxASCII || !unicode.IsLetter(r) {
					t.Errorf("%s: %q has %q, not an ASCII letter", tc.name, w, r)
				}
			}
		}
	}
	for _, a := range adjectives {
		for _, b := range animals {
			if n := utf8.RuneCountInString(a + " " + b); n > maxDisplayName {
				t.Errorf("%q is %d characters, over %d", a+" "+b, n, maxDisplayName)
			}
		}
	}
}

// RandomName draws both words from the lists, and draws all of them: over
// 4,000 draws the chance that one of 32 words never comes up by luck is
// below 1e-50, so a miss means a word can never be drawn.
func TestRandomNameDrawsEveryWord(t *testing.T) {
	t.Parallel()
	gotAdj, gotAnimal := map[string]bool{}, map[string]bool{}
	for range 4000 {
		name := RandomName()
		if !isGeneratedName(name) {
			t.Fatalf("RandomName() = %q, not <adjective> <animal>", name)
		}
		adj, animal, _ := strings.Cut(name, " ")
		gotAdj[adj], gotAnimal[animal] = true, true
	}
	for _, tc := range []struct {
		name  string
		words []string
		got   map[string]bool
	}{
		{"adjective", adjectives, gotAdj},
		{"animal", animals, gotAnimal},
	} {
		for _, w := range tc.words {
			if !tc.got[w] {
				t.Errorf("%s %q never drawn", tc.name, w)
			}
		}
	}
}

// Package textrules holds the content rules of public text: what others
// see of a person (display names, room names and descriptions, shared
// goals and achievements). It normalises text to NFC, refuses control and
// invisible characters, holds display names to the PRECIS nickname profile
// and away from staff names, and refuses words of a block list. Private
// text (goals nobody else sees) never comes here.
//
// Words are compared on their confusable skeletons (UTS #39, from the
// Unicode consortium's own confusables table), so a Greek omicron or a
// Cyrillic a does not slip a word past the list, and on whole words, so an
// ordinary word that contains a bad one passes.
//
// The package is pure: it imports nothing of the module, and its only
// state is the block list, swapped atomically when the operator's file
// changes.
package textrules

import (
	"strings"
	"sync/atomic"
	"unicode"
	"unicode/utf8"

	"github.com/mtibben/confusables"
	"golang.org/x/text/secure/precis"
	"golang.org/x/text/unicode/norm"
)

// Reasons a text is refused, phrased as a field message.
const (
	ReasonInvisible = "Remove the control or invisible characters (such as zero-width spaces or direction marks); they are not allowed in text others see."
	ReasonNickname  = "Use letters, numbers, punctuation, symbols, spaces and single emoji; this name has characters a display name cannot use."
	ReasonStaff     = "Pick a name that does not look like a staff name (moderator, admin, Body Double, staff or system)."
)

// ReasonBlocked is the field message for a text containing term.
func ReasonBlocked(term string) string {
	return "Leave out \"" + term + "\": it is on this server's list of words not allowed in text others see."
}

// Rules checks public text against the built-in word list plus the
// operator's. It is safe for concurrent use.
type Rules struct {
	list atomic.Pointer[wordList]
}

// New returns Rules with the built-in word list only.
func New() *Rules {
	r := &Rules{}
	r.SetExtra(nil)
	return r
}

var builtin = New()

// Builtin returns shared Rules with the built-in list only, for services
// built without an operator's list (tests, tools).
func Builtin() *Rules { return builtin }

// SetExtra replaces the operator's terms (the built-in ones always stay).
// Blank terms are ignored.
func (r *Rules) SetExtra(terms []string) {
	l := &wordList{}
	for _, t := range append(append([]string{}, builtinWords...), terms...) {
		l.add(t)
	}
	r.list.Store(l)
}

// Text checks a room name, a room description or one shared goal or
// achievement. It returns s in NFC, or a non-empty reason to refuse it.
func (r *Rules) Text(s string) (string, string) {
	s = norm.NFC.String(s)
	if !Visible(s) {
		return "", ReasonInvisible
	}
	if term := r.list.Load().find(words(s)); term != "" {
		return "", ReasonBlocked(term)
	}
	return s, ""
}

// Name checks a display name: Text's rules, then the PRECIS nickname
// profile (RFC 8266: spaces folded, NFKC, no unassigned or disallowed
// code points), then staff names. It returns the name as the nickname
// profile enforces it, or a non-empty reason to refuse it. Emoji
// presentation selectors (U+FE0E, U+FE0F), which emoji pickers add and
// the profile disallows, are dropped first.
func (r *Rules) Name(s string) (string, string) {
	s, why := r.Text(s)
	if why != "" {
		return "", why
	}
	s = strings.NewReplacer("\uFE0E", "", "\uFE0F", "").Replace(s)
	out, err := precis.Nickname.String(s)
	if err != nil || out == "" {
		return "", ReasonNickname
	}
	if staffList.find(words(out)) != "" {
		return "", ReasonStaff
	}
	return out, ""
}

var staffList = func() *wordList {
	l := &wordList{}
	for _, t := range staffNames {
		l.add(t)
	}
	return l
}()

// Visible reports whether s is valid UTF-8 without control characters
// (C0 and C1), format characters (bidi overrides and isolates, direction
// marks, zero-width spaces, soft hyphens, tags), line and paragraph
// separators, private-use characters (which each device draws its own
// way, or not at all), or characters that display as nothing (Hangul fillers,
// the blank Braille pattern, variation selectors out of place). Zero-width
// joiners and non-joiners pass where scripts and emoji need them.
func Visible(s string) bool {
	if !utf8.ValidString(s) {
		return false
	}
	rs := []rune(s)
	for i, r := range rs {
		var prev, next rune
		if i > 0 {
			prev = rs[i-1]
		}
		if i+1 < len(rs) {
			next = rs[i+1]
		}
		if !visibleAt(prev, r, next) {
			return false
		}
	}
	return true
}

func visibleAt(prev, r, next rune) bool {
	switch {
	case r == '\u200D': // zero-width joiner: emoji sequences and Indic scripts
		return (emojiLike(prev) || joiningScript(prev)) && (emojiLike(next) || joiningScript(next))
	case r == '\u200C': // zero-width non-joiner: Persian, Indic scripts
		return joiningScript(prev) && joiningScript(next)
	case r == '\uFE0E' || r == '\uFE0F': // text or emoji presentation of the previous character
		return prev != 0 && !unicode.IsSpace(prev) && !unicode.In(prev, unicode.Cc, unicode.Cf, unicode.Mn)
	case unicode.In(r, unicode.Cc, unicode.Cf, unicode.Zl, unicode.Zp, unicode.Co, unicode.Noncharacter_Code_Point):
		return false
	case unicode.Is(unicode.Other_Default_Ignorable_Code_Point, r), unicode.Is(unicode.Variation_Selector, r):
		return false
	case r == '\u2800' || r == '\u115F' || r == '\u1160' || r == '\u3164' || r == '\uFFA0':
		return false
	}
	return true
}

// emojiLike reports whether r can sit on either side of a joiner in an
// emoji sequence: a pictograph, a skin tone, or an emoji presentation
// selector.
func emojiLike(r rune) bool {
	return unicode.Is(unicode.So, r) || (r >= 0x1F3FB && r <= 0x1F3FF) || r == '\uFE0F' || r == '\u2640' || r == '\u2642'
}

// joinScripts are the scripts whose spelling uses zero-width (non-)joiners.
var joinScripts = []*unicode.RangeTable{
	unicode.Arabic, unicode.Syriac, unicode.Nko, unicode.Mongolian,
	unicode.Devanagari, unicode.Bengali, unicode.Gurmukhi, unicode.Gujarati, unicode.Oriya,
	unicode.Tamil, unicode.Telugu, unicode.Kannada, unicode.Malayalam, unicode.Sinhala,
	unicode.Myanmar, unicode.Khmer, unicode.Tibetan,
}

func joiningScript(r rune) bool {
	return r != 0 && unicode.In(r, joinScripts...)
}

// skeleton is what text and terms are compared on: compatibility forms and
// case folded away, then the confusable skeleton, with accents dropped.

func skeleton(s string) string {
	// Capitals, skeleton, small letters, skeleton: the table maps some
	// capitals (Cyrillic М to M) whose small letters it leaves alone (м),
	// and some small letters (m to rn) whose capitals it leaves alone.
	s = strings.ToUpper(norm.NFKC.String(s))
	s = confusables.Skeleton(strings.ToLower(confusables.Skeleton(s)))
	var b strings.Builder
	for _, r := range s {
		if !unicode.Is(unicode.Mn, r) {
			b.WriteRune(unicode.ToLower(r))
		}
	}
	return b.String()
}

// words splits s's skeleton into words: runs of letters, or of digits,
// so that "Admin2" is the word "admin" and a number.
func words(s string) []string {
	var out []string
	start, kind := -1, 0
	sk := skeleton(s)
	for i, r := range sk {
		k := 0
		switch {
		case unicode.IsLetter(r) || unicode.Is(unicode.Mc, r):
			k = 1
		case unicode.IsDigit(r):
			k = 2
		}
		if k != kind && start >= 0 {
			out = append(out, sk[start:i])
			start = -1
		}
		if k != 0 && start < 0 {
			start = i
		}
		kind = k
	}
	if start >= 0 {
		out = append(out, sk[start:])
	}
	return out
}

// wordList is a set of terms, each a sequence of skeleton words.
type wordList struct {
	terms []term
}

type term struct {
	text   string   // as written in the list, for the field message
	words  []string // its skeleton words
	joined string   // the words run together: "bodydouble"
}

func (l *wordList) add(t string) {
	t = strings.TrimSpace(t)
	w := words(t)
	if len(w) == 0 {
		return
	}
	l.terms = append(l.terms, term{text: t, words: w, joined: strings.Join(w, "")})
}

// find returns the first term whose words appear in ws as whole words
// (a word may carry a plural "s" or "es"), or whose words run together
// are one word of ws; "" if none.
func (l *wordList) find(ws []string) string {
	for _, t := range l.terms {
		for i := range ws {
			if sameWord(ws[i], t.joined) || seqAt(ws[i:], t.words) {
				return t.text
			}
		}
	}
	return ""
}

func seqAt(ws, tw []string) bool {
	if len(ws) < len(tw) {
		return false
	}
	for j, w := range tw {
		if !sameWord(ws[j], w) {
			return false
		}
	}
	return true
}

func sameWord(w, t string) bool {
	if rest, ok := strings.CutPrefix(w, t); ok {
		return rest == "" || rest == "s" || rest == "es"
	}
	return false
}

// ParseList reads an operator's word list: one term per line, blank lines
// and lines starting with # left out.
func ParseList(data string) []string {
	var out []string
	for line := range strings.Lines(data) {
		line = strings.TrimSpace(strings.TrimPrefix(line, "\uFEFF"))
		if line != "" && !strings.HasPrefix(line, "#") {
			out = append(out, line)
		}
	}
	return out
}

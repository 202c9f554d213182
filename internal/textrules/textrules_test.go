package textrules

import (
	"strings"
	"testing"
)

// Outcomes of a check.
const (
	ok        = ""
	invisible = ReasonInvisible
	nickname  = ReasonNickname
	staff     = ReasonStaff
)

func blocked(term string) string { return ReasonBlocked(term) }

// Every rule, on both kinds of public text: n is a display name, t any
// other public text (room name or description, shared goal).
func TestRules(t *testing.T) {
	t.Parallel()
	r := New()
	r.SetExtra([]string{"grindset", "  ", "# not a comment here, a term", "Hustle Culture"})
	cases := []struct {
		kind string // "n" (Name) or "t" (Text)
		in   string
		want string // ok or the reason
	}{
		// Ordinary names and text, in many scripts.
		{"n", "Quiet Heron", ok},
		{"n", "Ana", ok},
		{"n", "José", ok},
		{"n", "Zoë", ok},
		{"n", "Søren", ok},
		{"n", "Łukasz", ok},
		{"n", "Ngọc Anh", ok},
		{"n", "Nguyễn", ok},
		{"n", "Ümit", ok},
		{"n", "Ðorđe", ok},
		{"n", "محمد", ok},
		{"n", "فاطمة الزهراء", ok},
		{"n", "שלום", ok},
		{"n", "דוד כהן", ok},
		{"n", "Дмитрий", ok},
		{"n", "Олена", ok},
		{"n", "Αλέξανδρος", ok},
		{"n", "学习者", ok},
		{"n", "山田太郎", ok},
		{"n", "さくら", ok},
		{"n", "김민준", ok},
		{"n", "राहुल", ok},
		{"n", "தமிழ்", ok},
		{"n", "สมชาย", ok},
		{"n", "Ամալյա", ok},
		{"n", "ნინო", ok},
		{"n", "Maria-Luisa", ok},
		{"n", "O'Brien", ok},
		{"n", "Dr. Who", ok},
		{"n", "R2D2", ok},
		{"n", "Agent 47", ok},
		{"n", "night_owl", ok},
		{"n", "José 🌟", ok},
		{"n", "🦦", ok},
		{"n", "Otter 🦦🦦", ok},
		{"n", "☕ Café", ok},
		{"n", "❤️ Ana", ok},    // the emoji selector is dropped
		{"n", "🇫🇷 Amélie", ok}, // a flag: two regional indicators
		{"n", "Ana 👋🏽", ok},    // skin tone
		{"t", "Deep work 🧑‍💻", ok},
		{"t", "👩‍👩‍👧 family admin", ok},
		{"t", "1️⃣ first thing", ok},
		{"t", "❤️ wellbeing", ok},
		{"t", "می‌خواهم بنویسم", ok}, // Persian needs its zero-width non-joiner
		{"t", "क्‍ष", ok},            // joiner after a virama
		{"t", "Write chapter 3", ok},
		{"t", "Inbox zero", ok},
		{"t", "Study: 学习 🦦", ok},
		{"t", "Read «Les Misérables»", ok},
		{"t", "تمرين الكتابة", ok},
		{"t", "ללמוד למבחן", ok},
		{"t", "Mixed עברית and English", ok},
		{"t", "Mixed العربية and English", ok},
		{"t", "Математика и physics", ok},
		{"t", "α-β pruning homework", ok},
		{"t", "50% done — nearly!", ok},
		{"t", "a + b = c", ok},
		{"t", "email support@example.com", ok},
		{"t", "~ tilde ~", ok},
		{"t", "x\u00a0y", ok}, // no-break space is visible spacing
		{"t", "Tab", ok},
		{"t", "", ok},

		// False positives that must pass: bad words inside ordinary ones.
		{"t", "Scunthorpe United fan club", ok},
		{"t", "Assassin's Creed essay", ok},
		{"t", "Cocktail recipes", ok},
		{"t", "Read Dickens", ok},
		{"t", "Call my therapist", ok},
		{"t", "Class assignment", ok},
		{"t", "Pass the assessment", ok},
		{"t", "Embassy visa forms", ok},
		{"t", "Massachusetts trip", ok},
		{"t", "Hancock paperwork", ok},
		{"t", "Peacock drawing", ok},
		{"t", "Cockpit checklist", ok},
		{"t", "Shuttlecock practice", ok},
		{"t", "Dickinson poems", ok},
		{"t", "Benedict Cumberbatch", ok},
		{"t", "Shitake soup", ok},
		{"t", "Cucumber salad", ok},
		{"t", "Grape harvest", ok},
		{"t", "Drape the curtains", ok},
		{"t", "Bass guitar", ok},
		{"t", "Grass cutting", ok},
		{"t", "Class notes", ok},
		{"t", "Compass bearings", ok},
		{"t", "Harassment training", ok},
		{"t", "Analytics", ok},
		{"t", "Scrapbook", ok},
		{"t", "Sussex", ok},
		{"t", "Middlesex hospital", ok},
		{"t", "Bitcoin taxes", ok},
		{"t", "Arsenal match", ok},
		{"t", "Titanic essay", ok},
		{"t", "Hello world", ok},
		{"t", "Pussywillow painting", ok},
		{"t", "Skyscraper sketch", ok},
		{"t", "Twattle is not a word", ok},
		{"n", "Admiral", ok},
		{"n", "Administrator of my own time", staff},
		{"n", "Adminis", ok},
		{"n", "Admiration", ok},
		{"n", "Badminton fan", ok},
		{"n", "Staffordshire", ok},
		{"n", "Staffy lover", ok},
		{"n", "Systematic Sam", ok},
		{"n", "Body", ok},
		{"n", "Double Espresso", ok},
		{"n", "Mod", ok},
		{"n", "Moderate Otter", ok},
		{"n", "Ecosystem", ok},
		{"n", "Somebody", ok},
		{"t", "Staff meeting prep", ok}, // staff names bind display names only
		{"t", "System design review", ok},
		{"t", "Admin tasks", ok},

		// Controls: C0, DEL, C1, line breaks.
		{"t", "tab\tinside", invisible},
		{"t", "new\nline", invisible},
		{"t", "carriage\rreturn", invisible},
		{"t", "nul\x00", invisible},
		{"t", "escape\x1b[31m", invisible},
		{"t", "delete\x7f", invisible},
		{"t", "next line\u0085here", invisible},
		{"t", "csi\u009b31m", invisible},
		{"t", "c1\u0080", invisible},
		{"t", "line\u2028sep", invisible},
		{"t", "para\u2029sep", invisible},
		{"t", "bad \xff utf-8", invisible},
		{"n", "Ana\x00", invisible},
		{"n", "Ana\u0085", invisible},

		// Bidi overrides, embeddings, isolates and marks.
		{"n", "Ana\u202egnp.exe", invisible},
		{"n", "\u202dAna", invisible},
		{"n", "\u202aAna\u202c", invisible},
		{"n", "\u202bשלום\u202c", invisible},
		{"n", "\u2066Ana\u2069", invisible},
		{"n", "\u2067שלום\u2069", invisible},
		{"n", "\u2068Ana\u2069", invisible},
		{"n", "Ana\u200e", invisible},
		{"n", "\u200fשלום", invisible},
		{"n", "\u061cمحمد", invisible},
		{"t", "Room\u202e", invisible},
		{"t", "goal \u2067x", invisible},

		// Zero-width and other invisible characters.
		{"n", "Ana\u200bBell", invisible},
		{"n", "Ad\u200bmin", invisible},
		{"n", "Ana\u200cBell", invisible}, // non-joiner between Latin letters
		{"n", "Ana\u200dBell", invisible}, // joiner between Latin letters
		{"n", "\u200d", invisible},
		{"n", "Ana\u2060", invisible},
		{"n", "\ufeffAna", invisible},
		{"n", "Ana\u00ad", invisible},
		{"n", "Ana\u180e", invisible},
		{"n", "\u3164", invisible},
		{"n", "Ana\u3164", invisible},
		{"n", "\u115f\u1160", invisible},
		{"n", "\uffa0", invisible},
		{"n", "\u2800", invisible},
		{"n", "Ana\u034f", invisible},
		{"n", "Ana\U000e0041", invisible}, // tag character
		{"n", "Ana\ue000", invisible},     // private use
		{"n", "\ufe0fAna", invisible},     // a selector with nothing before it
		{"n", "Ana \ufe0f", invisible},
		{"n", "A\ufe01na", invisible},
		{"n", "Ana\u2061b", invisible},
		{"t", "goal\u200b", invisible},
		{"t", "\u2064", invisible},
		{"t", "x\ufff9y", invisible},

		// The nickname profile.
		{"n", "Ａｎａ", ok}, // full-width letters fold (checked below)
		{"n", "Ana \U0010FFFD", invisible},
		{"n", "Ana \u0378", nickname}, // unassigned
		{"n", "Dev 👩‍💻", nickname},    // joined emoji: the profile's contextual rule
		{"n", "Ana\u0007", invisible},

		// Staff names, plain and disguised.
		{"n", "moderator", staff},
		{"n", "Moderator", staff},
		{"n", "MODERATOR", staff},
		{"n", "The Moderator", staff},
		{"n", "Moderators", staff},
		{"n", "M\u03bfderator", staff}, // Greek omicron
		{"n", "\u041cоderator", staff}, // Cyrillic М and о
		{"n", "Mоdеrаtоr", staff},      // Cyrillic о, е, а
		{"n", "M0derat0r", staff},      // digit zero
		{"n", "Ｍｏｄｅｒａｔｏｒ", staff},      // full width
		{"n", "Modérator", staff},      // accent
		{"n", "Mod-erator", ok},        // split: not the word
		{"n", "admin", staff},
		{"n", "Admin", staff},
		{"n", "Admin2", staff},
		{"n", "Admin Team", staff},
		{"n", "\u0430dmin", staff}, // Cyrillic a
		{"n", "\u0410dmin", staff}, // Cyrillic А
		{"n", "Adm\u0456n", staff}, // Cyrillic і
		{"n", "adrnin", staff},     // rn looks like m
		{"n", "Admins", staff},
		{"n", "staff", staff},
		{"n", "Staff", staff},
		{"n", "Support Staff", staff},
		{"n", "\u0405taff", staff}, // Cyrillic Ѕ
		{"n", "system", staff},
		{"n", "System", staff},
		{"n", "SYSTEM", staff},
		{"n", "\u0405ystem", staff},
		{"n", "Ѕуѕtеm", staff}, // all Cyrillic
		{"n", "body double", staff},
		{"n", "Body Double", staff},
		{"n", "BodyDouble", staff},
		{"n", "Body-Double", staff},
		{"n", "Body_Double Team", staff},
		{"n", "B\u03bfdy D\u03bfuble", staff},
		{"n", "b0dyd0uble", staff},
		{"n", "Body  Double", staff},

		// Blocked words, the built-in list.
		{"t", "fuck", blocked("fuck")},
		{"t", "Fuck this", blocked("fuck")},
		{"t", "what the FUCK", blocked("fuck")},
		{"t", "fucking essay", blocked("fucking")},
		{"t", "shit", blocked("shit")},
		{"t", "Holy shit!", blocked("shit")},
		{"t", "sh\u0456t", blocked("shit")}, // Cyrillic і
		{"t", "shits", blocked("shit")},
		{"t", "bullshit jobs", blocked("bullshit")},
		{"t", "cunt", blocked("cunt")},
		{"t", "\u0441unt", blocked("cunt")}, // Cyrillic с
		{"t", "Dick", blocked("dick")},
		{"t", "dicks", blocked("dick")},
		{"t", "cock", blocked("cock")},
		{"t", "ass", blocked("ass")},
		{"t", "asses", blocked("ass")},
		{"t", "kiss my \u0430ss", blocked("ass")},
		{"t", "rapist", blocked("rapist")},
		{"t", "You bitch", blocked("bitch")},
		{"t", "B\u0456tch", blocked("bitch")},
		{"t", "slut", blocked("slut")},
		{"t", "whore", blocked("whore")},
		{"t", "wanker", blocked("wanker")},
		{"t", "twat", blocked("twat")},
		{"t", "bastard", blocked("bastard")},
		{"t", "asshole", blocked("asshole")},
		{"t", "kys", blocked("kys")},
		{"t", "ＦＵＣＫ", blocked("fuck")},
		{"t", "fück", blocked("fuck")},
		{"t", "f*ck-shit", blocked("shit")},
		{"n", "Shit Head", blocked("shit")},
		{"n", "Dick", blocked("dick")},
		{"n", "Mr Fuck", blocked("fuck")},

		// The operator's terms, single and several words.
		{"t", "grindset", blocked("grindset")},
		{"t", "Grindset mindset", blocked("grindset")},
		{"t", "grindsets", blocked("grindset")},
		{"t", "grindsetter", ok},
		{"t", "hustle culture", blocked("Hustle Culture")},
		{"t", "HUSTLE  CULTURE!", blocked("Hustle Culture")},
		{"t", "hustleculture", blocked("Hustle Culture")},
		{"t", "hustle", ok},
		{"t", "culture", ok},
		{"t", "culture hustle", ok},
		{"t", "comment here", ok}, // "# not a comment here, a term" is a term of 5 words
		{"n", "Grindset", blocked("grindset")},
	}
	if len(cases) < 200 {
		t.Fatalf("only %d cases", len(cases))
	}
	for _, tc := range cases {
		var why string
		if tc.kind == "n" {
			_, why = r.Name(tc.in)
		} else {
			_, why = r.Text(tc.in)
		}
		if why != tc.want {
			t.Errorf("%s %q: got %q, want %q", tc.kind, tc.in, why, tc.want)
		}
	}
}

// What passes is stored normalised: NFC for text, the nickname profile's
// form for display names.
func TestNormalises(t *testing.T) {
	t.Parallel()
	r := New()
	for _, tc := range []struct{ kind, in, want string }{
		{"t", "Cafe\u0301", "Café"},
		{"t", "A\u030angstro\u0308m", "Ångström"},
		{"t", "\uff21\uff22", "\uff21\uff22"}, // text keeps compatibility forms (NFC only)
		{"n", "Cafe\u0301", "Café"},
		{"n", "\uff21\uff4e\uff41", "Ana"},
		{"n", "  Quiet \u3000 Heron ", "Quiet Heron"},
		{"n", "ﬁne", "fine"},
		{"n", "❤️ Ana", "❤ Ana"},
		{"n", "محمد", "محمد"},
	} {
		var got, why string
		if tc.kind == "n" {
			got, why = r.Name(tc.in)
		} else {
			got, why = r.Text(tc.in)
		}
		if why != "" || got != tc.want {
			t.Errorf("%s %q = %q (%q), want %q", tc.kind, tc.in, got, why, tc.want)
		}
	}
}

// The operator's list is swapped whole: terms of the old one stop
// matching, the built-in ones stay.
func TestSetExtraReplaces(t *testing.T) {
	t.Parallel()
	r := New()
	r.SetExtra([]string{"grindset"})
	if _, why := r.Text("grindset"); why == "" {
		t.Fatal("the operator's term passed")
	}
	r.SetExtra([]string{"hustle"})
	if _, why := r.Text("grindset"); why != "" {
		t.Fatalf("an old term is still refused: %q", why)
	}
	if _, why := r.Text("hustle"); why == "" {
		t.Fatal("the new term passed")
	}
	if _, why := r.Text("shit"); why == "" {
		t.Fatal("a built-in term passed after SetExtra")
	}
	if _, why := Builtin().Text("hustle"); why != "" {
		t.Fatal("Builtin shares the operator's list")
	}
}

// The built-in list stays short and each of its words is refused on its own.
func TestBuiltinWords(t *testing.T) {
	t.Parallel()
	if len(builtinWords) > 40 {
		t.Errorf("the built-in list has %d words; keep it short", len(builtinWords))
	}
	for _, w := range builtinWords {
		if _, why := Builtin().Text(strings.ToUpper(w)); why == "" {
			t.Errorf("%q passes", w)
		}
	}
}

// The operator's file: one term per line; comments, blank lines and a
// byte order mark are not terms; Windows line ends are fine.
func TestParseList(t *testing.T) {
	t.Parallel()
	got := ParseList("\uFEFFgrindset\r\n# a comment\r\n\r\n  hustle culture  \n#\nlast")
	want := []string{"grindset", "hustle culture", "last"}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Fatalf("got %q, want %q", got, want)
	}
	if ParseList("") != nil || ParseList("# only\n\n") != nil {
		t.Fatal("an empty list has terms")
	}
}

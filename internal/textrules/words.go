package textrules

// builtinWords is the default list of terms refused in public text, before
// the operator's --blocklist-file adds its own. It is kept short on
// purpose: common English profanity and sexual insults that have no place
// in a room name or a shared goal, and nothing that is an ordinary word
// on its own. Terms are matched on whole words of the normalised skeleton
// (see Rules.Check), also with a plural "s" or "es", so "Scunthorpe",
// "assassin", "cocktail", "Dickens" and "therapist" pass. Slurs and
// anything local belong in the operator's file, which the server re-reads
// when it changes.
var builtinWords = []string{
	"fuck", "fucker", "fucking", "motherfucker",
	"shit", "shitty", "bullshit",
	"cunt", "twat", "wanker",
	"bitch", "bastard", "whore", "slut",
	"ass", "asshole", "arsehole",
	"cock", "dick", "dickhead", "pussy",
	"rapist", "kys",
}

// staffNames are the names a display name may not look like: people must
// not pass for the people who run the service. Administrator is added to
// the five the service names, being the long form of admin.
var staffNames = []string{"moderator", "admin", "administrator", "body double", "staff", "system"}

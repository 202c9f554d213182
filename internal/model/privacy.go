package model

import "time"

// UserExport is everything stored about one person (GET
// /api/users/me/export): their own rows, and the rows of shared tables
// that are theirs. What others stored about them (a report someone filed
// about them, someone's block of them) is not in it: that would expose
// the other person.
type UserExport struct {
	// User has AvatarURL filled: the picture itself, as stored.
	User User
	// Preferences is nil when the person never saved any.
	Preferences   *Preferences
	Names         []NameChange // earlier display names, newest first
	Sessions      []Session    // every focus session, newest first
	Participation []Participation
	RoomsCreated  []Room
	ReportsFiled  []Report
	Blocks        []Block // whom they block
	Bans          []UserBan
	RoomBans      []RoomBan
	// Audit lists the audit log's entries by or about them.
	Audit []AuditEntry
}

// NameChange is a display name a person gave up, and when.
type NameChange struct {
	DisplayName string
	ChangedAt   time.Time
}

// Participation is a person's row of a room: their latest stay there.
type Participation struct {
	RoomID   string
	Status   string
	JoinedAt time.Time
	LeftAt   *time.Time // nil while they are in the room
}

// RoomBan keeps a person out of one room until Until.
type RoomBan struct {
	RoomID string
	Until  time.Time
}

// ErasedDisplayName is the display name of the stand-in that takes an
// erased person's place in the reports and the audit log. The stand-in's
// id is a fresh random UUID, like any user's, that no token names.
const ErasedDisplayName = "Erased person"

// AuditUserErase is the audit action of an erasure: by the stand-in, on
// the stand-in, with no reason.
const AuditUserErase = "user.erase"

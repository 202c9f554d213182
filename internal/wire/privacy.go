package wire

import "github.com/bodydouble/bodydouble/internal/model"

// Export is GET /api/users/me/export: everything stored about the caller.
type Export struct {
	ExportedAt    Time                  `json:"exportedAt"`
	User          ExportUser            `json:"user"`
	Preferences   *Preferences          `json:"preferences"` // null: never saved
	NameHistory   []ExportName          `json:"nameHistory"`
	Sessions      []Session             `json:"sessions"`
	Participation []ExportParticipation `json:"participation"`
	RoomsCreated  []Room                `json:"roomsCreated"`
	ReportsFiled  []Report              `json:"reportsFiled"`
	Blocks        []Block               `json:"blocks"`
	Bans          []Ban                 `json:"bans"`
	RoomBans      []ExportRoomBan       `json:"roomBans"`
	AuditEntries  []AuditEntry          `json:"auditEntries"`
}

// ExportUser is the caller's user row, the avatar picture included.
type ExportUser struct {
	ID          string  `json:"id"`
	AnonymousID string  `json:"anonymousId"`
	DisplayName string  `json:"displayName"`
	Avatar      *string `json:"avatar"` // the stored data: URL, or null
	Role        string  `json:"role"`
	CreatedAt   Time    `json:"createdAt"`
	UpdatedAt   Time    `json:"updatedAt"`
}

// ExportName is a display name given up, and when.
type ExportName struct {
	DisplayName string `json:"displayName"`
	ChangedAt   Time   `json:"changedAt"`
}

// ExportParticipation is the caller's latest stay in one room.
type ExportParticipation struct {
	RoomID   string `json:"roomId"`
	Status   string `json:"status"`
	JoinedAt Time   `json:"joinedAt"`
	LeftAt   *Time  `json:"leftAt"`
}

// ExportRoomBan keeps the caller out of one room until a time.
type ExportRoomBan struct {
	RoomID string `json:"roomId"`
	Until  Time   `json:"until"`
}

// FromExport converts a model export.
func FromExport(x model.UserExport, at Time) Export {
	u := x.User
	out := Export{
		ExportedAt: at,
		User: ExportUser{ID: u.ID, AnonymousID: u.AnonymousID, DisplayName: u.DisplayName, Avatar: u.AvatarURL,
			Role: u.Role, CreatedAt: Time(u.CreatedAt), UpdatedAt: Time(u.UpdatedAt)},
		NameHistory:   make([]ExportName, 0, len(x.Names)),
		Sessions:      make([]Session, 0, len(x.Sessions)),
		Participation: make([]ExportParticipation, 0, len(x.Participation)),
		RoomsCreated:  make([]Room, 0, len(x.RoomsCreated)),
		ReportsFiled:  make([]Report, 0, len(x.ReportsFiled)),
		Blocks:        FromBlocks(x.Blocks).Blocks,
		Bans:          make([]Ban, 0, len(x.Bans)),
		RoomBans:      make([]ExportRoomBan, 0, len(x.RoomBans)),
		AuditEntries:  make([]AuditEntry, 0, len(x.Audit)),
	}
	if out.User.Role == "" {
		out.User.Role = model.RoleMember
	}
	if x.Preferences != nil {
		p := FromPreferences(*x.Preferences)
		out.Preferences = &p
	}
	for _, n := range x.Names {
		out.NameHistory = append(out.NameHistory, ExportName{DisplayName: n.DisplayName, ChangedAt: Time(n.ChangedAt)})
	}
	for _, s := range x.Sessions {
		out.Sessions = append(out.Sessions, FromSession(s))
	}
	for _, p := range x.Participation {
		out.Participation = append(out.Participation, ExportParticipation{RoomID: p.RoomID, Status: p.Status,
			JoinedAt: Time(p.JoinedAt), LeftAt: optTime(p.LeftAt)})
	}
	for _, r := range x.RoomsCreated {
		out.RoomsCreated = append(out.RoomsCreated, FromRoom(r))
	}
	for _, r := range x.ReportsFiled {
		out.ReportsFiled = append(out.ReportsFiled, FromReport(r))
	}
	for _, b := range x.Bans {
		out.Bans = append(out.Bans, FromBan(b))
	}
	for _, b := range x.RoomBans {
		out.RoomBans = append(out.RoomBans, ExportRoomBan{RoomID: b.RoomID, Until: Time(b.Until)})
	}
	for _, a := range x.Audit {
		out.AuditEntries = append(out.AuditEntries, FromAudit(a))
	}
	return out
}

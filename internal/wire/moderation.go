package wire

import "github.com/bodydouble/bodydouble/internal/model"

// BanInput is the body of POST /api/mod/bans. DurationHours absent: until lifted.
type BanInput struct {
	UserID        string `json:"userId"`
	Reason        string `json:"reason"`
	DurationHours *int   `json:"durationHours"`
}

// ReasonInput is the body of POST /api/mod/rooms/{id}/close.
type ReasonInput struct {
	Reason string `json:"reason"`
}

// RoleInput is the body of PUT /api/admin/users/{id}/role.
type RoleInput struct {
	Role string `json:"role"`
}

// Ban is a site-wide ban. Until is null for a ban until lifted.
type Ban struct {
	ID        string `json:"id"`
	UserID    string `json:"userId"`
	Reason    string `json:"reason"`
	Until     *Time  `json:"until"`
	CreatedAt Time   `json:"createdAt"`
}

// FromBan converts a model ban.
func FromBan(b model.UserBan) Ban {
	out := Ban{ID: b.ID, UserID: b.UserID, Reason: b.Reason, CreatedAt: Time(b.CreatedAt)}
	if b.Until != nil {
		u := Time(*b.Until)
		out.Until = &u
	}
	return out
}

// BanList answers GET /api/mod/bans.
type BanList struct {
	Bans []Ban `json:"bans"`
}

// AuditEntry is one line of the audit log.
type AuditEntry struct {
	ID         string `json:"id"`
	At         Time   `json:"at"`
	ActorID    string `json:"actorId"`
	Action     string `json:"action"`
	TargetType string `json:"targetType"`
	TargetID   string `json:"targetId"`
	Reason     string `json:"reason"`
}

// AuditPage answers GET /api/mod/audit.
type AuditPage struct {
	Entries    []AuditEntry `json:"entries"`
	NextCursor *string      `json:"nextCursor"`
}

// FromAudit converts a model audit entry.
func FromAudit(a model.AuditEntry) AuditEntry {
	return AuditEntry{ID: a.ID, At: Time(a.At), ActorID: a.ActorID, Action: a.Action,
		TargetType: a.TargetType, TargetID: a.TargetID, Reason: a.Reason}
}

// ResolveInput is the body of POST /api/mod/reports/{id}/resolve.
// DurationHours goes with ban only; absent: until lifted.
type ResolveInput struct {
	Action        string `json:"action"`
	Reason        string `json:"reason"`
	DurationHours *int   `json:"durationHours"`
}

// ReportedUser is the reported person as a moderator sees them.
type ReportedUser struct {
	ID          string   `json:"id"`
	DisplayName string   `json:"displayName"`
	RecentNames []string `json:"recentNames"`
}

// ReportRoom names the room a report is about.
type ReportRoom struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

// ModReport is a report as moderators see it: the report and its context.
// The reporter is not named.
type ModReport struct {
	Report
	ReportedUser *ReportedUser `json:"reportedUser"`
	OpenReports  int           `json:"openReports"`
	Room         *ReportRoom   `json:"room"`
}

// ModReportPage answers GET /api/mod/reports.
type ModReportPage struct {
	Reports    []ModReport `json:"reports"`
	NextCursor *string     `json:"nextCursor"`
}

package model

import "time"

// Roles. Everyone is a member; moderators and admins may moderate, and
// admins alone change roles.
const (
	RoleMember    = "member"
	RoleModerator = "moderator"
	RoleAdmin     = "admin"
)

// Roles lists every role.
var Roles = []string{RoleMember, RoleModerator, RoleAdmin}

// IsStaff reports whether role may moderate.
func IsStaff(role string) bool { return role == RoleModerator || role == RoleAdmin }

// UserBan keeps a person off the whole site until Until (nil: until lifted).
type UserBan struct {
	ID        string
	UserID    string
	Reason    string
	Until     *time.Time
	CreatedBy string
	CreatedAt time.Time
}

// Holds reports whether the ban is in force at now.
func (b UserBan) Holds(now time.Time) bool { return b.Until == nil || now.Before(*b.Until) }

// AuditEntry is one line of the audit log: who (ActorID, "cli" for the
// command line) did what (Action) to what (TargetType, TargetID), why, when.
// ID is assigned by the store, increasing.
type AuditEntry struct {
	ID         string
	At         time.Time
	ActorID    string
	Action     string
	TargetType string
	TargetID   string
	Reason     string
}

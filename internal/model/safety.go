package model

import "time"

// Block is one person (BlockerID) keeping another (BlockedID) away: the
// server relays no signalling between them, quick-join never seats them
// together, and the blocker sees the other marked blocked.
type Block struct {
	BlockerID string
	BlockedID string
	// DisplayName is the blocked person's current display name.
	DisplayName string
	CreatedAt   time.Time
}

// ReportReasons are the reasons a report may give.
var ReportReasons = []string{"harassment", "sexual", "hate", "spam", "self-harm", "impersonation", "other"}

// Report statuses.
const (
	ReportOpen     = "open"
	ReportResolved = "resolved"
)

// Report is one person's report about another, for moderators.
type Report struct {
	ID             string
	ReporterID     string
	ReportedUserID string
	RoomID         *string
	Reason         string
	Note           string
	Status         string
	CreatedAt      time.Time
	ResolvedAt     *time.Time
	ResolvedBy     string
	Resolution     string
}

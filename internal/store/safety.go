package store

import (
	"context"
	"time"

	"github.com/bodydouble/bodydouble/internal/model"
)

// SafetyStore keeps blocks and reports; Store embeds it.
type SafetyStore interface {
	// Block records that blockerID blocks blockedID at at; blocking again
	// changes nothing. model.ErrNotFound when blockedID is no user.
	Block(ctx context.Context, blockerID, blockedID string, at time.Time) error
	// Unblock removes the block, if there is one.
	Unblock(ctx context.Context, blockerID, blockedID string) error
	// Blocks lists whom blockerID blocks, newest first, with their
	// current display names.
	Blocks(ctx context.Context, blockerID string) ([]model.Block, error)
	// BlockedEither reports whether a blocks b or b blocks a.
	BlockedEither(ctx context.Context, a, b string) (bool, error)
	// Blockers lists the users who block userID.
	Blockers(ctx context.Context, userID string) ([]string, error)

	// SharedRoomSince reports whether a and b are in one room now, or were
	// both in one at some time at or after since (not necessarily at the
	// same moment: a room keeps one row per person, which a rejoin
	// overwrites), judged from the participants' rows.
	SharedRoomSince(ctx context.Context, a, b string, since time.Time) (bool, error)
	// CreateReport stores r (the store fills ID if empty) and, in the same
	// transaction, the reporter's block of the reported person, unless the
	// reporter has an open report about the same person at or after since:
	// then it returns that one and created false.
	CreateReport(ctx context.Context, r model.Report, since time.Time) (rep model.Report, created bool, err error)
	// CountReportsSince counts reporterID's reports at or after since.
	CountReportsSince(ctx context.Context, reporterID string, since time.Time) (int, error)
	// ListReports returns up to limit reports of status ("" for any),
	// newest first, after cursor (the previous page's last id, "" for the
	// first page).
	ListReports(ctx context.Context, status, cursor string, limit int) ([]model.Report, error)
	// GetReport returns one report; model.ErrNotFound for none.
	GetReport(ctx context.Context, id string) (model.Report, error)
	// CountOpenReports counts the open reports about reportedUserID.
	CountOpenReports(ctx context.Context, reportedUserID string) (int, error)
	// RecentNames lists userID's earlier display names, newest first: the
	// latest few that UpdateUser replaced.
	RecentNames(ctx context.Context, userID string) ([]string, error)
	// ResolveReport marks an open report resolved by resolvedBy with
	// resolution at at and returns it; model.ErrNotFound for none, and
	// model.ErrConflict when it is resolved already.
	ResolveReport(ctx context.Context, id, resolvedBy, resolution string, at time.Time) (model.Report, error)
}

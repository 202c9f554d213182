package store

import (
	"context"
	"time"

	"github.com/bodydouble/bodydouble/internal/model"
)

// PrivacyStore exports and erases a person; Store embeds it.
type PrivacyStore interface {
	// ExportUser returns everything stored about userID, read in one
	// transaction; model.ErrNotFound when there is no such user.
	ExportUser(ctx context.Context, userID string) (model.UserExport, error)
	// EraseUser removes userID and everything that is only theirs, in one
	// transaction: their user row (name, avatar), name history,
	// preferences, focus sessions, room rows, seat holds, blocks both ways,
	// bans and room bans. What must stay for others keeps no trace of them:
	// a stand-in user replacementID (display name model.ErasedDisplayName,
	// no avatar) takes their place in reports by or about them, the audit
	// log, the bans they made as staff, the rooms they created and the
	// timers they started. An audit entry "user.erase" by the stand-in
	// records the erasure, with no text of theirs. model.ErrNotFound when
	// there is no such user.
	EraseUser(ctx context.Context, userID, replacementID string, now time.Time) error
}

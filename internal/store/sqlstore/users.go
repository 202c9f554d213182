package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"

	"github.com/bodydouble/bodydouble/internal/store"
)

const userCols = "id, anonymous_id, display_name, avatar_url, created_at, updated_at"

// CreateUser inserts u. Empty ID or AnonymousID get a random UUID, a zero
// CreatedAt the current time, a zero UpdatedAt CreatedAt. An id or
// anonymous id already taken gives ErrConflict.
func (s *Store) CreateUser(ctx context.Context, u store.User) error {
	if u.ID == "" {
		u.ID = uuid.NewString()
	}
	if u.AnonymousID == "" {
		u.AnonymousID = uuid.NewString()
	}
	if u.CreatedAt.IsZero() {
		u.CreatedAt = time.Now()
	}
	if u.UpdatedAt.IsZero() {
		u.UpdatedAt = u.CreatedAt
	}
	_, err := s.w.ExecContext(ctx, s.q("INSERT INTO users ("+userCols+") VALUES (?, ?, ?, ?, ?, ?)"),
		u.ID, u.AnonymousID, u.DisplayName, strPtrArg(u.AvatarURL), s.ts(u.CreatedAt), s.ts(u.UpdatedAt))
	if isUniqueViolation(err) {
		return fmt.Errorf("sqlstore: create user: %w: %w", store.ErrConflict, err)
	}
	if err != nil {
		return fmt.Errorf("sqlstore: create user: %w", err)
	}
	return nil
}

// GetUser returns the user with id, or ErrNotFound.
func (s *Store) GetUser(ctx context.Context, id string) (store.User, error) {
	u, err := scanUser(s.r.QueryRowContext(ctx, s.q("SELECT "+userCols+" FROM users WHERE id = ?"), id))
	if err != nil {
		return store.User{}, fmt.Errorf("sqlstore: get user %q: %w", id, err)
	}
	return u, nil
}

// UpdateUser applies upd to the user with id and sets updated_at to now.
func (s *Store) UpdateUser(ctx context.Context, id string, upd store.UserUpdate, now time.Time) (store.User, error) {
	// COALESCE keeps a column whose new value is NULL (not given); ClearAvatar
	// wins over AvatarURL.
	u, err := scanUser(s.w.QueryRowContext(ctx, s.q(`UPDATE users SET
			display_name = COALESCE(?, display_name),
			avatar_url = CASE WHEN ? THEN NULL ELSE COALESCE(?, avatar_url) END,
			updated_at = ?
		WHERE id = ? RETURNING `+userCols),
		strPtrArg(upd.DisplayName), upd.ClearAvatar, strPtrArg(upd.AvatarURL), s.ts(now), id))
	if err != nil {
		return store.User{}, fmt.Errorf("sqlstore: update user %q: %w", id, err)
	}
	return u, nil
}

// scanUser scans one user row; no row gives ErrNotFound.
func scanUser(row *sql.Row) (store.User, error) {
	var u store.User
	var avatar sql.NullString
	err := row.Scan(&u.ID, &u.AnonymousID, &u.DisplayName, &avatar, timeCol{&u.CreatedAt}, timeCol{&u.UpdatedAt})
	if errors.Is(err, sql.ErrNoRows) {
		return store.User{}, store.ErrNotFound
	}
	if err != nil {
		return store.User{}, err
	}
	u.AvatarURL = nullStr(avatar)
	return u, nil
}

// lockUser checks that the user exists and, on PostgreSQL, locks their row
// for the rest of the transaction. Every transaction that changes a user's
// room membership or sessions takes this lock first, which serialises them
// per user and fixes the lock order: user, then rooms by id.
func (s *Store) lockUser(ctx context.Context, tx *sql.Tx, userID string) error {
	var id string
	err := tx.QueryRowContext(ctx, s.q("SELECT id FROM users WHERE id = ?"+s.forUpdate()), userID).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("user %q: %w", userID, store.ErrNotFound)
	}
	return err
}

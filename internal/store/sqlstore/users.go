package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"

	"github.com/bodydouble/bodydouble/internal/model"
)

// userCols are the columns every user read selects: the avatar's version,
// never the avatar itself (up to 32 KB), which only UserAvatar reads.
const userCols = "id, anonymous_id, display_name, avatar_version, created_at, updated_at, role"

// avatarVersionArg is the avatar_version to store beside avatar, NULL for none.
func avatarVersionArg(avatar *string) any {
	if avatar == nil {
		return nil
	}
	return model.AvatarVersion(*avatar)
}

// CreateUser inserts u. Empty ID or AnonymousID get a random UUID, a zero
// CreatedAt the current time, a zero UpdatedAt CreatedAt. An id or
// anonymous id already taken gives ErrConflict.
func (s *Store) CreateUser(ctx context.Context, u model.User) error {
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
	_, err := s.w.ExecContext(ctx, s.q(`INSERT INTO users
			(id, anonymous_id, display_name, avatar_url, avatar_version, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?)`),
		u.ID, u.AnonymousID, u.DisplayName, strPtrArg(u.AvatarURL), avatarVersionArg(u.AvatarURL),
		s.ts(u.CreatedAt), s.ts(u.UpdatedAt))
	if isUniqueViolation(err) {
		return fmt.Errorf("sqlstore: create user: %w: %w", model.ErrConflict, err)
	}
	if err != nil {
		return fmt.Errorf("sqlstore: create user: %w", err)
	}
	return nil
}

// GetUser returns the user with id (AvatarVersion, not AvatarURL), or ErrNotFound.
func (s *Store) GetUser(ctx context.Context, id string) (model.User, error) {
	u, err := scanUser(s.r.QueryRowContext(ctx, s.q("SELECT "+userCols+" FROM users WHERE id = ?"), id))
	if err != nil {
		return model.User{}, fmt.Errorf("sqlstore: get user %q: %w", id, err)
	}
	return u, nil
}

// UpdateUser applies upd to the user with id and sets updated_at to now.
// The avatar and its version change in the same statement, so no reader
// ever sees one without the other.
func (s *Store) UpdateUser(ctx context.Context, id string, upd model.UserUpdate, now time.Time) (model.User, error) {
	if upd.DisplayName != nil {
		return s.rename(ctx, id, upd, now) // keeps the name given up (names.go)
	}
	return s.updateUser(ctx, s.w, id, upd, now)
}

// updateUser is UpdateUser's statement, run on q.
func (s *Store) updateUser(ctx context.Context, q querier, id string, upd model.UserUpdate, now time.Time) (model.User, error) {
	// COALESCE keeps a column whose new value is NULL (not given); ClearAvatar
	// wins over AvatarURL.
	u, err := scanUser(q.QueryRowContext(ctx, s.q(`UPDATE users SET
			display_name = COALESCE(?, display_name),
			avatar_url = CASE WHEN ? THEN NULL ELSE COALESCE(?, avatar_url) END,
			avatar_version = CASE WHEN ? THEN NULL ELSE COALESCE(?, avatar_version) END,
			updated_at = ?
		WHERE id = ? RETURNING `+userCols),
		strPtrArg(upd.DisplayName), upd.ClearAvatar, strPtrArg(upd.AvatarURL),
		upd.ClearAvatar, avatarVersionArg(upd.AvatarURL), s.ts(now), id))
	if err != nil {
		return model.User{}, fmt.Errorf("sqlstore: update user %q: %w", id, err)
	}
	return u, nil
}

// UserAvatar returns the stored avatar of the user with id; ErrNotFound
// when there is no such user or they have no avatar.
func (s *Store) UserAvatar(ctx context.Context, id string) (string, error) {
	var avatar sql.NullString
	err := s.r.QueryRowContext(ctx, s.q("SELECT avatar_url FROM users WHERE id = ?"), id).Scan(&avatar)
	if err == nil && !avatar.Valid {
		err = sql.ErrNoRows
	}
	if errors.Is(err, sql.ErrNoRows) {
		err = model.ErrNotFound
	}
	if err != nil {
		return "", fmt.Errorf("sqlstore: user avatar %q: %w", id, err)
	}
	return avatar.String, nil
}

// scanUser scans one row of userCols; no row gives ErrNotFound.
func scanUser(row *sql.Row) (model.User, error) {
	var u model.User
	var version sql.NullString
	err := row.Scan(&u.ID, &u.AnonymousID, &u.DisplayName, &version, timeCol{&u.CreatedAt}, timeCol{&u.UpdatedAt}, &u.Role)
	if errors.Is(err, sql.ErrNoRows) {
		return model.User{}, model.ErrNotFound
	}
	if err != nil {
		return model.User{}, err
	}
	u.AvatarVersion = nullStr(version)
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
		return fmt.Errorf("user %q: %w", userID, model.ErrNotFound)
	}
	return err
}

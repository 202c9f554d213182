package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/bodydouble/bodydouble/internal/model"
)

// keptNames is how many earlier display names a person's history keeps:
// enough to recognise someone who renamed themselves to dodge reports,
// no more.
const keptNames = 5

// rename is UpdateUser with a new display name: in one transaction, the
// name given up (if it changes) joins the person's history, which keeps
// the latest keptNames.
func (s *Store) rename(ctx context.Context, id string, upd model.UserUpdate, now time.Time) (model.User, error) {
	var u model.User
	err := s.withTx(ctx, func(tx *sql.Tx) error {
		var old string
		err := tx.QueryRowContext(ctx, s.q("SELECT display_name FROM users WHERE id = ?"+s.forUpdate()), id).Scan(&old)
		if errors.Is(err, sql.ErrNoRows) {
			return model.ErrNotFound
		}
		if err != nil {
			return err
		}
		if u, err = s.updateUser(ctx, tx, id, upd, now); err != nil {
			return err
		}
		if old == u.DisplayName {
			return nil
		}
		if _, err := tx.ExecContext(ctx, s.q("INSERT INTO user_names (user_id, display_name, changed_at) VALUES (?, ?, ?)"),
			id, old, s.ts(now)); err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, s.q(`DELETE FROM user_names WHERE user_id = ? AND seq NOT IN
			(SELECT seq FROM user_names WHERE user_id = ? ORDER BY seq DESC LIMIT ?)`), id, id, keptNames)
		return err
	})
	if err != nil {
		return model.User{}, fmt.Errorf("sqlstore: rename user %q: %w", id, err)
	}
	return u, nil
}

// RecentNames implements store.Store.
func (s *Store) RecentNames(ctx context.Context, userID string) ([]string, error) {
	rows, err := s.r.QueryContext(ctx, s.q("SELECT display_name FROM user_names WHERE user_id = ? ORDER BY seq DESC LIMIT ?"), userID, keptNames)
	if err != nil {
		return nil, fmt.Errorf("sqlstore: recent names: %w", err)
	}
	defer rows.Close()
	names := []string{}
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			return nil, fmt.Errorf("sqlstore: recent names: %w", err)
		}
		names = append(names, n)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlstore: recent names: %w", err)
	}
	return names, nil
}

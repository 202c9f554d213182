package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/bodydouble/bodydouble/internal/model"
)

// GetPreferences returns the user's preferences, DefaultPreferences if they
// never saved any, or ErrNotFound for an unknown user.
func (s *Store) GetPreferences(ctx context.Context, userID string) (model.Preferences, error) {
	p := model.DefaultPreferences()
	var workStyle sql.NullString
	// The LEFT JOIN tells an unknown user (no row) from one without preferences (NULLs).
	err := s.r.QueryRowContext(ctx, s.q(`SELECT p.work_style, p.preferred_room_categories,
			p.notification_settings, p.accessibility_settings
		FROM users u LEFT JOIN user_preferences p ON p.user_id = u.id WHERE u.id = ?`), userID).
		Scan(&workStyle, jsonCol{&p.PreferredRoomCategories}, jsonCol{&p.Notifications}, jsonCol{&p.Accessibility})
	if errors.Is(err, sql.ErrNoRows) {
		err = model.ErrNotFound
	}
	if err != nil {
		return model.Preferences{}, fmt.Errorf("sqlstore: get preferences %q: %w", userID, err)
	}
	if workStyle.Valid {
		p.WorkStyle = workStyle.String
	}
	p.PreferredRoomCategories = strList(p.PreferredRoomCategories)
	return p, nil
}

// PutPreferences stores the user's preferences whole, replacing any saved
// before. An unknown user gives ErrNotFound.
func (s *Store) PutPreferences(ctx context.Context, userID string, p model.Preferences, now time.Time) error {
	cats, err := jsonArg(strList(p.PreferredRoomCategories))
	if err != nil {
		return fmt.Errorf("sqlstore: put preferences: %w", err)
	}
	notif, err := jsonArg(p.Notifications)
	if err != nil {
		return fmt.Errorf("sqlstore: put preferences: %w", err)
	}
	access, err := jsonArg(p.Accessibility)
	if err != nil {
		return fmt.Errorf("sqlstore: put preferences: %w", err)
	}
	_, err = s.w.ExecContext(ctx, s.q(`INSERT INTO user_preferences (user_id, work_style,
			preferred_room_categories, notification_settings, accessibility_settings, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (user_id) DO UPDATE SET
			work_style = excluded.work_style,
			preferred_room_categories = excluded.preferred_room_categories,
			notification_settings = excluded.notification_settings,
			accessibility_settings = excluded.accessibility_settings,
			updated_at = excluded.updated_at`),
		userID, p.WorkStyle, cats, notif, access, s.ts(now), s.ts(now))
	if isForeignKeyViolation(err) {
		return fmt.Errorf("sqlstore: put preferences %q: %w: %w", userID, model.ErrNotFound, err)
	}
	if err != nil {
		return fmt.Errorf("sqlstore: put preferences %q: %w", userID, err)
	}
	return nil
}

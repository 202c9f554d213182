package sqlstore

import (
	"context"
	"fmt"
	"time"
)

// CloseEmptyRooms makes inactive, in one statement, the open rooms a
// person made (created_by set; starter rooms have none) that nobody has
// been in since emptySince: created at or before it, with no active
// participant and no participation that ended after it. It returns their
// ids. The candidates come from the partial index rooms_open_user_made;
// each one's participations from the primary key (room_id, user_id).
//
// Several processes may run it at once: a room another one closed first
// is no longer active and is not returned again. Nothing is audited: no
// one acted.
func (s *Store) CloseEmptyRooms(ctx context.Context, emptySince, now time.Time) ([]string, error) {
	rows, err := s.w.QueryContext(ctx, s.q(`UPDATE rooms SET is_active = ?, updated_at = ?
		WHERE is_active AND created_by IS NOT NULL AND created_at <= ?
		AND NOT EXISTS (SELECT 1 FROM room_participants p
			WHERE p.room_id = rooms.id AND (p.left_at IS NULL OR p.left_at > ?))
		RETURNING id`), false, s.ts(now), s.ts(emptySince), s.ts(emptySince))
	if err != nil {
		return nil, fmt.Errorf("sqlstore: close empty rooms: %w", err)
	}
	defer rows.Close()
	ids := []string{}
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, fmt.Errorf("sqlstore: close empty rooms: %w", err)
		}
		ids = append(ids, id)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlstore: close empty rooms: %w", err)
	}
	return ids, nil
}

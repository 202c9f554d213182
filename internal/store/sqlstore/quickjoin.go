package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/bodydouble/bodydouble/internal/model"
)

// quickJoinPicks bounds how often QuickJoin picks again after a plain
// JoinRoom took the seat it chose (PostgreSQL only; JoinRoom does not take
// the quick-join lock).
const quickJoinPicks = 5

// QuickJoin picks and joins a room for userID; see store.Store.
//
// On PostgreSQL every QuickJoin takes one transaction-level advisory lock
// first, so quick joins run one after another and each sees where the
// previous ones went: concurrent callers cluster instead of spreading over
// empty rooms. On SQLite the single immediate writer does the same.
//
// The fallback room gets the defaults of CreateRoom and is always active.
func (s *Store) QuickJoin(ctx context.Context, userID string, preferred []string, fallback model.Room, now, holdUntil, leftSince time.Time) (model.JoinResult, error) {
	fallback = roomDefaults(fallback, now)
	fallback.IsActive = true
	var res model.JoinResult
	err := s.withTx(ctx, func(tx *sql.Tx) error {
		if err := s.advisoryXactLock(ctx, tx, lockQuickJoin); err != nil {
			return err
		}
		if err := s.lockUser(ctx, tx, userID); err != nil {
			return err
		}
		cur, err := s.currentRoomTx(ctx, tx, userID)
		if err != nil {
			return err
		}
		for pick := 1; ; pick++ {
			roomID, err := s.pickRoom(ctx, tx, userID, cur, preferred, now, leftSince)
			if err != nil {
				return err
			}
			if roomID == "" {
				if err := s.insertRoom(ctx, tx, fallback, false); err != nil {
					return err
				}
				roomID = fallback.ID
			}
			res, err = s.joinTx(ctx, tx, roomID, userID, cur, now, holdUntil)
			if errors.Is(err, model.ErrRoomFull) && pick < quickJoinPicks {
				continue
			}
			return err
		}
	})
	if err != nil {
		return model.JoinResult{}, fmt.Errorf("sqlstore: quick join: %w", err)
	}
	return res, nil
}

// pickRoom returns the best active, listed room for a user currently in cur
// ("" for none), or "" when every such room is full. Ranking, best first:
//  0. not the room the user just left: the room of their latest leave, if
//     that was at or after leftSince, comes last, so that someone who walks
//     out of the busiest room and asks for another is not sent straight
//     back (they go back only when it is the one room with a seat);
//  1. occupied by others and of a preferred category;
//  2. most other participants (the user's own seat is not counted, so
//     someone alone moves to a room with company);
//  3. the user's current room (no pointless move on a tie);
//  4. oldest, then lowest id.
//
// The current room is a candidate even when full (the user holds a seat
// there), unless it is unlisted. A room where someone the user blocked, or
// who blocked them, is seated is never a candidate, the current one
// included: quick-join never seats a blocked pair together (quick joins
// run one at a time, see QuickJoin, so two of them cannot cross).
// It is never the room just left: rejoining clears left_at.
func (s *Store) pickRoom(ctx context.Context, tx *sql.Tx, userID, cur string, preferred []string, now, leftSince time.Time) (string, error) {
	order := ""
	args := []any{cur, userID, userID, s.ts(now), userID, userID, s.ts(leftSince)}
	if len(preferred) > 0 {
		order = "CASE WHEN c.n - c.mine > 0 AND c.category IN (" + placeholders(len(preferred)) + ") THEN 1 ELSE 0 END DESC, "
		for _, p := range preferred {
			args = append(args, p)
		}
	}
	// left_at is the user's row in each room, found by primary key, and
	// last_left the latest of them over every active room (full and banned
	// ones too, filtered only after): no scan of the user's whole history.
	// Unlisted rooms count for last_left but are never picked: only their
	// link leads into them (someone in one moves to a listed room).
	// Rooms never close once open, so that is the user's latest leave.
	query := `SELECT c.id FROM (
			SELECT c0.*, MAX(c0.left_at) OVER () AS last_left FROM (
				SELECT r.id, r.category, r.max_capacity, r.created_at,
					(SELECT COUNT(*) FROM room_participants p WHERE p.room_id = r.id AND p.left_at IS NULL) AS n,
					CASE WHEN r.id = ? THEN 1 ELSE 0 END AS mine,
					(SELECT p.left_at FROM room_participants p WHERE p.room_id = r.id AND p.user_id = ?) AS left_at,
					EXISTS (SELECT 1 FROM room_bans b WHERE b.room_id = r.id AND b.user_id = ? AND b.until > ?) AS banned,
					EXISTS (SELECT 1 FROM room_participants p WHERE p.room_id = r.id AND p.left_at IS NULL AND p.user_id IN (
						SELECT k.blocked_id FROM blocks k WHERE k.blocker_id = ?
						UNION SELECT k.blocker_id FROM blocks k WHERE k.blocked_id = ?)) AS apart,
					r.unlisted
				FROM rooms r WHERE r.is_active = TRUE
			) c0
		) c
		WHERE NOT c.banned AND NOT c.apart AND NOT c.unlisted AND (c.n < c.max_capacity OR c.mine = 1)
		ORDER BY CASE WHEN c.left_at = c.last_left AND c.left_at >= ? THEN 1 ELSE 0 END,
			` + order + `c.n - c.mine DESC, c.mine DESC, c.created_at, c.id
		LIMIT 1`
	var id string
	err := tx.QueryRowContext(ctx, s.q(query), args...).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	return id, err
}

package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/bodydouble/bodydouble/internal/model"
)

// JoinRoom makes userID an active participant of roomID; see store.Store.
//
// On PostgreSQL the transaction locks the user's row, then the rooms it
// touches in id order, before counting seats: concurrent joins of one room
// queue on its row, so the count each sees is exact. On SQLite the single
// immediate writer serialises all of it.
func (s *Store) JoinRoom(ctx context.Context, roomID, userID string, now, holdUntil time.Time) (model.JoinResult, error) {
	var res model.JoinResult
	err := s.withTx(ctx, func(tx *sql.Tx) error {
		if err := s.lockUser(ctx, tx, userID); err != nil {
			return err
		}
		cur, err := s.currentRoomTx(ctx, tx, userID)
		if err != nil {
			return err
		}
		res, err = s.joinTx(ctx, tx, roomID, userID, cur, now, holdUntil)
		return err
	})
	if err != nil {
		return model.JoinResult{}, fmt.Errorf("sqlstore: join room: %w", err)
	}
	return res, nil
}

// joinTx joins roomID for userID, whose row the caller has locked and whose
// current room (or "") is cur.
func (s *Store) joinTx(ctx context.Context, tx *sql.Tx, roomID, userID, cur string, now, holdUntil time.Time) (model.JoinResult, error) {
	if cur == roomID {
		if err := s.extendHold(ctx, tx, roomID, userID, holdUntil); err != nil {
			return model.JoinResult{}, err
		}
		room, err := s.getRoom(ctx, tx, roomID)
		return model.JoinResult{Room: room, AlreadyIn: true}, err
	}
	if err := s.lockRooms(ctx, tx, roomID, cur); err != nil {
		return model.JoinResult{}, err
	}
	room, err := s.getRoom(ctx, tx, roomID)
	if err != nil {
		return model.JoinResult{}, err
	}
	if !room.IsActive {
		return model.JoinResult{}, fmt.Errorf("room %q: %w", roomID, model.ErrRoomInactive)
	}
	var banned int
	if err := tx.QueryRowContext(ctx, s.q(`SELECT COUNT(*) FROM room_bans WHERE room_id = ? AND user_id = ? AND until > ?`),
		roomID, userID, s.ts(now)).Scan(&banned); err != nil {
		return model.JoinResult{}, err
	}
	if banned > 0 {
		return model.JoinResult{}, fmt.Errorf("room %q: %w", roomID, model.ErrBanned)
	}
	if room.CurrentCapacity >= room.MaxCapacity {
		return model.JoinResult{}, fmt.Errorf("room %q: %w", roomID, model.ErrRoomFull)
	}
	var res model.JoinResult
	if cur != "" {
		left, err := s.leaveTx(ctx, tx, cur, userID, now, false)
		if err != nil {
			return model.JoinResult{}, err
		}
		res.Left = &left
	}
	if holdUntil, err = s.seatUntil(ctx, tx, userID, now, holdUntil); err != nil {
		return model.JoinResult{}, err
	}
	// The (room, user) row is reused on a rejoin: status, joined_at and media start over.
	if _, err := tx.ExecContext(ctx, s.q(`INSERT INTO room_participants
			(room_id, user_id, status, joined_at, left_at, seen_until)
		VALUES (?, ?, 'working', ?, NULL, ?)
		ON CONFLICT (room_id, user_id) DO UPDATE SET
			status = 'working', joined_at = excluded.joined_at, left_at = NULL, seen_until = excluded.seen_until,
			media_camera = FALSE, media_mic = FALSE, media_watching = FALSE, media_conn = ''`),
		roomID, userID, s.ts(now), s.ts(holdUntil)); err != nil {
		return model.JoinResult{}, err
	}
	room.CurrentCapacity++
	res.Room = room
	return res, nil
}

// extendHold moves an active participation's seen_until forward to until,
// never backward.
func (s *Store) extendHold(ctx context.Context, db querier, roomID, userID string, until time.Time) error {
	_, err := db.ExecContext(ctx, s.q(`UPDATE room_participants SET seen_until = ?
		WHERE room_id = ? AND user_id = ? AND left_at IS NULL AND seen_until < ?`),
		s.ts(until), roomID, userID, s.ts(until))
	return err
}

// LeaveRoom ends userID's participation in roomID and their open session
// there. Unknown room or user gives ErrNotFound.
func (s *Store) LeaveRoom(ctx context.Context, roomID, userID string, now time.Time) (model.LeaveResult, error) {
	res, err := s.leave(ctx, roomID, userID, now, false)
	if err != nil {
		return model.LeaveResult{}, fmt.Errorf("sqlstore: leave room: %w", err)
	}
	return res, nil
}

// ExpireParticipant leaves roomID for userID only if the participation is
// still active with seen_until before now. The conditional UPDATE decides:
// among racing callers exactly one changes the row and sees WasIn.
func (s *Store) ExpireParticipant(ctx context.Context, roomID, userID string, now time.Time) (model.LeaveResult, error) {
	res, err := s.leave(ctx, roomID, userID, now, true)
	if err != nil {
		return model.LeaveResult{}, fmt.Errorf("sqlstore: expire participant: %w", err)
	}
	return res, nil
}

func (s *Store) leave(ctx context.Context, roomID, userID string, now time.Time, expiredOnly bool) (model.LeaveResult, error) {
	var res model.LeaveResult
	err := s.withTx(ctx, func(tx *sql.Tx) error {
		if err := s.lockUser(ctx, tx, userID); err != nil {
			return err
		}
		if err := s.lockRooms(ctx, tx, roomID); err != nil {
			return err
		}
		var err error
		res, err = s.leaveTx(ctx, tx, roomID, userID, now, expiredOnly)
		return err
	})
	return res, err
}

// leaveTx sets left_at on an active participation (only one whose hold ran
// out before now, if expiredOnly) and ends the open session in that room.
func (s *Store) leaveTx(ctx context.Context, tx *sql.Tx, roomID, userID string, now time.Time, expiredOnly bool) (model.LeaveResult, error) {
	query := "UPDATE room_participants SET left_at = ? WHERE room_id = ? AND user_id = ? AND left_at IS NULL"
	args := []any{s.ts(now), roomID, userID}
	if expiredOnly {
		query += " AND seen_until < ? AND NOT " + liveHold("room_participants.user_id")
		args = append(args, s.ts(now), s.ts(now))
	}
	r, err := tx.ExecContext(ctx, s.q(query), args...)
	if err != nil {
		return model.LeaveResult{}, err
	}
	n, err := r.RowsAffected()
	if err != nil {
		return model.LeaveResult{}, err
	}
	var res model.LeaveResult
	if n > 0 {
		res.WasIn = true
		if res.EndedSession, err = s.endOpenSession(ctx, tx, roomID, userID, now); err != nil {
			return model.LeaveResult{}, err
		}
	}
	res.Room, err = s.getRoom(ctx, tx, roomID)
	return res, err
}

// CurrentRoom returns the id of the room userID is active in, or ErrNotFound.
func (s *Store) CurrentRoom(ctx context.Context, userID string) (string, error) {
	id, err := s.currentRoomTx(ctx, s.r, userID)
	if err == nil && id == "" {
		err = fmt.Errorf("user %q is in no room: %w", userID, model.ErrNotFound)
	}
	if err != nil {
		return "", fmt.Errorf("sqlstore: current room: %w", err)
	}
	return id, nil
}

// currentRoomTx returns the user's active room id, or "" if none.
func (s *Store) currentRoomTx(ctx context.Context, db querier, userID string) (string, error) {
	var id string
	err := db.QueryRowContext(ctx, s.q("SELECT room_id FROM room_participants WHERE user_id = ? AND left_at IS NULL"),
		userID).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	return id, err
}

// participantSelect reads a participant with their avatar's version, never
// the avatar (up to 32 KB each): a room snapshot costs a few bytes a person.
const participantSelect = `SELECT p.room_id, p.user_id, u.display_name, u.avatar_version, p.status, p.joined_at,
		p.media_camera, p.media_mic, p.media_watching
	FROM room_participants p JOIN users u ON u.id = p.user_id
	WHERE p.left_at IS NULL`

// Participants lists the active participants of a room, oldest join first.
// An unknown room gives ErrNotFound.
func (s *Store) Participants(ctx context.Context, roomID string) ([]model.Participant, error) {
	ps, err := s.participants(ctx, participantSelect+" AND p.room_id = ? ORDER BY p.joined_at, p.user_id", roomID)
	if err == nil && len(ps) == 0 {
		// Only an empty result needs telling an empty room from no room.
		_, err = s.getRoom(ctx, s.r, roomID)
	}
	if err != nil {
		return nil, fmt.Errorf("sqlstore: participants: %w", err)
	}
	return ps, nil
}

// AllParticipants lists every active participant of every room, by room,
// then oldest join first.
func (s *Store) AllParticipants(ctx context.Context) ([]model.Participant, error) {
	ps, err := s.participants(ctx, participantSelect+" ORDER BY p.room_id, p.joined_at, p.user_id")
	if err != nil {
		return nil, fmt.Errorf("sqlstore: all participants: %w", err)
	}
	return ps, nil
}

// ExpiredParticipants lists active participants whose seen_until is before
// now. Held seats are at heldUntil, so the index skips them; the liveHold
// check only guards the rule.
func (s *Store) ExpiredParticipants(ctx context.Context, now time.Time) ([]model.Participant, error) {
	ps, err := s.participants(ctx, participantSelect+" AND p.seen_until < ? AND NOT "+liveHold("p.user_id")+
		" ORDER BY p.seen_until, p.room_id, p.user_id", s.ts(now), s.ts(now))
	if err != nil {
		return nil, fmt.Errorf("sqlstore: expired participants: %w", err)
	}
	return ps, nil
}

func (s *Store) participants(ctx context.Context, query string, args ...any) ([]model.Participant, error) {
	return queryAll(ctx, s.r, s.q(query), args, scanParticipant)
}

// scanParticipant scans one participant selected with participantSelect.
func scanParticipant(sc rowScanner) (model.Participant, error) {
	var p model.Participant
	var version sql.NullString
	if err := sc.Scan(&p.RoomID, &p.UserID, &p.DisplayName, &version, &p.Status, timeCol{&p.JoinedAt},
		&p.Media.Camera, &p.Media.Mic, &p.Media.Watching); err != nil {
		return model.Participant{}, err
	}
	p.AvatarVersion = nullStr(version)
	return p, nil
}

// touchBatch bounds the ids bound in one statement (SQLite and PostgreSQL
// both limit the number of parameters).
const touchBatch = 500

// TouchParticipants extends seen_until to until for the active
// participations of userIDs, never shortening it.
func (s *Store) TouchParticipants(ctx context.Context, userIDs []string, until time.Time) error {
	// Sorted ids make concurrent touches lock rows in the same order.
	userIDs = slices.Sorted(slices.Values(userIDs))
	for len(userIDs) > 0 {
		batch := userIDs[:min(len(userIDs), touchBatch)]
		userIDs = userIDs[len(batch):]
		args := []any{s.ts(until), s.ts(until)}
		for _, id := range batch {
			args = append(args, id)
		}
		// withTx retries the rare deadlock with another instance touching an
		// overlapping set of rows (PostgreSQL).
		err := s.withTx(ctx, func(tx *sql.Tx) error {
			_, err := tx.ExecContext(ctx, s.q(`UPDATE room_participants SET seen_until = ?
				WHERE left_at IS NULL AND seen_until < ? AND user_id IN (`+placeholders(len(batch))+")"),
				args...)
			return err
		})
		if err != nil {
			return fmt.Errorf("sqlstore: touch participants: %w", err)
		}
	}
	return nil
}

// statusChunk bounds the rows of one batched status UPDATE (3 parameters
// each, well under both databases' parameter limits).
const statusChunk = 500

// SetStatuses implements store.Store: one transaction, one statement per
// chunk of updates.
func (s *Store) SetStatuses(ctx context.Context, updates []model.StatusUpdate) error {
	if len(updates) == 0 {
		return nil
	}
	err := s.withTx(ctx, func(tx *sql.Tx) error {
		for chunk := range slices.Chunk(updates, statusChunk) {
			var q strings.Builder
			args := make([]any, 0, 3*len(chunk))
			q.WriteString("WITH v(status, room_id, user_id) AS (VALUES ")
			for i, u := range chunk {
				if i > 0 {
					q.WriteString(", ")
				}
				q.WriteString("(?, ?, ?)")
				args = append(args, u.Status, u.RoomID, u.UserID)
			}
			q.WriteString(`) UPDATE room_participants SET status = v.status FROM v
				WHERE room_participants.room_id = v.room_id AND room_participants.user_id = v.user_id
				AND room_participants.left_at IS NULL`)
			if _, err := tx.ExecContext(ctx, s.q(q.String()), args...); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("sqlstore: set statuses: %w", err)
	}
	return nil
}

// SetMedia implements store.Store.
func (s *Store) SetMedia(ctx context.Context, roomID, userID, conn string, m *model.Media) error {
	var r sql.Result
	var err error
	if m == nil {
		r, err = s.w.ExecContext(ctx, s.q(`UPDATE room_participants SET media_conn = ?
			WHERE room_id = ? AND user_id = ? AND left_at IS NULL`), conn, roomID, userID)
	} else {
		r, err = s.w.ExecContext(ctx, s.q(`UPDATE room_participants
			SET media_conn = ?, media_camera = ?, media_mic = ?, media_watching = ?
			WHERE room_id = ? AND user_id = ? AND left_at IS NULL`), conn, m.Camera, m.Mic, m.Watching, roomID, userID)
	}
	if err != nil {
		return fmt.Errorf("sqlstore: set media: %w", err)
	}
	if n, err := r.RowsAffected(); err != nil {
		return fmt.Errorf("sqlstore: set media: %w", err)
	} else if n == 0 {
		return fmt.Errorf("sqlstore: set media: %w", model.ErrNotInRoom)
	}
	return nil
}

// ClearMedia implements store.Store.
func (s *Store) ClearMedia(ctx context.Context, roomID, userID, conn string) (bool, error) {
	r, err := s.w.ExecContext(ctx, s.q(`UPDATE room_participants
		SET media_camera = FALSE, media_mic = FALSE, media_watching = FALSE
		WHERE room_id = ? AND user_id = ? AND media_conn = ? AND left_at IS NULL
			AND (media_camera OR media_mic OR media_watching)`), roomID, userID, conn)
	if err != nil {
		return false, fmt.Errorf("sqlstore: clear media: %w", err)
	}
	n, err := r.RowsAffected()
	if err != nil {
		return false, fmt.Errorf("sqlstore: clear media: %w", err)
	}
	return n > 0, nil
}

// MediaConn implements store.Store.
func (s *Store) MediaConn(ctx context.Context, roomID, userID string) (string, error) {
	var conn string
	err := s.r.QueryRowContext(ctx, s.q(`SELECT media_conn FROM room_participants
		WHERE room_id = ? AND user_id = ? AND left_at IS NULL`), roomID, userID).Scan(&conn)
	if errors.Is(err, sql.ErrNoRows) {
		return "", fmt.Errorf("sqlstore: media conn: %w", model.ErrNotInRoom)
	}
	if err != nil {
		return "", fmt.Errorf("sqlstore: media conn: %w", err)
	}
	return conn, nil
}

// Ban implements store.Store.
func (s *Store) Ban(ctx context.Context, roomID, userID string, until time.Time) error {
	_, err := s.w.ExecContext(ctx, s.q(`INSERT INTO room_bans (room_id, user_id, until) VALUES (?, ?, ?)
		ON CONFLICT (room_id, user_id) DO UPDATE SET until = excluded.until`), roomID, userID, s.ts(until))
	if err != nil {
		return fmt.Errorf("sqlstore: ban: %w", err)
	}
	return nil
}

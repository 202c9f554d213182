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

const sessionCols = `s.id, s.room_id, s.user_id, s.started_at, s.ended_at, s.duration_minutes,
	s.goals, s.achievements, s.progress, s.rating, s.share_goals, s.is_completed, s.planned_minutes`

// scanSession scans one session selected with sessionCols.
func scanSession(sc rowScanner) (model.Session, error) {
	var x model.Session
	var duration, rating, planned sql.NullInt64
	err := sc.Scan(&x.ID, &x.RoomID, &x.UserID, timeCol{&x.StartedAt}, nullTimeCol{&x.EndedAt}, &duration,
		sealedJSONCol{&x.Goals, "focus_sessions", "goals", &x.ID},
		sealedJSONCol{&x.Achievements, "focus_sessions", "achievements", &x.ID}, &x.Progress, &rating, &x.ShareGoals, &x.IsCompleted, &planned)
	if err != nil {
		logUnreadable("focus_sessions", x.ID, err)
		return model.Session{}, err
	}
	x.DurationMinutes = nullInt(duration)
	x.Rating = nullInt(rating)
	x.PlannedMinutes = nullInt(planned)
	x.Goals = strList(x.Goals)
	x.Achievements = strList(x.Achievements)
	return x, nil
}

// durationMinutes is the whole minutes from start to end, rounded down, never negative.
func durationMinutes(start, end time.Time) int {
	return max(0, int(end.Sub(start)/time.Minute))
}

// StartSession opens a focus session; see store.Store. An empty ID gets a
// random UUID, a zero StartedAt the current time. Unknown user or room gives
// ErrNotFound.
func (s *Store) StartSession(ctx context.Context, in model.Session) (model.Session, error) {
	x := in
	if x.ID == "" {
		x.ID = uuid.NewString()
	}
	if x.StartedAt.IsZero() {
		x.StartedAt = time.Now()
	}
	x.StartedAt = ms(x.StartedAt)
	x.EndedAt, x.DurationMinutes, x.IsCompleted = nil, nil, false
	x.Goals, x.Achievements = strList(x.Goals), strList(x.Achievements)
	goals, err := s.sealJSON(x.Goals, place("focus_sessions", "goals", x.ID))
	if err != nil {
		return model.Session{}, fmt.Errorf("sqlstore: start session: %w", err)
	}
	achievements, err := s.sealJSON(x.Achievements, place("focus_sessions", "achievements", x.ID))
	if err != nil {
		return model.Session{}, fmt.Errorf("sqlstore: start session: %w", err)
	}
	err = s.withTx(ctx, func(tx *sql.Tx) error {
		// The user lock orders this against LeaveRoom: a leave either ends
		// this session or happens first and makes the check below fail.
		if err := s.lockUser(ctx, tx, x.UserID); err != nil {
			return err
		}
		var one int
		err := tx.QueryRowContext(ctx, s.q(`SELECT 1 FROM room_participants
			WHERE room_id = ? AND user_id = ? AND left_at IS NULL`), x.RoomID, x.UserID).Scan(&one)
		if errors.Is(err, sql.ErrNoRows) {
			if _, err := s.getRoom(ctx, tx, x.RoomID); err != nil {
				return err
			}
			return fmt.Errorf("user %q in room %q: %w", x.UserID, x.RoomID, model.ErrNotInRoom)
		}
		if err != nil {
			return err
		}
		var open string
		err = tx.QueryRowContext(ctx, s.q("SELECT id FROM focus_sessions WHERE user_id = ? AND ended_at IS NULL"),
			x.UserID).Scan(&open)
		if err == nil {
			return &model.SessionActiveError{SessionID: open}
		}
		if !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		_, err = tx.ExecContext(ctx, s.q(`INSERT INTO focus_sessions (id, room_id, user_id, started_at,
				goals, achievements, progress, rating, share_goals, is_completed, planned_minutes)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, FALSE, ?)`),
			x.ID, x.RoomID, x.UserID, s.ts(x.StartedAt), goals, achievements, x.Progress,
			intPtrArg(x.Rating), x.ShareGoals, intPtrArg(x.PlannedMinutes))
		if isUniqueViolation(err) {
			return fmt.Errorf("session %q: %w: %w", x.ID, model.ErrConflict, err)
		}
		return err
	})
	if err != nil {
		return model.Session{}, fmt.Errorf("sqlstore: start session: %w", err)
	}
	return x, nil
}

// GetSession returns the session with id, or ErrNotFound.
func (s *Store) GetSession(ctx context.Context, id string) (model.Session, error) {
	x, err := s.getSession(ctx, s.r, id, false)
	if err != nil {
		return model.Session{}, fmt.Errorf("sqlstore: get session: %w", err)
	}
	return x, nil
}

// getSession reads a session, locking its row (PostgreSQL) if lock is set.
func (s *Store) getSession(ctx context.Context, db querier, id string, lock bool) (model.Session, error) {
	query := "SELECT " + sessionCols + " FROM focus_sessions s WHERE s.id = ?"
	if lock {
		query += s.forUpdate()
	}
	x, err := scanSession(db.QueryRowContext(ctx, s.q(query), id))
	if errors.Is(err, sql.ErrNoRows) {
		return model.Session{}, fmt.Errorf("session %q: %w", id, model.ErrNotFound)
	}
	return x, err
}

// ownOpenSession reads and locks session id for a change by userID:
// ErrNotFound if missing or someone else's, ErrConflict if ended.
func (s *Store) ownOpenSession(ctx context.Context, tx *sql.Tx, id, userID string) (model.Session, error) {
	x, err := s.getSession(ctx, tx, id, true)
	if err != nil {
		return model.Session{}, err
	}
	if x.UserID != userID {
		return model.Session{}, fmt.Errorf("session %q: %w", id, model.ErrNotFound)
	}
	if x.EndedAt != nil {
		return model.Session{}, fmt.Errorf("session %q has ended: %w", id, model.ErrConflict)
	}
	return x, nil
}

// UpdateSession changes an open session owned by userID; see store.Store.
func (s *Store) UpdateSession(ctx context.Context, id, userID string, upd model.SessionUpdate) (model.Session, error) {
	var x model.Session
	err := s.withTx(ctx, func(tx *sql.Tx) error {
		var err error
		if x, err = s.ownOpenSession(ctx, tx, id, userID); err != nil {
			return err
		}
		if upd.Goals != nil {
			x.Goals = upd.Goals
		}
		if upd.Progress != nil {
			x.Progress = *upd.Progress
		}
		if upd.ShareGoals != nil {
			x.ShareGoals = *upd.ShareGoals
		}
		goals, err := s.sealJSON(x.Goals, place("focus_sessions", "goals", id))
		if err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, s.q("UPDATE focus_sessions SET goals = ?, progress = ?, share_goals = ? WHERE id = ?"),
			goals, x.Progress, x.ShareGoals, id)
		return err
	})
	if err != nil {
		return model.Session{}, fmt.Errorf("sqlstore: update session: %w", err)
	}
	return x, nil
}

// CompleteSession ends an open session owned by userID; see store.Store.
func (s *Store) CompleteSession(ctx context.Context, id, userID string, achievements []string, rating *int, now time.Time) (model.Session, error) {
	var x model.Session
	err := s.withTx(ctx, func(tx *sql.Tx) error {
		var err error
		if x, err = s.ownOpenSession(ctx, tx, id, userID); err != nil {
			return err
		}
		end := ms(now)
		d := durationMinutes(x.StartedAt, end)
		x.EndedAt, x.DurationMinutes, x.IsCompleted = &end, &d, true
		x.Achievements, x.Rating = strList(achievements), rating
		ach, err := s.sealJSON(x.Achievements, place("focus_sessions", "achievements", id))
		if err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, s.q(`UPDATE focus_sessions SET ended_at = ?, duration_minutes = ?,
				achievements = ?, rating = ?, is_completed = TRUE WHERE id = ?`),
			s.ts(end), d, ach, intPtrArg(rating), id)
		return err
	})
	if err != nil {
		return model.Session{}, fmt.Errorf("sqlstore: complete session: %w", err)
	}
	return x, nil
}

// endOpenSession ends userID's open session in roomID without completing
// it, returning it, or nil if there was none.
func (s *Store) endOpenSession(ctx context.Context, tx *sql.Tx, roomID, userID string, now time.Time) (*model.Session, error) {
	x, err := scanSession(tx.QueryRowContext(ctx, s.q("SELECT "+sessionCols+
		" FROM focus_sessions s WHERE s.user_id = ? AND s.room_id = ? AND s.ended_at IS NULL"+s.forUpdate()),
		userID, roomID))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	end := ms(now)
	d := durationMinutes(x.StartedAt, end)
	if _, err := tx.ExecContext(ctx, s.q("UPDATE focus_sessions SET ended_at = ?, duration_minutes = ? WHERE id = ?"),
		s.ts(end), d, x.ID); err != nil {
		return nil, err
	}
	x.EndedAt, x.DurationMinutes = &end, &d
	return &x, nil
}

// OpenSessions returns the open sessions in a room, oldest first. An
// unknown room gives ErrNotFound.
func (s *Store) OpenSessions(ctx context.Context, roomID string) ([]model.Session, error) {
	xs, err := s.sessions(ctx, "SELECT "+sessionCols+` FROM focus_sessions s
		JOIN room_participants p ON p.room_id = s.room_id AND p.user_id = s.user_id AND p.left_at IS NULL
		WHERE s.room_id = ? AND s.ended_at IS NULL ORDER BY s.started_at, s.id`, roomID)
	if err == nil && len(xs) == 0 {
		_, err = s.getRoom(ctx, s.r, roomID)
	}
	if err != nil {
		return nil, fmt.Errorf("sqlstore: open sessions: %w", err)
	}
	return xs, nil
}

// History returns userID's sessions newest first by (started_at, id),
// after the session opts.Before (which must be theirs, else ErrNotFound).
// Limit <= 0 means no limit.
func (s *Store) History(ctx context.Context, userID string, opts model.HistoryOptions) ([]model.Session, error) {
	query := "SELECT " + sessionCols + " FROM focus_sessions s WHERE s.user_id = ?"
	args := []any{userID}
	if opts.Before != "" {
		before, err := s.cursorTime(ctx, "cursor session", opts.Before,
			"SELECT started_at FROM focus_sessions WHERE id = ? AND user_id = ?", opts.Before, userID)
		if err != nil {
			return nil, fmt.Errorf("sqlstore: history: %w", err)
		}
		query += " AND (s.started_at < ? OR (s.started_at = ? AND s.id < ?))"
		args = append(args, s.ts(before), s.ts(before), opts.Before)
	}
	query, args = orderLimit(query, args, "s.started_at DESC, s.id DESC", opts.Limit)
	xs, err := s.sessions(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("sqlstore: history: %w", err)
	}
	return xs, nil
}

// SessionsSince returns userID's sessions started at or after since, oldest first.
func (s *Store) SessionsSince(ctx context.Context, userID string, since time.Time) ([]model.Session, error) {
	xs, err := s.sessions(ctx, "SELECT "+sessionCols+
		" FROM focus_sessions s WHERE s.user_id = ? AND s.started_at >= ? ORDER BY s.started_at, s.id",
		userID, s.ts(since))
	if err != nil {
		return nil, fmt.Errorf("sqlstore: sessions since: %w", err)
	}
	return xs, nil
}

func (s *Store) sessions(ctx context.Context, query string, args ...any) ([]model.Session, error) {
	return queryAll(ctx, s.r, s.q(query), args, scanSession)
}

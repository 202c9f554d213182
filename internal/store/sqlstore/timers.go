package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/bodydouble/bodydouble/internal/model"
)

// GetTimer returns a room's timer: idle at version 0 if it never had one,
// ErrNotFound if the room does not exist.
func (s *Store) GetTimer(ctx context.Context, roomID string) (model.Timer, error) {
	// The LEFT JOIN tells an unknown room (no row) from a room without a timer (NULLs).
	var state, typ, by sql.NullString
	var duration, remaining, version sql.NullInt64
	t := model.Timer{RoomID: roomID, State: "idle"}
	err := s.r.QueryRowContext(ctx, s.q(`SELECT t.state, t.type, t.duration, t.remaining, t.ends_at, t.by_user, t.version
		FROM rooms r LEFT JOIN room_timers t ON t.room_id = r.id WHERE r.id = ?`), roomID).
		Scan(&state, &typ, &duration, &remaining, nullTimeCol{&t.EndsAt}, &by, &version)
	if errors.Is(err, sql.ErrNoRows) {
		err = fmt.Errorf("room %q: %w", roomID, model.ErrNotFound)
	}
	if err != nil {
		return model.Timer{}, fmt.Errorf("sqlstore: get timer: %w", err)
	}
	if state.Valid {
		t.State, t.Type = state.String, typ.String
		t.Duration, t.Remaining = int(duration.Int64), int(remaining.Int64)
		t.By, t.Version = nullStr(by), version.Int64
	}
	return t, nil
}

// SaveTimer stores t if the stored version is still prevVersion, else
// ErrConflict; t.Version must be prevVersion+1. An unknown room gives ErrNotFound.
func (s *Store) SaveTimer(ctx context.Context, t model.Timer, prevVersion int64) error {
	if t.Version != prevVersion+1 {
		return fmt.Errorf("sqlstore: save timer: version %d does not follow %d", t.Version, prevVersion)
	}
	var r sql.Result
	var err error
	if prevVersion == 0 {
		// A room that never had a timer has no row: the first save inserts,
		// and of two racing first saves the second finds the row and loses.
		r, err = s.w.ExecContext(ctx, s.q(`INSERT INTO room_timers
				(room_id, state, type, duration, remaining, ends_at, by_user, version)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (room_id) DO NOTHING`),
			t.RoomID, t.State, t.Type, t.Duration, t.Remaining, s.tsPtr(t.EndsAt), strPtrArg(t.By), t.Version)
		if isForeignKeyViolation(err) {
			return fmt.Errorf("sqlstore: save timer: room %q: %w: %w", t.RoomID, model.ErrNotFound, err)
		}
	} else {
		r, err = s.w.ExecContext(ctx, s.q(`UPDATE room_timers SET state = ?, type = ?, duration = ?,
				remaining = ?, ends_at = ?, by_user = ?, version = ?
			WHERE room_id = ? AND version = ?`),
			t.State, t.Type, t.Duration, t.Remaining, s.tsPtr(t.EndsAt), strPtrArg(t.By), t.Version,
			t.RoomID, prevVersion)
	}
	if err != nil {
		return fmt.Errorf("sqlstore: save timer: %w", err)
	}
	n, err := r.RowsAffected()
	if err != nil {
		return fmt.Errorf("sqlstore: save timer: %w", err)
	}
	if n == 0 {
		if _, err := s.getRoom(ctx, s.w, t.RoomID); err != nil {
			return fmt.Errorf("sqlstore: save timer: %w", err)
		}
		return fmt.Errorf("sqlstore: save timer: room %q version %d is stale: %w", t.RoomID, prevVersion, model.ErrConflict)
	}
	return nil
}

// RunningTimers lists every timer in state running, soonest end first.
func (s *Store) RunningTimers(ctx context.Context) ([]model.Timer, error) {
	ts, err := queryAll(ctx, s.r, `SELECT room_id, state, type, duration, remaining, ends_at, by_user, version
		FROM room_timers WHERE state = 'running' ORDER BY ends_at, room_id`, nil, func(sc rowScanner) (model.Timer, error) {
		var t model.Timer
		var by sql.NullString
		if err := sc.Scan(&t.RoomID, &t.State, &t.Type, &t.Duration, &t.Remaining, nullTimeCol{&t.EndsAt},
			&by, &t.Version); err != nil {
			return model.Timer{}, err
		}
		t.By = nullStr(by)
		return t, nil
	})
	if err != nil {
		return nil, fmt.Errorf("sqlstore: running timers: %w", err)
	}
	return ts, nil
}

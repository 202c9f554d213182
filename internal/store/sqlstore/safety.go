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

// Block implements store.Store. It checks that blockedID exists in the
// same statement, so a block of nobody changes nothing.
func (s *Store) Block(ctx context.Context, blockerID, blockedID string, at time.Time) error {
	err := s.withTx(ctx, func(tx *sql.Tx) error {
		return s.blockTx(ctx, tx, blockerID, blockedID, at)
	})
	if err != nil {
		return fmt.Errorf("sqlstore: block: %w", err)
	}
	return nil
}

func (s *Store) blockTx(ctx context.Context, tx *sql.Tx, blockerID, blockedID string, at time.Time) error {
	res, err := tx.ExecContext(ctx, s.q(`INSERT INTO blocks (blocker_id, blocked_id, created_at)
		SELECT ?, id, ? FROM users WHERE id = ?
		ON CONFLICT (blocker_id, blocked_id) DO NOTHING`), blockerID, s.ts(at), blockedID)
	if err != nil {
		return err
	}
	if n, err := res.RowsAffected(); err != nil || n > 0 {
		return err
	}
	// Nothing inserted: blocked already, or no such user.
	var one int
	err = tx.QueryRowContext(ctx, s.q("SELECT 1 FROM users WHERE id = ?"), blockedID).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return model.ErrNotFound
	}
	return err
}

// Unblock implements store.Store.
func (s *Store) Unblock(ctx context.Context, blockerID, blockedID string) error {
	if _, err := s.w.ExecContext(ctx, s.q("DELETE FROM blocks WHERE blocker_id = ? AND blocked_id = ?"), blockerID, blockedID); err != nil {
		return fmt.Errorf("sqlstore: unblock: %w", err)
	}
	return nil
}

// Blocks implements store.Store.
func (s *Store) Blocks(ctx context.Context, blockerID string) ([]model.Block, error) {
	rows, err := s.r.QueryContext(ctx, s.q(`SELECT b.blocked_id, u.display_name, b.created_at
		FROM blocks b JOIN users u ON u.id = b.blocked_id
		WHERE b.blocker_id = ? ORDER BY b.created_at DESC, b.blocked_id`), blockerID)
	if err != nil {
		return nil, fmt.Errorf("sqlstore: blocks: %w", err)
	}
	defer rows.Close()
	out := []model.Block{}
	for rows.Next() {
		b := model.Block{BlockerID: blockerID}
		if err := rows.Scan(&b.BlockedID, &b.DisplayName, timeCol{&b.CreatedAt}); err != nil {
			return nil, fmt.Errorf("sqlstore: blocks: %w", err)
		}
		out = append(out, b)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlstore: blocks: %w", err)
	}
	return out, nil
}

// BlockedEither implements store.Store.
func (s *Store) BlockedEither(ctx context.Context, a, b string) (bool, error) {
	var n int
	err := s.r.QueryRowContext(ctx, s.q(`SELECT COUNT(*) FROM blocks
		WHERE (blocker_id = ? AND blocked_id = ?) OR (blocker_id = ? AND blocked_id = ?)`), a, b, b, a).Scan(&n)
	if err != nil {
		return false, fmt.Errorf("sqlstore: blocked either: %w", err)
	}
	return n > 0, nil
}

// Blockers implements store.Store.
func (s *Store) Blockers(ctx context.Context, userID string) ([]string, error) {
	rows, err := s.r.QueryContext(ctx, s.q("SELECT blocker_id FROM blocks WHERE blocked_id = ? ORDER BY blocker_id"), userID)
	if err != nil {
		return nil, fmt.Errorf("sqlstore: blockers: %w", err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, fmt.Errorf("sqlstore: blockers: %w", err)
		}
		out = append(out, id)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlstore: blockers: %w", err)
	}
	return out, nil
}

// SharedRoomSince implements store.Store. A room keeps one row per
// person, which a rejoin overwrites, so the rows cannot tell whether two
// stays overlapped; it is enough that both were in the room at or after
// since (rather that than refuse a report about someone who was there).
func (s *Store) SharedRoomSince(ctx context.Context, a, b string, since time.Time) (bool, error) {
	t := s.ts(since)
	var n int
	err := s.r.QueryRowContext(ctx, s.q(`SELECT COUNT(*) FROM room_participants pa
		JOIN room_participants pb ON pb.room_id = pa.room_id AND pb.user_id = ?
		WHERE pa.user_id = ?
			AND (pa.left_at IS NULL OR pa.left_at >= ?) AND (pb.left_at IS NULL OR pb.left_at >= ?)`), b, a, t, t).Scan(&n)
	if err != nil {
		return false, fmt.Errorf("sqlstore: shared room: %w", err)
	}
	return n > 0, nil
}

const reportCols = "id, reporter_id, reported_user_id, room_id, reason, note, status, created_at, resolved_at, resolved_by, resolution"

func scanReport(sc rowScanner) (model.Report, error) {
	var r model.Report
	var room, by, resolution sql.NullString
	err := sc.Scan(&r.ID, &r.ReporterID, &r.ReportedUserID, &room, &r.Reason, sealedTextCol{&r.Note, "reports", "note", &r.ID}, &r.Status,
		timeCol{&r.CreatedAt}, nullTimeCol{&r.ResolvedAt}, &by, &resolution)
	logUnreadable("reports", r.ID, err)
	r.RoomID, r.ResolvedBy, r.Resolution = nullStr(room), by.String, resolution.String
	return r, err
}

// CreateReport implements store.Store. The reporter's row is locked first,
// so two reports of one pair at once make one report.
func (s *Store) CreateReport(ctx context.Context, r model.Report, since time.Time) (model.Report, bool, error) {
	if r.ID == "" {
		r.ID = uuid.NewString()
	}
	r.CreatedAt, r.Status = ms(r.CreatedAt), model.ReportOpen
	created := false
	err := s.withTx(ctx, func(tx *sql.Tx) error {
		if err := s.lockUser(ctx, tx, r.ReporterID); err != nil {
			return err
		}
		open, err := scanReport(tx.QueryRowContext(ctx, s.q("SELECT "+reportCols+` FROM reports
			WHERE reporter_id = ? AND reported_user_id = ? AND status = 'open' AND created_at >= ?
			ORDER BY created_at DESC LIMIT 1`), r.ReporterID, r.ReportedUserID, s.ts(since)))
		if err == nil {
			r = open
			return nil
		}
		if !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		if err := s.blockTx(ctx, tx, r.ReporterID, r.ReportedUserID, r.CreatedAt); err != nil {
			return err
		}
		created = true
		_, err = tx.ExecContext(ctx, s.q(`INSERT INTO reports (id, reporter_id, reported_user_id, room_id, reason, note, status, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?)`), r.ID, r.ReporterID, r.ReportedUserID, strPtrArg(r.RoomID), r.Reason, s.sealText(r.Note, place("reports", "note", r.ID)), r.Status, s.ts(r.CreatedAt))
		return err
	})
	if err != nil {
		return model.Report{}, false, fmt.Errorf("sqlstore: create report: %w", err)
	}
	return r, created, nil
}

// CountReportsSince implements store.Store.
func (s *Store) CountReportsSince(ctx context.Context, reporterID string, since time.Time) (int, error) {
	var n int
	err := s.r.QueryRowContext(ctx, s.q("SELECT COUNT(*) FROM reports WHERE reporter_id = ? AND created_at >= ?"), reporterID, s.ts(since)).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("sqlstore: count reports: %w", err)
	}
	return n, nil
}

// GetReport implements store.Store.
func (s *Store) GetReport(ctx context.Context, id string) (model.Report, error) {
	r, err := scanReport(s.r.QueryRowContext(ctx, s.q("SELECT "+reportCols+" FROM reports WHERE id = ?"), id))
	if errors.Is(err, sql.ErrNoRows) {
		return model.Report{}, model.ErrNotFound
	}
	if err != nil {
		return model.Report{}, fmt.Errorf("sqlstore: get report: %w", err)
	}
	return r, nil
}

// CountOpenReports implements store.Store.
func (s *Store) CountOpenReports(ctx context.Context, reportedUserID string) (int, error) {
	var n int
	err := s.r.QueryRowContext(ctx, s.q("SELECT COUNT(*) FROM reports WHERE reported_user_id = ? AND status = 'open'"), reportedUserID).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("sqlstore: count open reports: %w", err)
	}
	return n, nil
}

// ListReports implements store.Store: newest first, keyed on (created_at,
// id) so a page never skips or repeats a report.
func (s *Store) ListReports(ctx context.Context, status, cursor string, limit int) ([]model.Report, error) {
	rows, err := s.r.QueryContext(ctx, s.q("SELECT "+reportCols+` FROM reports r
		WHERE (? = '' OR r.status = ?)
			AND (? = '' OR EXISTS (SELECT 1 FROM reports c WHERE c.id = ?
				AND (r.created_at < c.created_at OR r.created_at = c.created_at AND r.id < c.id)))
		ORDER BY r.created_at DESC, r.id DESC LIMIT ?`), status, status, cursor, cursor, limit)
	if err != nil {
		return nil, fmt.Errorf("sqlstore: list reports: %w", err)
	}
	defer rows.Close()
	out := []model.Report{}
	for rows.Next() {
		r, err := scanReport(rows)
		if err != nil {
			return nil, fmt.Errorf("sqlstore: list reports: %w", err)
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlstore: list reports: %w", err)
	}
	return out, nil
}

// ResolveReport implements store.Store.
func (s *Store) ResolveReport(ctx context.Context, id, resolvedBy, resolution string, at time.Time) (model.Report, error) {
	var r model.Report
	err := s.withTx(ctx, func(tx *sql.Tx) error {
		var err error
		r, err = scanReport(tx.QueryRowContext(ctx, s.q(`UPDATE reports SET status = 'resolved', resolved_at = ?, resolved_by = ?, resolution = ?
			WHERE id = ? AND status = 'open' RETURNING `+reportCols), s.ts(at), resolvedBy, resolution, id))
		if !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		var one int
		if err := tx.QueryRowContext(ctx, s.q("SELECT 1 FROM reports WHERE id = ?"), id).Scan(&one); errors.Is(err, sql.ErrNoRows) {
			return model.ErrNotFound
		} else if err != nil {
			return err
		}
		return model.ErrConflict
	})
	if err != nil {
		return model.Report{}, fmt.Errorf("sqlstore: resolve report: %w", err)
	}
	return r, nil
}

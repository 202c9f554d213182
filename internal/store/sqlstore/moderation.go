package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"

	"time"

	"github.com/google/uuid"

	"github.com/bodydouble/bodydouble/internal/model"
)

// UserRole returns a user's role, or ErrNotFound. It reads the database
// every time: a role change must hold at once on every instance.
func (s *Store) UserRole(ctx context.Context, userID string) (string, error) {
	var role string
	err := s.r.QueryRowContext(ctx, s.q("SELECT role FROM users WHERE id = ?"), userID).Scan(&role)
	if errors.Is(err, sql.ErrNoRows) {
		return "", fmt.Errorf("sqlstore: user role: %w", model.ErrNotFound)
	}
	if err != nil {
		return "", fmt.Errorf("sqlstore: user role: %w", err)
	}
	return role, nil
}

// SetUserRole changes a user's role and records a.
func (s *Store) SetUserRole(ctx context.Context, userID, role string, a model.AuditEntry) error {
	err := s.withTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, s.q("UPDATE users SET role = ? WHERE id = ?"), role, userID)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil || n == 0 {
			return errors.Join(model.ErrNotFound, err)
		}
		return s.addAudit(ctx, tx, a)
	})
	if err != nil {
		return fmt.Errorf("sqlstore: set user role: %w", err)
	}
	return nil
}

// CreateUserBan stores b and records a.
func (s *Store) CreateUserBan(ctx context.Context, b model.UserBan, a model.AuditEntry) (model.UserBan, error) {
	if b.ID == "" {
		b.ID = uuid.NewString()
	}
	b.CreatedAt = ms(b.CreatedAt)
	if b.Until != nil {
		u := ms(*b.Until)
		b.Until = &u
	}
	err := s.withTx(ctx, func(tx *sql.Tx) error {
		var one int
		err := tx.QueryRowContext(ctx, s.q("SELECT 1 FROM users WHERE id = ?"), b.UserID).Scan(&one)
		if errors.Is(err, sql.ErrNoRows) {
			return model.ErrNotFound
		}
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, s.q(`INSERT INTO user_bans (id, user_id, reason, until, created_by, created_at)
			VALUES (?, ?, ?, ?, ?, ?)`), b.ID, b.UserID, b.Reason, s.tsPtr(b.Until), b.CreatedBy, s.ts(b.CreatedAt)); err != nil {
			return err
		}
		return s.addAudit(ctx, tx, a)
	})
	if err != nil {
		return model.UserBan{}, fmt.Errorf("sqlstore: create user ban: %w", err)
	}
	return b, nil
}

const userBanCols = "id, user_id, reason, until, created_by, created_at"

func scanUserBan(sc rowScanner) (model.UserBan, error) {
	var b model.UserBan
	var by sql.NullString
	err := sc.Scan(&b.ID, &b.UserID, &b.Reason, nullTimeCol{&b.Until}, &by, timeCol{&b.CreatedAt})
	b.CreatedBy = by.String
	return b, err
}

// ActiveUserBan returns the longest ban of userID in force at now.
func (s *Store) ActiveUserBan(ctx context.Context, userID string, now time.Time) (model.UserBan, error) {
	b, err := scanUserBan(s.r.QueryRowContext(ctx, s.q("SELECT "+userBanCols+` FROM user_bans
		WHERE user_id = ? AND (until IS NULL OR until > ?)
		ORDER BY until IS NULL DESC, until DESC LIMIT 1`), userID, s.ts(now)))
	if errors.Is(err, sql.ErrNoRows) {
		return model.UserBan{}, fmt.Errorf("sqlstore: active user ban: %w", model.ErrNotFound)
	}
	if err != nil {
		return model.UserBan{}, fmt.Errorf("sqlstore: active user ban: %w", err)
	}
	return b, nil
}

// UserBans lists the bans in force at now, newest first.
func (s *Store) UserBans(ctx context.Context, now time.Time) ([]model.UserBan, error) {
	rows, err := s.r.QueryContext(ctx, s.q("SELECT "+userBanCols+` FROM user_bans
		WHERE until IS NULL OR until > ? ORDER BY created_at DESC, id`), s.ts(now))
	if err != nil {
		return nil, fmt.Errorf("sqlstore: user bans: %w", err)
	}
	defer rows.Close()
	bans := []model.UserBan{}
	for rows.Next() {
		b, err := scanUserBan(rows)
		if err != nil {
			return nil, fmt.Errorf("sqlstore: user bans: %w", err)
		}
		bans = append(bans, b)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlstore: user bans: %w", err)
	}
	return bans, nil
}

// LiftUserBan deletes a ban, records a and returns the ban.
func (s *Store) LiftUserBan(ctx context.Context, id string, a model.AuditEntry) (model.UserBan, error) {
	var b model.UserBan
	err := s.withTx(ctx, func(tx *sql.Tx) error {
		var err error
		b, err = scanUserBan(tx.QueryRowContext(ctx, s.q("DELETE FROM user_bans WHERE id = ? RETURNING "+userBanCols), id))
		if errors.Is(err, sql.ErrNoRows) {
			return model.ErrNotFound
		}
		if err != nil {
			return err
		}
		if a.TargetID == "" {
			a.TargetID = b.UserID
		}
		return s.addAudit(ctx, tx, a)
	})
	if err != nil {
		return model.UserBan{}, fmt.Errorf("sqlstore: lift user ban: %w", err)
	}
	return b, nil
}

// CloseRoom makes a room inactive and records a.
func (s *Store) CloseRoom(ctx context.Context, roomID string, a model.AuditEntry) error {
	err := s.withTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, s.q("UPDATE rooms SET is_active = ?, updated_at = ? WHERE id = ?"), false, s.ts(a.At), roomID)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil || n == 0 {
			return errors.Join(model.ErrNotFound, err)
		}
		return s.addAudit(ctx, tx, a)
	})
	if err != nil {
		return fmt.Errorf("sqlstore: close room: %w", err)
	}
	return nil
}

// AddAudit appends a.
func (s *Store) AddAudit(ctx context.Context, a model.AuditEntry) error {
	if err := s.withTx(ctx, func(tx *sql.Tx) error { return s.addAudit(ctx, tx, a) }); err != nil {
		return fmt.Errorf("sqlstore: add audit: %w", err)
	}
	return nil
}

func (s *Store) addAudit(ctx context.Context, tx *sql.Tx, a model.AuditEntry) error {
	_, err := tx.ExecContext(ctx, s.q(`INSERT INTO audit_log (at, actor_id, action, target_type, target_id, reason)
		VALUES (?, ?, ?, ?, ?, ?)`), s.ts(a.At), a.ActorID, a.Action, a.TargetType, a.TargetID, a.Reason)
	return err
}

// AuditLog returns a page of the log, newest first. A beforeID that is no
// number gives an empty page.
func (s *Store) AuditLog(ctx context.Context, beforeID string, limit int) ([]model.AuditEntry, error) {
	before := int64(1<<63 - 1)
	if beforeID != "" {
		n, err := strconv.ParseInt(beforeID, 10, 64)
		if err != nil {
			return []model.AuditEntry{}, nil
		}
		before = n
	}
	rows, err := s.r.QueryContext(ctx, s.q(`SELECT id, at, actor_id, action, target_type, target_id, reason
		FROM audit_log WHERE id < ? ORDER BY id DESC LIMIT ?`), before, limit)
	if err != nil {
		return nil, fmt.Errorf("sqlstore: audit log: %w", err)
	}
	defer rows.Close()
	entries := []model.AuditEntry{}
	for rows.Next() {
		var a model.AuditEntry
		var id int64
		if err := rows.Scan(&id, timeCol{&a.At}, &a.ActorID, &a.Action, &a.TargetType, &a.TargetID, &a.Reason); err != nil {
			return nil, fmt.Errorf("sqlstore: audit log: %w", err)
		}
		a.ID = strconv.FormatInt(id, 10)
		entries = append(entries, a)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlstore: audit log: %w", err)
	}
	return entries, nil
}

// PurgeAudit deletes the entries older than before.
func (s *Store) PurgeAudit(ctx context.Context, before time.Time) (int64, error) {
	res, err := s.w.ExecContext(ctx, s.q("DELETE FROM audit_log WHERE at < ?"), s.ts(before))
	if err != nil {
		return 0, fmt.Errorf("sqlstore: purge audit: %w", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, fmt.Errorf("sqlstore: purge audit: %w", err)
	}
	return n, nil
}

package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/bodydouble/bodydouble/internal/model"
)

// PersonalColumns names every column of the schema that holds a user's
// id, and what export and erasure do with it. The schema test
// (privacy_test.go) lists the columns of the live schema that reference
// users or are named like a user's id, and fails for any that is not
// here: a new table holding people's ids needs an export path and an
// erasure rule before it can ship.
//
// Export says where the column's rows appear in model.UserExport, or why
// they do not; Erase what EraseUser does with them.
var PersonalColumns = map[string]struct{ Export, Erase string }{
	"users.id":                  {"User", "deleted"},
	"user_names.user_id":        {"Names", "deleted (cascade)"},
	"user_preferences.user_id":  {"Preferences", "deleted (cascade)"},
	"focus_sessions.user_id":    {"Sessions", "deleted (cascade)"},
	"room_participants.user_id": {"Participation", "deleted (cascade)"},
	"rooms.created_by":          {"RoomsCreated", "replaced by the stand-in"},
	"reports.reporter_id":       {"ReportsFiled", "replaced by the stand-in"},
	"blocks.blocker_id":         {"Blocks", "deleted (cascade)"},
	"user_bans.user_id":         {"Bans", "deleted (cascade)"},
	"room_bans.user_id":         {"RoomBans", "deleted (cascade)"},
	"audit_log.actor_id":        {"Audit", "replaced by the stand-in"},
	"audit_log.target_id":       {"Audit", "replaced by the stand-in"},

	// Not exported, on purpose (the allow-list):
	//
	// Reports others filed about the person: exporting them would tell
	// the person who reported them. Kept for moderators, id replaced.
	"reports.reported_user_id": {"not exported: protects the reporter", "replaced by the stand-in"},
	// Who blocks the person: exporting it would tell them who blocked them.
	"blocks.blocked_id": {"not exported: protects the blocker", "deleted (cascade)"},
	// The moderator who resolved a report: the staff member's own action
	// is in their exported audit entries (report.resolve).
	"reports.resolved_by": {"in Audit (report.resolve)", "replaced by the stand-in"},
	// The staff member who made a ban: in their exported audit entries (user.ban).
	"user_bans.created_by": {"in Audit (user.ban)", "replaced by the stand-in"},
	// Which server instance holds a live socket's seat: runtime state of
	// the servers, gone with the socket, nothing about the person.
	"seat_holds.user_id": {"not exported: a server's runtime state", "deleted (cascade)"},
	// Who last started or changed a room's timer: the room's state, shared
	// by everyone in it.
	"room_timers.by_user": {"not exported: the room's shared timer", "replaced by the stand-in"},
}

// replacedColumns are the columns EraseUser points at the stand-in.
var replacedColumns = []struct{ table, column string }{
	{"rooms", "created_by"},
	{"reports", "reporter_id"},
	{"reports", "reported_user_id"},
	{"reports", "resolved_by"},
	{"user_bans", "created_by"},
	{"room_timers", "by_user"},
	{"audit_log", "actor_id"},
	{"audit_log", "target_id"},
}

// ExportUser implements store.Store.
func (s *Store) ExportUser(ctx context.Context, userID string) (model.UserExport, error) {
	var x model.UserExport
	opts := &sql.TxOptions{ReadOnly: true}
	if s.pg {
		opts.Isolation = sql.LevelRepeatableRead // one snapshot for every read
	}
	tx, err := s.r.BeginTx(ctx, opts)
	if err != nil {
		return x, fmt.Errorf("sqlstore: export user: %w", err)
	}
	defer tx.Rollback()
	if err := s.exportTx(ctx, tx, userID, &x); err != nil {
		return model.UserExport{}, fmt.Errorf("sqlstore: export user %q: %w", userID, err)
	}
	return x, nil
}

func (s *Store) exportTx(ctx context.Context, tx *sql.Tx, id string, x *model.UserExport) error {
	var avatar, version sql.NullString
	u := &x.User
	err := tx.QueryRowContext(ctx, s.q(`SELECT id, anonymous_id, display_name, avatar_url, avatar_version,
		created_at, updated_at, role FROM users WHERE id = ?`), id).
		Scan(&u.ID, &u.AnonymousID, &u.DisplayName, &avatar, &version, timeCol{&u.CreatedAt}, timeCol{&u.UpdatedAt}, &u.Role)
	if errors.Is(err, sql.ErrNoRows) {
		return model.ErrNotFound
	}
	if err != nil {
		return err
	}
	u.AvatarURL, u.AvatarVersion = nullStr(avatar), nullStr(version)

	var workStyle sql.NullString
	p := model.DefaultPreferences()
	err = tx.QueryRowContext(ctx, s.q(`SELECT work_style, preferred_room_categories, notification_settings,
		accessibility_settings FROM user_preferences WHERE user_id = ?`), id).
		Scan(&workStyle, jsonCol{&p.PreferredRoomCategories}, jsonCol{&p.Notifications}, jsonCol{&p.Accessibility})
	switch {
	case err == nil:
		p.WorkStyle = workStyle.String
		p.PreferredRoomCategories = strList(p.PreferredRoomCategories)
		x.Preferences = &p
	case !errors.Is(err, sql.ErrNoRows):
		return err
	}

	one := []any{id}
	if x.Names, err = queryAll(ctx, tx, s.q("SELECT display_name, changed_at FROM user_names WHERE user_id = ? ORDER BY seq DESC"), one,
		func(sc rowScanner) (model.NameChange, error) {
			var n model.NameChange
			return n, sc.Scan(&n.DisplayName, timeCol{&n.ChangedAt})
		}); err != nil {
		return err
	}
	if x.Sessions, err = queryAll(ctx, tx, s.q("SELECT "+sessionCols+" FROM focus_sessions s WHERE s.user_id = ? ORDER BY s.started_at DESC, s.id DESC"), one, scanSession); err != nil {
		return err
	}
	if x.Participation, err = queryAll(ctx, tx, s.q("SELECT room_id, status, joined_at, left_at FROM room_participants WHERE user_id = ? ORDER BY joined_at DESC, room_id"), one,
		func(sc rowScanner) (model.Participation, error) {
			var p model.Participation
			return p, sc.Scan(&p.RoomID, &p.Status, timeCol{&p.JoinedAt}, nullTimeCol{&p.LeftAt})
		}); err != nil {
		return err
	}
	if x.RoomsCreated, err = queryAll(ctx, tx, s.q("SELECT "+roomCols+" FROM rooms r WHERE r.created_by = ? ORDER BY r.created_at DESC, r.id"), one,
		func(sc rowScanner) (model.Room, error) { return scanRoom(sc) }); err != nil {
		return err
	}
	if x.ReportsFiled, err = queryAll(ctx, tx, s.q("SELECT "+reportCols+" FROM reports WHERE reporter_id = ? ORDER BY created_at DESC, id"), one, scanReport); err != nil {
		return err
	}
	if x.Blocks, err = queryAll(ctx, tx, s.q(`SELECT b.blocked_id, u.display_name, b.created_at
		FROM blocks b JOIN users u ON u.id = b.blocked_id WHERE b.blocker_id = ? ORDER BY b.created_at DESC, b.blocked_id`), one,
		func(sc rowScanner) (model.Block, error) {
			b := model.Block{BlockerID: id}
			return b, sc.Scan(&b.BlockedID, &b.DisplayName, timeCol{&b.CreatedAt})
		}); err != nil {
		return err
	}
	if x.Bans, err = queryAll(ctx, tx, s.q("SELECT id, user_id, reason, until, created_by, created_at FROM user_bans WHERE user_id = ? ORDER BY created_at DESC, id"), one, scanUserBan); err != nil {
		return err
	}
	if x.RoomBans, err = queryAll(ctx, tx, s.q("SELECT room_id, until FROM room_bans WHERE user_id = ? ORDER BY until DESC, room_id"), one,
		func(sc rowScanner) (model.RoomBan, error) {
			var b model.RoomBan
			return b, sc.Scan(&b.RoomID, timeCol{&b.Until})
		}); err != nil {
		return err
	}
	x.Audit, err = queryAll(ctx, tx, s.q(`SELECT id, at, actor_id, action, target_type, target_id, reason
		FROM audit_log WHERE actor_id = ? OR target_id = ? ORDER BY id DESC`), []any{id, id},
		func(sc rowScanner) (model.AuditEntry, error) {
			var a model.AuditEntry
			var n int64
			err := sc.Scan(&n, timeCol{&a.At}, &a.ActorID, &a.Action, &a.TargetType, &a.TargetID, &a.Reason)
			a.ID = strconv.FormatInt(n, 10)
			return a, err
		})
	return err
}

// EraseUser implements store.Store.
func (s *Store) EraseUser(ctx context.Context, userID, replacementID string, now time.Time) error {
	err := s.withTx(ctx, func(tx *sql.Tx) error {
		if err := s.lockUser(ctx, tx, userID); err != nil {
			return err
		}
		t := s.ts(now)
		if _, err := tx.ExecContext(ctx, s.q(`INSERT INTO users (id, anonymous_id, display_name, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?)`), replacementID, replacementID, model.ErasedDisplayName, t, t); err != nil {
			return err
		}
		for _, c := range replacedColumns {
			q := fmt.Sprintf("UPDATE %s SET %s = ? WHERE %s = ?", c.table, c.column, c.column)
			if _, err := tx.ExecContext(ctx, s.q(q), replacementID, userID); err != nil {
				return fmt.Errorf("%s.%s: %w", c.table, c.column, err)
			}
		}
		// Their tokens on other devices are refused from now on.
		if _, err := tx.ExecContext(ctx, s.q("INSERT INTO revoked_tokens (token_id, expires_at) VALUES (?, ?) ON CONFLICT (token_id) DO NOTHING"),
			erasedKey(userID), s.ts(now.Add(erasedHold))); err != nil {
			return err
		}
		// The rest is theirs alone and goes with the user (ON DELETE CASCADE).
		if _, err := tx.ExecContext(ctx, s.q("DELETE FROM users WHERE id = ?"), userID); err != nil {
			return err
		}
		return s.addAudit(ctx, tx, model.AuditEntry{At: now, ActorID: replacementID, Action: model.AuditUserErase,
			TargetType: "user", TargetID: replacementID})
	})
	if err != nil {
		return fmt.Errorf("sqlstore: erase user: %w", err)
	}
	return nil
}

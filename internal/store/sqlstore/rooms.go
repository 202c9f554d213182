package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/bodydouble/bodydouble/internal/model"
	"github.com/bodydouble/bodydouble/internal/store"
)

// roomCols selects a room as scanRoom reads it. current_capacity is counted
// from the active participants in the same query (served by the partial
// index room_participants_active), so it can never drift.
const roomCols = `r.id, r.name, r.description, r.category, r.max_capacity,
	(SELECT COUNT(*) FROM room_participants p WHERE p.room_id = r.id AND p.left_at IS NULL),
	r.mic_policy, r.is_active, r.created_by, r.created_at, r.unlisted,
	r.timer_control, r.cycle_work, r.cycle_break`

// roomColsCounted selects a room as roomCols does, with count, an
// expression the query already has, as current_capacity. A query whose plan
// sorts rooms computes its select list for every row it sorts, so a
// per-room subquery there would count people in every room, not only the
// ones on the page.
func roomColsCounted(count string) string {
	return `r.id, r.name, r.description, r.category, r.max_capacity, ` + count + `,
	r.mic_policy, r.is_active, r.created_by, r.created_at, r.unlisted,
	r.timer_control, r.cycle_work, r.cycle_break`
}

// scanRoom scans one room selected with roomCols.
func scanRoom(sc interface{ Scan(...any) error }) (model.Room, error) {
	var r model.Room
	var desc, createdBy sql.NullString
	var work, brk sql.NullInt64
	err := sc.Scan(&r.ID, &r.Name, &desc, &r.Category, &r.MaxCapacity, &r.CurrentCapacity,
		&r.MicPolicy, &r.IsActive, &createdBy, timeCol{&r.CreatedAt}, &r.Unlisted,
		&r.TimerControl, &work, &brk)
	if err != nil {
		return model.Room{}, err
	}
	r.Description = nullStr(desc)
	r.CreatedBy = nullStr(createdBy)
	if work.Valid && brk.Valid {
		r.Cycle = &model.Cycle{Work: int(work.Int64), Break: int(brk.Int64)}
	}
	return r, nil
}

// getRoom reads a room through db; no row gives ErrNotFound.
func (s *Store) getRoom(ctx context.Context, db querier, id string) (model.Room, error) {
	r, err := scanRoom(db.QueryRowContext(ctx, s.q("SELECT "+roomCols+" FROM rooms r WHERE r.id = ?"), id))
	if errors.Is(err, sql.ErrNoRows) {
		return model.Room{}, fmt.Errorf("room %q: %w", id, model.ErrNotFound)
	}
	return r, err
}

// roomDefaults fills what a caller may leave out: a random id, now as the
// creation time, capacity 8, a muted mic and a timer only its creator
// controls. IsActive and Cycle are kept as given.
func roomDefaults(r model.Room, now time.Time) model.Room {
	if r.ID == "" {
		r.ID = uuid.NewString()
	}
	if r.CreatedAt.IsZero() {
		r.CreatedAt = now
	}
	r.CreatedAt = ms(r.CreatedAt)
	if r.MaxCapacity == 0 {
		r.MaxCapacity = 8
	}
	if r.MicPolicy == "" {
		r.MicPolicy = "muted"
	}
	if r.TimerControl == "" {
		r.TimerControl = model.TimerOwner
	}
	if r.Cycle != nil {
		c := *r.Cycle // the caller's value is not shared with the result
		r.Cycle = &c
	}
	r.CurrentCapacity = 0
	return r
}

// insertRoom inserts r (defaults already applied); onConflictSkip leaves an
// existing id alone instead of failing.
func (s *Store) insertRoom(ctx context.Context, db querier, r model.Room, onConflictSkip bool) error {
	query := `INSERT INTO rooms (id, name, description, category, max_capacity, mic_policy,
			is_active, created_by, created_at, updated_at, unlisted, timer_control, cycle_work, cycle_break)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`
	if onConflictSkip {
		query += " ON CONFLICT (id) DO NOTHING"
	}
	var work, brk any // NULL without a cycle
	if r.Cycle != nil {
		work, brk = r.Cycle.Work, r.Cycle.Break
	}
	_, err := db.ExecContext(ctx, s.q(query), r.ID, r.Name, strPtrArg(r.Description), r.Category,
		r.MaxCapacity, r.MicPolicy, r.IsActive, strPtrArg(r.CreatedBy), s.ts(r.CreatedAt), s.ts(r.CreatedAt), r.Unlisted,
		r.TimerControl, work, brk)
	switch {
	case isUniqueViolation(err):
		return fmt.Errorf("room %q: %w: %w", r.ID, model.ErrConflict, err)
	case isForeignKeyViolation(err):
		return fmt.Errorf("room %q: created by unknown user: %w: %w", r.ID, model.ErrNotFound, err)
	}
	return err
}

// SeedRooms inserts rooms whose ids do not exist yet; existing ids are left
// alone. Defaults are filled as by CreateRoom; rooms without a CreatedAt list
// in the order given. Safe to run from several processes at once.
func (s *Store) SeedRooms(ctx context.Context, rooms []model.Room) error {
	now := time.Now()
	err := s.withTx(ctx, func(tx *sql.Tx) error {
		for i, r := range rooms {
			// Rooms without a creation time get one a millisecond apart, so
			// they list in the order given.
			r = roomDefaults(r, now.Add(time.Duration(i)*time.Millisecond))
			if err := s.insertRoom(ctx, tx, r, true); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("sqlstore: seed rooms: %w", err)
	}
	return nil
}

// CreateRoom inserts r and returns it as stored. An empty ID gets a random
// UUID, a zero CreatedAt the current time, a zero MaxCapacity 8, an empty
// MicPolicy "muted", an empty TimerControl "owner". IsActive, Unlisted and
// Cycle (nil for none) are stored as given (set
// IsActive to true for an open room). A taken id gives ErrConflict, an unknown CreatedBy ErrNotFound.
func (s *Store) CreateRoom(ctx context.Context, r model.Room) (model.Room, error) {
	r = roomDefaults(r, time.Now())
	if err := s.insertRoom(ctx, s.w, r, false); err != nil {
		return model.Room{}, fmt.Errorf("sqlstore: create room: %w", err)
	}
	return r, nil
}

// CountRoomsCreatedBy counts userID's open rooms and the rooms they
// created after since, in one query.
func (s *Store) CountRoomsCreatedBy(ctx context.Context, userID string, since time.Time) (store.RoomCounts, error) {
	var c store.RoomCounts
	var oldest *time.Time
	err := s.r.QueryRowContext(ctx, s.q(`SELECT
		COALESCE(SUM(CASE WHEN is_active THEN 1 ELSE 0 END), 0),
		COALESCE(SUM(CASE WHEN created_at > ? THEN 1 ELSE 0 END), 0),
		MIN(CASE WHEN created_at > ? THEN created_at END)
		FROM rooms WHERE created_by = ?`), s.ts(since), s.ts(since), userID).Scan(&c.Open, &c.Recent, nullTimeCol{&oldest})
	if err != nil {
		return store.RoomCounts{}, fmt.Errorf("sqlstore: count rooms created by: %w", err)
	}
	if oldest != nil {
		c.OldestRecent = *oldest
	}
	return c, nil
}

// GetRoom returns the room with id, or ErrNotFound.
func (s *Store) GetRoom(ctx context.Context, id string) (model.Room, error) {
	r, err := s.getRoom(ctx, s.r, id)
	if err != nil {
		return model.Room{}, fmt.Errorf("sqlstore: get room: %w", err)
	}
	return r, nil
}

// ListRooms returns listed rooms (open and closed) ordered by
// (created_at, id), or with opts.Order OrderPeople by the number of people
// in them (most first) and then (created_at, id); optionally of one
// category, without full rooms (opts.HideFull), starting after the room
// opts.After (which must exist, else ErrNotFound) as it stood with
// opts.AfterPeople people. Limit <= 0 means no limit. Unlisted rooms are
// never returned: only their link finds them.
//
// On SQLite the answer comes from a cache for as long as nothing at all was
// committed to the database since it was read, by this process or any
// other (watch.go), so occupancy is as current as a fresh query's. The
// slice is then shared between callers, who must not change it. (The
// lobby's caches: docs/performance.md "Caches".)
func (s *Store) ListRooms(ctx context.Context, opts model.ListRoomsOptions) ([]model.Room, error) {
	if opts.Order == "" {
		opts.Order = model.OrderCreated // one cache entry for both spellings
	}
	if opts.Order != model.OrderPeople {
		opts.AfterPeople = 0 // only the people order reads it
	}
	if s.watch == nil {
		return s.listRooms(ctx, opts)
	}
	version, err := s.watch.version(ctx)
	if err != nil {
		return s.listRooms(ctx, opts)
	}
	if rooms, ok := s.lists.get(version, opts); ok {
		// Shared and read-only (see store.Store); the full slice
		// expression makes even an append by a caller copy it.
		return rooms[:len(rooms):len(rooms)], nil
	}
	rooms, err := s.listRooms(ctx, opts)
	if err == nil {
		s.lists.put(version, opts, rooms)
	}
	return rooms[:len(rooms):len(rooms)], err
}

// activeCount is the number of people in room r, as roomCols counts them.
const activeCount = "(SELECT COUNT(*) FROM room_participants p WHERE p.room_id = r.id AND p.left_at IS NULL)"

// afterCreated is the keyset condition "after (created_at, id)" of the
// created order; its arguments are (created_at, created_at, id).
const afterCreated = " AND (r.created_at > ? OR (r.created_at = ? AND r.id > ?))"

func (s *Store) listRooms(ctx context.Context, opts model.ListRoomsOptions) ([]model.Room, error) {
	var after time.Time
	if opts.After != "" {
		err := s.r.QueryRowContext(ctx, s.q("SELECT created_at FROM rooms WHERE id = ?"), opts.After).
			Scan(timeCol{&after})
		if errors.Is(err, sql.ErrNoRows) {
			err = fmt.Errorf("cursor room %q: %w", opts.After, model.ErrNotFound)
		}
		if err != nil {
			return nil, fmt.Errorf("sqlstore: list rooms: %w", err)
		}
	}
	var query string
	var args []any
	if opts.Order == model.OrderPeople {
		query, args = s.listByPeople(opts, after)
	} else {
		query, args = s.listByCreated(opts, after)
	}
	rows, err := s.r.QueryContext(ctx, s.q(query), args...)
	if err != nil {
		return nil, fmt.Errorf("sqlstore: list rooms: %w", err)
	}
	defer rows.Close()
	rooms := []model.Room{}
	for rows.Next() {
		r, err := scanRoom(rows)
		if err != nil {
			return nil, fmt.Errorf("sqlstore: list rooms: %w", err)
		}
		rooms = append(rooms, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlstore: list rooms: %w", err)
	}
	return rooms, nil
}

// listFilters is the WHERE clause shared by both orders: listed rooms, of
// opts.Category if set.
func listFilters(opts model.ListRoomsOptions) (string, []any) {
	where := " WHERE r.unlisted = FALSE"
	if opts.Category == "" {
		return where, nil
	}
	return where + " AND r.category = ?", []any{opts.Category}
}

// listByCreated is the query of the created order, walking the index
// rooms_created (or rooms_category_created).
func (s *Store) listByCreated(opts model.ListRoomsOptions, after time.Time) (string, []any) {
	where, args := listFilters(opts)
	query := "SELECT " + roomCols + " FROM rooms r" + where
	if opts.HideFull {
		query += " AND " + activeCount + " < r.max_capacity"
	}
	if opts.After != "" {
		query += afterCreated
		args = append(args, s.ts(after), s.ts(after), opts.After)
	}
	query += " ORDER BY r.created_at, r.id"
	if opts.Limit > 0 {
		query += " LIMIT ?"
		args = append(args, opts.Limit)
	}
	return query, args
}

// occupiedRooms joins each occupied room (o.room_id) to its row r. SQLite
// looks each up by primary key; PostgreSQL would rather hash-join the whole
// rooms table (a scan of every room), so there the lookup is spelled out as
// a LATERAL subquery that OFFSET 0 keeps from being flattened.
func (s *Store) occupiedRooms() string {
	if s.pg {
		return "CROSS JOIN LATERAL (SELECT * FROM rooms WHERE id = o.room_id OFFSET 0) r"
	}
	return "JOIN rooms r ON r.id = o.room_id"
}

// listByPeople is the query of the people order. Sorting every room by a
// count would read them all; instead it joins two ordered parts, in one
// statement so that both see the same moment: the occupied rooms (as few
// as there are people, counted from the partial index
// room_participants_active and sorted), then the empty ones, which walk
// the created-order index exactly as listByCreated does and stop at the
// limit. A cursor with people resumes inside the occupied part and takes
// the empty part from its start; a cursor on an empty room skips the
// occupied part.
func (s *Store) listByPeople(opts model.ListRoomsOptions, after time.Time) (string, []any) {
	where, filterArgs := listFilters(opts)
	limit := ""
	if opts.Limit > 0 {
		limit = " LIMIT " + strconv.Itoa(opts.Limit)
	}
	var args []any
	var parts []string
	if opts.After == "" || opts.AfterPeople > 0 {
		busy := "SELECT " + roomColsCounted("o.n") + " FROM (SELECT room_id, COUNT(*) AS n FROM room_participants" +
			" WHERE left_at IS NULL GROUP BY room_id) o " + s.occupiedRooms() + where
		args = append(args, filterArgs...)
		if opts.HideFull {
			busy += " AND o.n < r.max_capacity"
		}
		if opts.After != "" {
			busy += " AND (o.n < ? OR (o.n = ?" + afterCreated + "))"
			args = append(args, opts.AfterPeople, opts.AfterPeople, s.ts(after), s.ts(after), opts.After)
		}
		parts = append(parts, "SELECT * FROM ("+busy+" ORDER BY o.n DESC, r.created_at, r.id"+limit+") b")
	}
	// Empty by the NOT EXISTS of the same statement: no count to make.
	empty := "SELECT " + roomColsCounted("0") + " FROM rooms r" + where +
		" AND NOT EXISTS (SELECT 1 FROM room_participants p WHERE p.room_id = r.id AND p.left_at IS NULL)"
	args = append(args, filterArgs...)
	if opts.After != "" && opts.AfterPeople == 0 {
		empty += afterCreated
		args = append(args, s.ts(after), s.ts(after), opts.After)
	}
	parts = append(parts, "SELECT * FROM ("+empty+" ORDER BY r.created_at, r.id"+limit+") e")
	// Columns 6, 10 and 1 of roomCols are the count, created_at and id.
	return strings.Join(parts, " UNION ALL ") + " ORDER BY 6 DESC, 10, 1" + limit, args
}

// lockRooms locks the given rooms' rows on PostgreSQL, in id order so that
// two transactions locking overlapping sets cannot deadlock, and checks that
// each exists (ErrNotFound). Empty ids are skipped.
func (s *Store) lockRooms(ctx context.Context, tx *sql.Tx, ids ...string) error {
	sorted := make([]string, 0, len(ids))
	for _, id := range ids {
		if id != "" {
			sorted = append(sorted, id)
		}
	}
	slices.Sort(sorted)
	sorted = slices.Compact(sorted)
	for _, id := range sorted {
		var got string
		err := tx.QueryRowContext(ctx, s.q("SELECT id FROM rooms WHERE id = ?"+s.forUpdate()), id).Scan(&got)
		if errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("room %q: %w", id, model.ErrNotFound)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

package rooms

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"

	"github.com/bodydouble/bodydouble/internal/apperr"
	"github.com/bodydouble/bodydouble/internal/model"
	"github.com/bodydouble/bodydouble/internal/protocol"
	"github.com/bodydouble/bodydouble/internal/textrules"
	"github.com/bodydouble/bodydouble/internal/wire"
)

// Focus session limits (docs/api.md "Focus sessions").
const (
	MaxGoals   = 10
	MaxGoalLen = 200
	// MinPlanned and MaxPlanned bound a block's planned length, in minutes.
	MinPlanned = 5
	MaxPlanned = 240
)

// StartSession opens a focus session in the room userID is in and tells the room.
func (s *Service) StartSession(ctx context.Context, userID string, in wire.StartSessionInput, o protocol.Origin) (model.Session, error) {
	goals, errs := checkList("goals", in.Goals, true, s.public(in.ShareGoals != nil && *in.ShareGoals))
	if in.RoomID == "" {
		errs = append(errs, apperr.FieldError{Field: "roomId", Message: "Say which room the session is in."})
	}
	if p := in.PlannedMinutes; p != nil && (*p < MinPlanned || *p > MaxPlanned) {
		errs = append(errs, apperr.FieldError{Field: "plannedMinutes", Message: "Plan a block of 5 to 240 minutes, or leave it open."})
	}
	if len(errs) > 0 {
		return model.Session{}, apperr.Fields(errs...)
	}
	if err := checkID(in.RoomID); err != nil {
		return model.Session{}, err
	}
	sess, err := s.store.StartSession(ctx, model.Session{
		ID: uuid.NewString(), RoomID: in.RoomID, UserID: userID, StartedAt: s.clock(),
		Goals: goals, Achievements: []string{}, ShareGoals: in.ShareGoals != nil && *in.ShareGoals,
		PlannedMinutes: in.PlannedMinutes,
	})
	if err != nil {
		return model.Session{}, apperr.From(err)
	}
	s.publishSession(ctx, protocol.EvSessionStarted, sess, o)
	return sess, nil
}

// GetSession returns one of userID's own sessions; anyone else's is not found.
func (s *Service) GetSession(ctx context.Context, userID, id string) (model.Session, error) {
	if err := checkID(id); err != nil {
		return model.Session{}, err
	}
	sess, err := s.store.GetSession(ctx, id)
	if err != nil {
		return model.Session{}, apperr.From(err)
	}
	if sess.UserID != userID {
		return model.Session{}, apperr.From(model.ErrNotFound)
	}
	return sess, nil
}

// UpdateSession changes an open session's goals, progress or sharing.
func (s *Service) UpdateSession(ctx context.Context, userID, id string, in wire.UpdateSessionInput, o protocol.Origin) (model.Session, error) {
	var upd model.SessionUpdate
	var errs []apperr.FieldError
	if in.Goals != nil {
		upd.Goals, errs = checkList("goals", in.Goals, false, nil)
	}
	if in.Progress != nil {
		if *in.Progress < 0 || *in.Progress > 100 {
			errs = append(errs, apperr.FieldError{Field: "progress", Message: "Progress goes from 0 to 100."})
		}
		upd.Progress = in.Progress
	}
	upd.ShareGoals = in.ShareGoals
	if len(errs) > 0 {
		return model.Session{}, apperr.Fields(errs...)
	}
	if err := checkID(id); err != nil {
		return model.Session{}, err
	}
	if err := s.publicGoals(ctx, userID, id, in, &upd); err != nil {
		return model.Session{}, err
	}
	sess, err := s.store.UpdateSession(ctx, id, userID, upd)
	if err != nil {
		return model.Session{}, sessionErr(err)
	}
	s.publishSession(ctx, protocol.EvSessionUpdated, sess, o)
	return sess, nil
}

// CompleteSession ends a session with achievements and an optional 1–5 rating.
func (s *Service) CompleteSession(ctx context.Context, userID, id string, in wire.CompleteSessionInput, o protocol.Origin) (model.Session, error) {
	achievements, errs := checkList("achievements", in.Achievements, true, nil)
	if in.Rating != nil && (*in.Rating < 1 || *in.Rating > 5) {
		errs = append(errs, apperr.FieldError{Field: "rating", Message: "Rate from 1 to 5."})
	}
	if len(errs) > 0 {
		return model.Session{}, apperr.Fields(errs...)
	}
	if err := checkID(id); err != nil {
		return model.Session{}, err
	}
	if len(achievements) > 0 {
		cur, err := s.GetSession(ctx, userID, id)
		if err != nil {
			return model.Session{}, err
		}
		if achievements, errs = checkList("achievements", in.Achievements, true, s.public(cur.ShareGoals)); len(errs) > 0 {
			return model.Session{}, apperr.Fields(errs...)
		}
	}
	sess, err := s.store.CompleteSession(ctx, id, userID, achievements, in.Rating, s.clock())
	if err != nil {
		return model.Session{}, sessionErr(err)
	}
	s.publishSession(ctx, protocol.EvSessionCompleted, sess, o)
	return sess, nil
}

// History returns a page of userID's sessions, newest first.
func (s *Service) History(ctx context.Context, userID, cursor string, limit int) ([]model.Session, string, error) {
	return readPage(cursor, limit, decodeSessionCursor, encodeSessionCursor, func(x model.Session) string { return x.ID },
		func(before string, n int) ([]model.Session, error) {
			return s.store.History(ctx, userID, model.HistoryOptions{Before: before, Limit: n})
		})
}

// publishSession tells a session's room about it: others see the public
// view, the owner their own goals.
func (s *Service) publishSession(ctx context.Context, name string, sess model.Session, o protocol.Origin) {
	s.counts.count(name)
	own := wire.FromSession(sess)
	ev := newEvent(sess.RoomID, name, wire.SessionEvent{RoomID: sess.RoomID, Session: own.Public()}, o)
	ev.Owner, ev.OwnerData = sess.UserID, mustJSON(wire.SessionEvent{RoomID: sess.RoomID, Session: own})
	s.publish(ctx, ev)
}

// sessionErr maps store errors of session updates to client errors.
func sessionErr(err error) error {
	if errors.Is(err, model.ErrConflict) {
		return apperr.New(apperr.Invalid, "This session has already ended.")
	}
	return apperr.From(err)
}

// public returns the rules of public text for a session's goals and
// achievements if it shares them, or nil: private text is never filtered.
func (s *Service) public(shared bool) *textrules.Rules {
	if shared {
		return s.text
	}
	return nil
}

// publicGoals holds to the rules of public text the goals an update leaves
// shared: those it sends to a session that shares them or starts to, or,
// when it switches a private session to shared, the goals it already has.
// Goals that pass are stored normalised.
func (s *Service) publicGoals(ctx context.Context, userID, id string, in wire.UpdateSessionInput, upd *model.SessionUpdate) error {
	if (in.ShareGoals != nil && !*in.ShareGoals) || (in.ShareGoals == nil && in.Goals == nil) {
		return nil
	}
	items := in.Goals
	if in.ShareGoals == nil || in.Goals == nil {
		cur, err := s.GetSession(ctx, userID, id)
		if err != nil {
			return err
		}
		if in.ShareGoals == nil && !cur.ShareGoals {
			return nil // private stays private
		}
		if in.Goals == nil {
			items = cur.Goals
		}
	}
	goals, errs := checkList("goals", items, false, s.text)
	if len(errs) > 0 {
		return apperr.Fields(errs...)
	}
	if in.Goals != nil {
		upd.Goals = goals
	}
	return nil
}

// checkList validates goals or achievements: at most MaxGoals non-empty
// entries of at most MaxGoalLen characters, and, if pub is set (the
// session shares them), the rules of public text. Blank entries are dropped.
func checkList(field string, items []string, allowNil bool, pub *textrules.Rules) ([]string, []apperr.FieldError) {
	if items == nil && allowNil {
		return []string{}, nil
	}
	var errs []apperr.FieldError
	if len(items) > MaxGoals {
		errs = append(errs, apperr.FieldError{Field: field, Message: "Up to 10, please."})
	}
	out := make([]string, 0, len(items))
	for i, it := range items {
		it = strings.TrimSpace(it)
		if utf8.RuneCountInString(it) > MaxGoalLen {
			errs = append(errs, apperr.FieldError{Field: field + "." + strconv.Itoa(i), Message: "Keep each one under 200 characters."})
			continue
		}
		if !wire.ValidText(it) {
			errs = append(errs, apperr.FieldError{Field: field + "." + strconv.Itoa(i), Message: textrules.ReasonInvisible})
			continue
		}
		if pub != nil {
			n, why := pub.Text(it)
			if why != "" {
				errs = append(errs, apperr.FieldError{Field: field + "." + strconv.Itoa(i), Message: why})
				continue
			}
			it = n
		}
		if it != "" {
			out = append(out, it)
		}
	}
	return out, errs
}

// statsWindow bounds how far back streaks are counted.
const statsWindow = 400 * 24 * time.Hour

// Stats computes userID's focus statistics in the time zone loc: minutes
// this week (Monday first), the streak of consecutive days with focus
// ending today or yesterday, the completion rate of ended sessions, and
// minutes per day for the last 14 days (oldest first).
func (s *Service) Stats(ctx context.Context, userID string, loc *time.Location) (wire.Stats, error) {
	now := s.clock().In(loc)
	list, err := s.store.SessionsSince(ctx, userID, now.Add(-statsWindow))
	if err != nil {
		return wire.Stats{}, apperr.From(err)
	}
	perDay := map[string]int{}
	st := wire.Stats{Days: make([]wire.DayMinutes, 0, 14)}
	today := dayStart(now)
	weekStart := today.AddDate(0, 0, -((int(today.Weekday()) + 6) % 7))
	for _, sess := range list {
		if sess.EndedAt == nil {
			continue
		}
		st.TotalCount++
		if sess.IsCompleted {
			st.CompletedCount++
		}
		mins := 0
		if sess.DurationMinutes != nil {
			mins = *sess.DurationMinutes
		}
		start := sess.StartedAt.In(loc)
		perDay[start.Format(time.DateOnly)] += mins
		if !start.Before(weekStart) {
			st.WeekMinutes += mins
		}
	}
	if st.TotalCount > 0 {
		st.CompletionRate = float64(st.CompletedCount) / float64(st.TotalCount)
	}
	for i := 13; i >= 0; i-- {
		d := today.AddDate(0, 0, -i).Format(time.DateOnly)
		st.Days = append(st.Days, wire.DayMinutes{Date: d, Minutes: perDay[d]})
	}
	day := today
	if perDay[day.Format(time.DateOnly)] == 0 {
		day = day.AddDate(0, 0, -1) // today not started yet: the streak is still alive
	}
	for perDay[day.Format(time.DateOnly)] > 0 {
		st.StreakDays++
		day = day.AddDate(0, 0, -1)
	}
	return st, nil
}

func dayStart(t time.Time) time.Time {
	y, m, d := t.Date()
	return time.Date(y, m, d, 0, 0, 0, 0, t.Location())
}

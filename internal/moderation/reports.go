package moderation

import (
	"context"
	"errors"
	"slices"

	"github.com/google/uuid"

	"github.com/bodydouble/bodydouble/internal/apperr"
	"github.com/bodydouble/bodydouble/internal/model"
)

// ActionResolve is the audit action of every resolved report; the
// resolution's own action (a ban, a removal) is logged as well.
const ActionResolve = "report.resolve"

// Resolutions of a report.
const (
	ResolveDismiss = "dismiss"
	ResolveRemove  = "remove"
	ResolveBan     = "ban"
)

// Resolutions are the actions a report may be resolved with.
var Resolutions = []string{ResolveDismiss, ResolveRemove, ResolveBan}

var errResolved = apperr.New(apperr.Invalid, "This report is already resolved.")

// ReportView is a report with what a moderator needs to judge it.
type ReportView struct {
	Report model.Report
	// ReportedUser is the reported person as they are now; nil once their
	// account is gone.
	ReportedUser *model.User
	// RecentNames are the person's latest earlier display names, newest
	// first.
	RecentNames []string
	// OpenReports counts the open reports about the person, this one
	// included when it is open.
	OpenReports int
	// Room is the room the report names, nil when it names none or the
	// room is gone.
	Room *model.Room
}

// Resolution is a moderator's decision on a report. Hours is the length
// of a ban (nil: until lifted) and only goes with ResolveBan.
type Resolution struct {
	Action string
	Reason string
	Hours  *int
}

// Reports returns a page of reports of status (open or resolved), newest
// first, each with its context, and the cursor of the next page ("" at
// the end).
func (s *Service) Reports(ctx context.Context, actor, status, cursor string, limit int) ([]ReportView, string, error) {
	if err := s.requireStaff(ctx, actor); err != nil {
		return nil, "", err
	}
	if err := pageArgs(status, cursor, limit); err != nil {
		return nil, "", err
	}
	reports, err := s.store.ListReports(ctx, status, cursor, limit+1)
	if err != nil {
		return nil, "", apperr.From(err)
	}
	next := ""
	if len(reports) > limit {
		reports = reports[:limit]
		next = reports[limit-1].ID
	}
	views, err := s.withContext(ctx, reports)
	if err != nil {
		return nil, "", err
	}
	return views, next, nil
}

// pageArgs checks the query of a page of reports.
func pageArgs(status, cursor string, limit int) error {
	var fields []apperr.FieldError
	if status != model.ReportOpen && status != model.ReportResolved {
		fields = append(fields, apperr.FieldError{Field: "status", Message: "must be open or resolved"})
	}
	if cursor != "" && uuid.Validate(cursor) != nil {
		fields = append(fields, apperr.FieldError{Field: "cursor", Message: "is not a cursor this server gave out"})
	}
	if limit < 1 || limit > MaxPage {
		fields = append(fields, apperr.FieldError{Field: "limit", Message: "must be 1-100"})
	}
	if len(fields) > 0 {
		return apperr.Fields(fields...)
	}
	return nil
}

// withContext looks up each report's person and room, once per page for
// someone named in several.
func (s *Service) withContext(ctx context.Context, reports []model.Report) ([]ReportView, error) {
	users := map[string]*model.User{}
	counts := map[string]int{}
	names := map[string][]string{}
	rooms := map[string]*model.Room{}
	out := make([]ReportView, 0, len(reports))
	for _, r := range reports {
		id := r.ReportedUserID
		if _, ok := users[id]; !ok {
			u, err := s.store.GetUser(ctx, id)
			if err != nil && !errors.Is(err, model.ErrNotFound) {
				return nil, apperr.From(err)
			}
			if err == nil {
				users[id] = &u
			} else {
				users[id] = nil
			}
			if counts[id], err = s.store.CountOpenReports(ctx, id); err != nil {
				return nil, apperr.From(err)
			}
			if names[id], err = s.store.RecentNames(ctx, id); err != nil {
				return nil, apperr.From(err)
			}
		}
		v := ReportView{Report: r, ReportedUser: users[id], RecentNames: names[id], OpenReports: counts[id]}
		if r.RoomID != nil {
			room, err := s.roomOf(ctx, rooms, *r.RoomID)
			if err != nil {
				return nil, err
			}
			v.Room = room
		}
		out = append(out, v)
	}
	return out, nil
}

// roomOf returns the room id, nil when it is gone, remembered in seen.
func (s *Service) roomOf(ctx context.Context, seen map[string]*model.Room, id string) (*model.Room, error) {
	if r, ok := seen[id]; ok {
		return r, nil
	}
	r, err := s.store.GetRoom(ctx, id)
	if errors.Is(err, model.ErrNotFound) {
		seen[id] = nil
		return nil, nil
	}
	if err != nil {
		return nil, apperr.From(err)
	}
	seen[id] = &r
	return &r, nil
}

// ResolveReport carries out a moderator's decision on an open report:
// dismiss it, remove the reported person from the report's room, or ban
// them site-wide. The action is taken first and the report resolved after,
// so a refused action (say, a removal of someone who has left the room)
// leaves the report open for another decision. Every resolution is
// logged (ActionResolve, with the action and reason), besides the ban's
// or removal's own entry.
func (s *Service) ResolveReport(ctx context.Context, actor, id string, res Resolution) (model.Report, error) {
	if err := s.requireStaff(ctx, actor); err != nil {
		return model.Report{}, err
	}
	if uuid.Validate(id) != nil {
		return model.Report{}, apperr.From(model.ErrNotFound)
	}
	why, err := checkResolution(res)
	if err != nil {
		return model.Report{}, err
	}
	rep, err := s.store.GetReport(ctx, id)
	if err != nil {
		return model.Report{}, apperr.From(err)
	}
	if rep.Status != model.ReportOpen {
		return model.Report{}, errResolved
	}
	if err := s.act(ctx, actor, rep, res.Action, why, res.Hours); err != nil {
		return model.Report{}, err
	}
	rep, err = s.store.ResolveReport(ctx, id, actor, res.Action, s.clock())
	if errors.Is(err, model.ErrConflict) {
		// Another moderator resolved it at the same moment.
		return model.Report{}, errResolved
	}
	if err != nil {
		return model.Report{}, apperr.From(err)
	}
	s.audit(ctx, model.AuditEntry{ActorID: actor, Action: ActionResolve, TargetType: "report", TargetID: id, Reason: res.Action + ": " + why})
	return rep, nil
}

// checkResolution checks a decision's fields and returns the trimmed
// reason.
func checkResolution(res Resolution) (string, error) {
	var fields []apperr.FieldError
	if !slices.Contains(Resolutions, res.Action) {
		fields = append(fields, apperr.FieldError{Field: "action", Message: "must be dismiss, remove or ban"})
	}
	why, err := reason("reason", res.Reason)
	if err != nil {
		fields = append(fields, apperr.FieldError{Field: "reason", Message: "must be 1-500 characters"})
	}
	switch {
	case res.Hours == nil:
	case res.Action != ResolveBan:
		fields = append(fields, apperr.FieldError{Field: "durationHours", Message: "only goes with ban"})
	case *res.Hours < 1 || *res.Hours > MaxBanHours:
		fields = append(fields, apperr.FieldError{Field: "durationHours", Message: "must be 1-87600"})
	}
	if len(fields) > 0 {
		return "", apperr.Fields(fields...)
	}
	return why, nil
}

// act takes the action of a decision on rep.
func (s *Service) act(ctx context.Context, actor string, rep model.Report, action, why string, hours *int) error {
	switch action {
	case ResolveRemove:
		if rep.RoomID == nil {
			return apperr.Field("action", "this report names no room: dismiss it or ban")
		}
		return s.RemoveParticipant(ctx, actor, *rep.RoomID, rep.ReportedUserID)
	case ResolveBan:
		_, err := s.Ban(ctx, actor, rep.ReportedUserID, why, hours)
		return err
	}
	return nil
}

// Package safety is what one person does to keep another away: blocks and
// reports. The rules that follow from a block inside a room (no
// signalling, no reactions, the blocked mark in the blocker's view) are
// enforced by rooms; quick-join's by the store.
package safety

import (
	"context"
	"log/slog"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"

	"github.com/bodydouble/bodydouble/internal/apperr"
	"github.com/bodydouble/bodydouble/internal/model"
	"github.com/bodydouble/bodydouble/internal/store"
	"github.com/bodydouble/bodydouble/internal/wire"
)

const (
	// ReportWindow is how far back a shared room makes someone reportable,
	// and how long a report stands for the same pair: a second report
	// within it answers the open one.
	ReportWindow = 24 * time.Hour
	// MaxNote bounds a report's note, in characters.
	MaxNote = 500
)

// Rooms tells a room about a block (rooms.Service.BlockChanged).
type Rooms interface {
	BlockChanged(ctx context.Context, blockerID, blockedID string, blocked bool) error
}

// Options configure a Service.
type Options struct {
	Store  store.Store
	Rooms  Rooms
	Logger *slog.Logger
	// Now defaults to time.Now.
	Now func() time.Time
}

// Service runs blocks and reports.
type Service struct {
	store store.Store
	rooms Rooms
	log   *slog.Logger
	now   func() time.Time
}

// New returns a Service.
func New(o Options) *Service {
	s := &Service{store: o.Store, rooms: o.Rooms, log: o.Logger, now: o.Now}
	if s.log == nil {
		s.log = slog.Default()
	}
	if s.now == nil {
		s.now = time.Now
	}
	return s
}

func (s *Service) clock() time.Time { return s.now().UTC().Truncate(time.Millisecond) }

// Blocks lists whom userID blocks, newest first.
func (s *Service) Blocks(ctx context.Context, userID string) ([]model.Block, error) {
	bs, err := s.store.Blocks(ctx, userID)
	if err != nil {
		return nil, apperr.From(err)
	}
	return bs, nil
}

// Block makes userID block in.UserID; blocking again changes nothing.
func (s *Service) Block(ctx context.Context, userID string, in wire.BlockInput) error {
	if err := checkOther(userID, in.UserID); err != nil {
		return err
	}
	if err := s.store.Block(ctx, userID, in.UserID, s.clock()); err != nil {
		return apperr.From(err)
	}
	s.tellRoom(ctx, userID, in.UserID, true)
	return nil
}

// Unblock ends userID's block of otherID; there being none is no error.
func (s *Service) Unblock(ctx context.Context, userID, otherID string) error {
	if uuid.Validate(otherID) != nil {
		return apperr.From(model.ErrNotFound)
	}
	if err := s.store.Unblock(ctx, userID, otherID); err != nil {
		return apperr.From(err)
	}
	s.tellRoom(ctx, userID, otherID, false)
	return nil
}

// tellRoom marks or unmarks the blocked person in the blocker's view of a
// room they share. The block holds whatever happens here; a failure only
// leaves the mark to the next snapshot, so it is logged.
func (s *Service) tellRoom(ctx context.Context, blockerID, blockedID string, blocked bool) {
	if s.rooms == nil {
		return
	}
	if err := s.rooms.BlockChanged(ctx, blockerID, blockedID, blocked); err != nil {
		s.log.Warn("safety: tell the room of a block", "err", err)
	}
}

// checkOther validates the id of the person a block or report is about.
func checkOther(userID, otherID string) error {
	if otherID == "" || uuid.Validate(otherID) != nil {
		return apperr.Field("userId", "must be a person's id")
	}
	if otherID == userID {
		return apperr.Field("userId", "must be someone else")
	}
	return nil
}

// Report files reporterID's report about in.UserID, who must share a room
// with them now or have shared one within ReportWindow (else not_found,
// as for an unknown person). Reporting also blocks. A report about the
// same person within ReportWindow of an open one changes nothing and
// returns that one, with created false. allow is the reporter's rate
// limit, asked only once the report is valid and about someone they met,
// so a mistake costs nothing; a refusal is rate_limited.
func (s *Service) Report(ctx context.Context, reporterID string, in wire.ReportInput, allow func() bool) (rep model.Report, created bool, err error) {
	if err := checkReport(reporterID, in); err != nil {
		return model.Report{}, false, err
	}
	now := s.clock()
	since := now.Add(-ReportWindow)
	met, err := s.store.SharedRoomSince(ctx, reporterID, in.UserID, since)
	if err != nil {
		return model.Report{}, false, apperr.From(err)
	}
	if !met {
		return model.Report{}, false, apperr.New(apperr.NotFound, "You can report only someone you were in a room with in the last day.")
	}
	if in.RoomID != nil {
		if _, err := s.store.GetRoom(ctx, *in.RoomID); err != nil {
			return model.Report{}, false, apperr.From(err)
		}
	}
	if allow != nil && !allow() {
		return model.Report{}, false, apperr.New(apperr.RateLimited, "That's a lot of reports: please wait a while before the next.")
	}
	r := model.Report{ReporterID: reporterID, ReportedUserID: in.UserID, RoomID: in.RoomID, Reason: in.Reason, CreatedAt: now}
	if in.Note != nil {
		r.Note = *in.Note
	}
	rep, created, err = s.store.CreateReport(ctx, r, since)
	if err != nil {
		return model.Report{}, false, apperr.From(err)
	}
	if created {
		s.tellRoom(ctx, reporterID, in.UserID, true)
	}
	return rep, created, nil
}

// checkReport validates a report's fields, all at once.
func checkReport(reporterID string, in wire.ReportInput) error {
	var errs []apperr.FieldError
	if err := checkOther(reporterID, in.UserID); err != nil {
		errs = append(errs, err.(*apperr.Error).Fields...)
	}
	if in.RoomID != nil && uuid.Validate(*in.RoomID) != nil {
		errs = append(errs, apperr.FieldError{Field: "roomId", Message: "must be a room's id"})
	}
	if !slices.Contains(model.ReportReasons, in.Reason) {
		errs = append(errs, apperr.FieldError{Field: "reason", Message: "must be one of " + strings.Join(model.ReportReasons, ", ")})
	}
	if in.Note != nil {
		// A note may run over several lines; nothing else invisible.
		if utf8.RuneCountInString(*in.Note) > MaxNote || !wire.ValidText(strings.ReplaceAll(*in.Note, "\n", " ")) {
			errs = append(errs, apperr.FieldError{Field: "note", Message: "must be plain text of at most 500 characters"})
		}
	}
	if len(errs) > 0 {
		return apperr.Fields(errs...)
	}
	return nil
}

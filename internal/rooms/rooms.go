package rooms

import (
	"context"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"

	"github.com/bodydouble/bodydouble/internal/apperr"
	"github.com/bodydouble/bodydouble/internal/model"
	"github.com/bodydouble/bodydouble/internal/wire"
)

// Room limits (docs/api.md "Rooms").
const (
	DefaultCapacity = 8
	MinCapacity     = 2
	MaxCapacity     = 50
	maxNameLen      = 100
	maxDescLen      = 500
)

// MicPolicies are the allowed values of a room's micPolicy.
var MicPolicies = []string{"muted", "open"}

// TimerControls are the allowed values of a room's timerControl.
var TimerControls = []string{model.TimerOwner, model.TimerAnyone}

// Visibilities are the allowed values of a room's visibility.
var Visibilities = []string{wire.VisibilityPublic, wire.VisibilityUnlisted}

// CreateRoom validates in and creates the room. Creating does not join.
// An unlisted room (visibility "unlisted") is left out of the lobby and
// quick-join; its link (its id) finds and joins it as any room. Its timer
// is controlled by its creator unless in.TimerControl says anyone; with a
// cycle it runs by itself (cycle.go).
func (s *Service) CreateRoom(ctx context.Context, userID string, in wire.CreateRoomInput) (model.Room, error) {
	var errs []apperr.FieldError
	name := strings.TrimSpace(in.Name)
	if name == "" || utf8.RuneCountInString(name) > maxNameLen {
		errs = append(errs, apperr.FieldError{Field: "name", Message: "Give the room a name of 1 to 100 characters."})
	} else if n, why := s.text.Text(name); why != "" {
		errs = append(errs, apperr.FieldError{Field: "name", Message: why})
	} else {
		name = n
	}
	var desc *string
	if in.Description != nil {
		d, why := s.text.Text(strings.TrimSpace(*in.Description))
		if utf8.RuneCountInString(d) > maxDescLen {
			errs = append(errs, apperr.FieldError{Field: "description", Message: "Keep the description under 500 characters."})
		} else if why != "" {
			errs = append(errs, apperr.FieldError{Field: "description", Message: why})
		} else if d != "" {
			desc = &d
		}
	}
	if !slices.Contains(model.Categories, in.Category) {
		errs = append(errs, apperr.FieldError{Field: "category", Message: "Pick one of: " + strings.Join(model.Categories, ", ") + "."})
	}
	capacity := DefaultCapacity
	if in.MaxCapacity != nil {
		capacity = *in.MaxCapacity
		if capacity < MinCapacity || capacity > MaxCapacity {
			errs = append(errs, apperr.FieldError{Field: "maxCapacity", Message: "Rooms hold 2 to 50 people."})
		}
	}
	mic := "muted"
	if in.MicPolicy != nil {
		mic = *in.MicPolicy
		if !slices.Contains(MicPolicies, mic) {
			errs = append(errs, apperr.FieldError{Field: "micPolicy", Message: "Choose muted or open."})
		}
	}
	rhythm, rhythmErrs := roomRhythm(in)
	errs = append(errs, rhythmErrs...)
	if len(errs) > 0 {
		return model.Room{}, apperr.Fields(errs...)
	}
	if err := s.checkCreateCaps(ctx, userID); err != nil {
		return model.Room{}, err
	}
	r, err := s.store.CreateRoom(ctx, model.Room{
		ID: uuid.NewString(), Name: name, Description: desc, Category: in.Category,
		MaxCapacity: capacity, MicPolicy: mic, IsActive: true, CreatedBy: &userID, CreatedAt: s.clock(),
		Unlisted: rhythm.Unlisted, TimerControl: rhythm.TimerControl, Cycle: rhythm.Cycle,
	})
	if err != nil {
		return model.Room{}, apperr.From(err)
	}
	return r, nil
}

// createWindow is the window of MaxRoomsPerHour.
const createWindow = time.Hour

// RetryAfterError is a refusal that can be retried after After: the HTTP
// transport sends it as Retry-After. Its Err is what the client sees.
type RetryAfterError struct {
	Err   *apperr.Error
	After time.Duration
}

func (e *RetryAfterError) Error() string { return e.Err.Error() }
func (e *RetryAfterError) Unwrap() error { return e.Err }

// checkCreateCaps refuses a new room when userID already has
// MaxOpenRooms open rooms (invalid: waiting does not help) or created
// MaxRoomsPerHour in the last hour (rate_limited; retry when the oldest
// of them is an hour old and no longer counted). The counts come from
// the database, so they hold across instances. The count and the insert
// are not one transaction: creates racing at the cap can all pass, each
// concurrent request going at most one room over it, which is fine for
// a cap against floods (a flood of sequential requests is stopped).
func (s *Service) checkCreateCaps(ctx context.Context, userID string) error {
	if s.maxOpenRooms <= 0 && s.maxRoomsPerHour <= 0 {
		return nil
	}
	now := s.clock()
	c, err := s.store.CountRoomsCreatedBy(ctx, userID, now.Add(-createWindow))
	if err != nil {
		return apperr.From(err)
	}
	if s.maxOpenRooms > 0 && c.Open >= s.maxOpenRooms {
		return apperr.New(apperr.Invalid, "You can have %d open rooms at a time.", s.maxOpenRooms)
	}
	if s.maxRoomsPerHour > 0 && c.Recent >= s.maxRoomsPerHour {
		return &RetryAfterError{
			Err:   apperr.New(apperr.RateLimited, "You can create %d rooms an hour; try again later.", s.maxRoomsPerHour),
			After: c.OldestRecent.Add(createWindow).Sub(now),
		}
	}
	return nil
}

// roomRhythm validates a new room's visibility, timer control and cycle,
// and returns them in a model.Room (only those three fields set).
func roomRhythm(in wire.CreateRoomInput) (model.Room, []apperr.FieldError) {
	var errs []apperr.FieldError
	r := model.Room{TimerControl: model.TimerOwner}
	if in.Visibility != nil {
		if !slices.Contains(Visibilities, *in.Visibility) {
			errs = append(errs, apperr.FieldError{Field: "visibility", Message: "Choose public or unlisted."})
		}
		r.Unlisted = *in.Visibility == wire.VisibilityUnlisted
	}
	if in.TimerControl != nil {
		if !slices.Contains(TimerControls, *in.TimerControl) {
			errs = append(errs, apperr.FieldError{Field: "timerControl", Message: "Choose owner or anyone."})
		}
		r.TimerControl = *in.TimerControl
	}
	if c := in.Cycle; c != nil {
		if c.Work < MinCycleWork || c.Work > MaxCycleWork {
			errs = append(errs, apperr.FieldError{Field: "cycle.work", Message: "Work runs from 5 to 240 minutes."})
		}
		if c.Break < MinCycleBreak || c.Break > MaxCycleBreak {
			errs = append(errs, apperr.FieldError{Field: "cycle.break", Message: "A break runs from 1 to 60 minutes."})
		}
		r.Cycle = &model.Cycle{Work: c.Work, Break: c.Break}
	}
	return r, errs
}

// GetRoom returns one room.
func (s *Service) GetRoom(ctx context.Context, id string) (model.Room, error) {
	if err := checkID(id); err != nil {
		return model.Room{}, err
	}
	r, err := s.store.GetRoom(ctx, id)
	if err != nil {
		return model.Room{}, apperr.From(err)
	}
	return r, nil
}

// ListRooms returns a page of rooms oldest first and the cursor of the next
// page ("" on the last): ListLobby in the created order.
func (s *Service) ListRooms(ctx context.Context, category, cursor string, limit int) ([]model.Room, string, error) {
	return s.ListLobby(ctx, LobbyQuery{Category: category, Cursor: cursor, Limit: limit})
}

// StarterRooms are seeded into every database so the lobby is never empty:
// one per category, with fixed ids so concurrent start-ups insert them once,
// each with its category's cycle (CategoryCycle).
func StarterRooms() []model.Room {
	names := map[string][2]string{
		"deep-work": {"Deep Work", "Long, quiet stretches on one hard thing."},
		"study":     {"Study Hall", "Reading, revision and coursework."},
		"creative":  {"Creative Studio", "Writing, drawing, music, making."},
		"admin":     {"Admin Hour", "Email, forms, bills: the small stuff."},
		"chores":    {"Chores Together", "Dishes, laundry, tidying, away from the desk."},
	}
	out := make([]model.Room, 0, len(model.Categories))
	for i, c := range model.Categories {
		n := names[c]
		out = append(out, model.Room{
			ID:          uuid.NewSHA1(uuid.NameSpaceURL, []byte("bodydouble:starter:"+c)).String(),
			Name:        n[0],
			Description: ptr(n[1]),
			Category:    c,
			MaxCapacity: DefaultCapacity,
			MicPolicy:   "muted",
			IsActive:    true,
			// Nobody created it: with a cycle, nobody controls its timer.
			TimerControl: model.TimerOwner,
			Cycle:        CategoryCycle(c),
			// Fixed, ordered creation times keep the lobby order stable.
			CreatedAt: time.Date(2024, 1, 1, 0, 0, i, 0, time.UTC),
		})
	}
	return out
}

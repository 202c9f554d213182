// Package apperr is the one error vocabulary of both transports (REST and
// WebSocket): a stable code, the HTTP status that goes with it, a message
// safe to show, optional field errors, and the cause kept for the log only.
package apperr

import (
	"errors"
	"fmt"
	"net/http"
	"time"
	"unicode/utf8"

	"github.com/bodydouble/bodydouble/internal/model"
)

// Stable error codes, shared by REST problems and socket `error` events.
const (
	Invalid       = "invalid"
	Unauthorized  = "unauthorized"
	Forbidden     = "forbidden"
	NotFound      = "not_found"
	RoomFull      = "room_full"
	SessionActive = "session_active"
	NotInRoom     = "not_in_room"
	TooLarge      = "too_large"
	RateLimited   = "rate_limited"
	Internal      = "internal"
	UnknownEvent  = "unknown_event"
	// Banned: the person is banned from the site (Error.Ban says why and until when).
	Banned = "banned"
)

var statuses = map[string]int{
	Invalid:       http.StatusBadRequest,
	Unauthorized:  http.StatusUnauthorized,
	Forbidden:     http.StatusForbidden,
	NotFound:      http.StatusNotFound,
	RoomFull:      http.StatusConflict,
	SessionActive: http.StatusConflict,
	NotInRoom:     http.StatusConflict,
	TooLarge:      http.StatusRequestEntityTooLarge,
	RateLimited:   http.StatusTooManyRequests,
	Internal:      http.StatusInternalServerError,
	UnknownEvent:  http.StatusBadRequest,
	Banned:        http.StatusForbidden,
}

// BanInfo is what a banned person is told: the reason, and until when
// (nil: until lifted).
type BanInfo struct {
	Reason string
	Until  *time.Time
}

// FieldError names one invalid input by dotted path (`goals.3`).
type FieldError struct {
	Field   string `json:"field"`
	Message string `json:"message"`
}

// Error is a client-visible failure. Message is safe to show; Cause is logged only.
type Error struct {
	Code      string
	Message   string
	Fields    []FieldError
	SessionID string   // for session_active: the open session
	Ban       *BanInfo // for banned: why, and until when
	Cause     error
}

func (e *Error) Error() string {
	if e.Cause != nil {
		return e.Code + ": " + e.Message + ": " + e.Cause.Error()
	}
	return e.Code + ": " + e.Message
}

func (e *Error) Unwrap() error { return e.Cause }

// Status is the HTTP status of e's code.
func (e *Error) Status() int {
	if s, ok := statuses[e.Code]; ok {
		return s
	}
	return http.StatusInternalServerError
}

// New returns an Error with code and message.
func New(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// MaxFields is the most field errors an `invalid` answer lists: the first
// ones, in the order they were found. Without a cap, a request of
// thousands of bad entries got an answer many times its own size.
const MaxFields = 20

// maxFieldText bounds a field error's path and message in bytes: a path
// can echo a client's own key (an unknown field's name).
const maxFieldText = 200

// Fields returns an `invalid` error listing the given field problems, at
// most MaxFields of them; the message says when more were left out.
func Fields(fields ...FieldError) *Error {
	msg := "Some fields need another look."
	if len(fields) > MaxFields {
		msg = fmt.Sprintf("Some fields need another look (the first %d of %d are listed).", MaxFields, len(fields))
		fields = fields[:MaxFields]
	}
	kept := make([]FieldError, len(fields))
	for i, f := range fields {
		kept[i] = FieldError{Field: clip(f.Field), Message: clip(f.Message)}
	}
	return &Error{Code: Invalid, Message: msg, Fields: kept}
}

// Capped returns e's field errors, at most MaxFields of them, for
// transports writing an Error that was not built by Fields.
func (e *Error) Capped() []FieldError {
	if len(e.Fields) > MaxFields {
		return e.Fields[:MaxFields]
	}
	return e.Fields
}

// clip cuts s to maxFieldText bytes, on a rune boundary.
func clip(s string) string {
	if len(s) <= maxFieldText {
		return s
	}
	i := maxFieldText
	for i > 0 && !utf8.RuneStart(s[i]) {
		i--
	}
	return s[:i] + "…"
}

// Field returns an `invalid` error about one field.
func Field(field, message string) *Error {
	return Fields(FieldError{Field: field, Message: message})
}

// From turns any error into an *Error: an *Error is returned as is, model's
// sentinel errors get their codes, anything else is `internal` with the cause kept.
func From(err error) *Error {
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	var active *model.SessionActiveError
	switch {
	case errors.As(err, &active):
		return &Error{Code: SessionActive, Message: "You already have a focus session running.", SessionID: active.SessionID, Cause: err}
	case errors.Is(err, model.ErrNotFound):
		return &Error{Code: NotFound, Message: "Not found.", Cause: err}
	case errors.Is(err, model.ErrRoomFull):
		return &Error{Code: RoomFull, Message: "This room is full.", Cause: err}
	case errors.Is(err, model.ErrNotInRoom):
		return &Error{Code: NotInRoom, Message: "You are not in that room.", Cause: err}
	case errors.Is(err, model.ErrBanned):
		return &Error{Code: Forbidden, Message: "You were asked to leave this room; you can come back tomorrow.", Cause: err}
	case errors.Is(err, model.ErrRoomInactive):
		return &Error{Code: NotFound, Message: "This room is closed.", Cause: err}
	}
	return &Error{Code: Internal, Message: "Something went wrong on our side.", Cause: err}
}

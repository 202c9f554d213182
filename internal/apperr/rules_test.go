package apperr

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/bodydouble/bodydouble/internal/model"
)

// Every code has the HTTP status docs/api.md gives it; a code without one
// is a server error.
func TestStatusOfEveryCode(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		code string
		want int
	}{
		{Invalid, http.StatusBadRequest},
		{Unauthorized, http.StatusUnauthorized},
		{Forbidden, http.StatusForbidden},
		{NotFound, http.StatusNotFound},
		{RoomFull, http.StatusConflict},
		{SessionActive, http.StatusConflict},
		{NotInRoom, http.StatusConflict},
		{TooLarge, http.StatusRequestEntityTooLarge},
		{RateLimited, http.StatusTooManyRequests},
		{Internal, http.StatusInternalServerError},
		{UnknownEvent, http.StatusBadRequest},
		{Banned, http.StatusForbidden},
		{"no_such_code", http.StatusInternalServerError},
		{"", http.StatusInternalServerError},
	} {
		if got := New(tc.code, "m").Status(); got != tc.want {
			t.Errorf("status of %q = %d, want %d", tc.code, got, tc.want)
		}
	}
	// The table above covers every code that has a status.
	if len(statuses) != 12 {
		t.Errorf("%d codes have a status; add the new ones to this test", len(statuses))
	}
}

// From gives each of the model's sentinel errors its code and a message
// safe to show, however deeply it was wrapped, and keeps the error as the
// cause; anything else is internal, its text never shown.
func TestFromMapsTheModelsErrors(t *testing.T) {
	t.Parallel()
	active := &model.SessionActiveError{SessionID: "sess-1"}
	secret := errors.New("dial tcp 10.0.0.7:5432: connection refused")
	for _, tc := range []struct {
		name      string
		err       error
		code      string
		message   string
		sessionID string
	}{
		{"not found", model.ErrNotFound, NotFound, "Not found.", ""},
		{"room full", model.ErrRoomFull, RoomFull, "This room is full.", ""},
		{"not in room", model.ErrNotInRoom, NotInRoom, "You are not in that room.", ""},
		{"banned", model.ErrBanned, Forbidden, "You were asked to leave this room; you can come back tomorrow.", ""},
		{"room inactive", model.ErrRoomInactive, NotFound, "This room is closed.", ""},
		{"session active", active, SessionActive, "You already have a focus session running.", "sess-1"},
		{"wrapped not found", fmt.Errorf("rooms: get: %w", model.ErrNotFound), NotFound, "Not found.", ""},
		{"twice wrapped room full", fmt.Errorf("a: %w", fmt.Errorf("b: %w", model.ErrRoomFull)), RoomFull, "This room is full.", ""},
		{"wrapped banned", fmt.Errorf("rooms: join: %w", model.ErrBanned), Forbidden, "You were asked to leave this room; you can come back tomorrow.", ""},
		{"wrapped session active", fmt.Errorf("rooms: start: %w", active), SessionActive, "You already have a focus session running.", "sess-1"},
		{"joined with another error", errors.Join(secret, model.ErrNotInRoom), NotInRoom, "You are not in that room.", ""},
		{"unknown", secret, Internal, "Something went wrong on our side.", ""},
		{"wrapped unknown", fmt.Errorf("sqlstore: %w", secret), Internal, "Something went wrong on our side.", ""},
	} {
		e := From(tc.err)
		if e.Code != tc.code || e.Message != tc.message || e.SessionID != tc.sessionID {
			t.Errorf("%s: From = {%s %q session %q}, want {%s %q session %q}", tc.name, e.Code, e.Message, e.SessionID, tc.code, tc.message, tc.sessionID)
		}
		if e.Cause != tc.err || !errors.Is(e, tc.err) {
			t.Errorf("%s: cause %v, want %v kept for the log", tc.name, e.Cause, tc.err)
		}
		if strings.Contains(e.Message, "10.0.0.7") {
			t.Errorf("%s: message %q shows the cause", tc.name, e.Message)
		}
	}
}

// An *Error, even wrapped, is returned as it is: its code is the one a
// service chose.
func TestFromKeepsAnError(t *testing.T) {
	t.Parallel()
	own := New(RateLimited, "Slow down (%d).", 3)
	if own.Message != "Slow down (3)." {
		t.Fatalf("New formatted %q", own.Message)
	}
	for _, err := range []error{own, fmt.Errorf("realtime: %w", own), fmt.Errorf("x: %w", fmt.Errorf("y: %w", own))} {
		if got := From(err); got != own {
			t.Errorf("From(%v) = %+v, want the *Error itself", err, got)
		}
	}
	// An *Error whose cause is a sentinel keeps its own code.
	forbidden := &Error{Code: Forbidden, Message: "No.", Cause: model.ErrNotFound}
	if got := From(forbidden); got != forbidden {
		t.Errorf("From re-coded an *Error by its cause: %+v", got)
	}
}

// Error() is what the log shows: code, message and cause.
func TestErrorTextAndUnwrap(t *testing.T) {
	t.Parallel()
	cause := errors.New("disk full")
	for _, tc := range []struct {
		e    *Error
		text string
		next error
	}{
		{New(NotFound, "Not found."), "not_found: Not found.", nil},
		{&Error{Code: Internal, Message: "Oops.", Cause: cause}, "internal: Oops.: disk full", cause},
		{Field("name", "is empty"), "invalid: Some fields need another look.", nil},
	} {
		if got := tc.e.Error(); got != tc.text {
			t.Errorf("Error() = %q, want %q", got, tc.text)
		}
		if got := tc.e.Unwrap(); got != tc.next {
			t.Errorf("Unwrap() = %v, want %v", got, tc.next)
		}
	}
	var target *Error
	if wrapped := fmt.Errorf("api: %w", Field("x", "y")); !errors.As(wrapped, &target) || target.Code != Invalid {
		t.Errorf("errors.As through a wrap found %+v", target)
	}
}

// Fields keeps at most MaxFields, in order, and its message names the
// count when some were left out.
func TestFieldsCap(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		n       int
		kept    int
		message string
	}{
		{0, 0, "Some fields need another look."},
		{1, 1, "Some fields need another look."},
		{MaxFields, MaxFields, "Some fields need another look."},
		{MaxFields + 1, MaxFields, "Some fields need another look (the first 20 of 21 are listed)."},
		{500, MaxFields, "Some fields need another look (the first 20 of 500 are listed)."},
	} {
		in := make([]FieldError, tc.n)
		for i := range in {
			in[i] = FieldError{Field: fmt.Sprintf("goals.%d", i), Message: "is too long"}
		}
		e := Fields(in...)
		if e.Code != Invalid || e.Status() != http.StatusBadRequest || e.Message != tc.message || len(e.Fields) != tc.kept {
			t.Errorf("%d fields: {%s %q, %d kept}, want {invalid %q, %d kept}", tc.n, e.Code, e.Message, len(e.Fields), tc.message, tc.kept)
			continue
		}
		for i, f := range e.Fields {
			if f != in[i] {
				t.Errorf("%d fields: #%d is %+v, want %+v", tc.n, i, f, in[i])
			}
		}
	}
	if e := Field("name", "is empty"); len(e.Fields) != 1 || e.Fields[0] != (FieldError{Field: "name", Message: "is empty"}) {
		t.Errorf("Field = %+v", e.Fields)
	}
}

// clip cuts at 200 bytes, backing up to the start of a rune cut in two,
// and marks the cut.
func TestClipOnRuneBoundary(t *testing.T) {
	t.Parallel()
	a := strings.Repeat("a", 200)
	for _, tc := range []struct {
		name, in, want string
	}{
		{"empty", "", ""},
		{"200 ASCII bytes kept", a, a},
		{"200 bytes ending in a 2-byte rune kept", a[:198] + "é", a[:198] + "é"},
		{"201 ASCII bytes", a + "b", a + "…"},
		{"2-byte rune across the cut", a[:199] + "éz", a[:199] + "…"},
		{"2-byte rune just after the cut", a + "é", a + "…"},
		{"3-byte rune ending at byte 201", a[:198] + "€", a[:198] + "…"},
		{"3-byte rune with one byte past the cut", a[:199] + "€", a[:199] + "…"},
		{"4-byte rune across the cut", a[:197] + "🦦" + "x", a[:197] + "…"},
		{"all 2-byte runes", strings.Repeat("é", 150), strings.Repeat("é", 100) + "…"},
		{"all 4-byte runes", strings.Repeat("🦦", 60), strings.Repeat("🦦", 50) + "…"},
		{"all 3-byte runes", strings.Repeat("€", 100), strings.Repeat("€", 66) + "…"},
	} {
		if got := clip(tc.in); got != tc.want {
			t.Errorf("%s: clip gave %d bytes %q…, want %d bytes", tc.name, len(got), got[max(0, len(got)-8):], len(tc.want))
		}
		if !utf8.ValidString(clip(tc.in)) {
			t.Errorf("%s: clip broke a rune", tc.name)
		}
	}
	// Fields clips both the path and the message, and leaves the caller's
	// slice alone.
	in := []FieldError{{Field: a + "b", Message: a + "c"}}
	e := Fields(in...)
	if e.Fields[0] != (FieldError{Field: a + "…", Message: a + "…"}) || in[0].Field != a+"b" {
		t.Errorf("Fields clipped to %+v; input now %+v", e.Fields[0], in[0])
	}
}

// Capped bounds field errors of an *Error built by hand, keeping order.
func TestCapped(t *testing.T) {
	t.Parallel()
	many := make([]FieldError, MaxFields+7)
	for i := range many {
		many[i] = FieldError{Field: fmt.Sprint(i)}
	}
	for _, tc := range []struct {
		fields []FieldError
		want   int
	}{
		{nil, 0},
		{many[:1], 1},
		{many[:MaxFields], MaxFields},
		{many[:MaxFields+1], MaxFields},
		{many, MaxFields},
	} {
		got := (&Error{Code: Invalid, Fields: tc.fields}).Capped()
		if len(got) != tc.want {
			t.Errorf("Capped of %d = %d, want %d", len(tc.fields), len(got), tc.want)
		}
		for i := range got {
			if got[i] != many[i] {
				t.Errorf("Capped #%d = %+v, want %+v", i, got[i], many[i])
			}
		}
	}
}

// A field error goes over the wire as {"field","message"}.
func TestFieldErrorJSON(t *testing.T) {
	t.Parallel()
	b, err := json.Marshal(Field("preferredRoomCategories.3", "is not a category").Fields)
	if err != nil {
		t.Fatal(err)
	}
	if want := `[{"field":"preferredRoomCategories.3","message":"is not a category"}]`; string(b) != want {
		t.Errorf("JSON %s, want %s", b, want)
	}
}

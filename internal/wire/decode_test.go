package wire

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/bodydouble/bodydouble/internal/apperr"
)

// decodeErr decodes body into v strictly and returns the one field error
// a client would get, or nil when the body is accepted.
func decodeErr(body string, v any) *apperr.FieldError {
	err := DecodeStrict([]byte(body), v)
	if err == nil {
		return nil
	}
	e := DecodeError(err)
	if e.Code != apperr.Invalid || len(e.Fields) != 1 {
		return &apperr.FieldError{Field: "?", Message: e.Error()}
	}
	return &e.Fields[0]
}

// What a client gets for each kind of bad body: one `invalid` field error
// naming the field (dotted into nested objects) and what it must be.
func TestDecodeErrors(t *testing.T) {
	t.Parallel()
	room := func() any { return &CreateRoomInput{} }
	prefs := func() any { return &PreferencesInput{} }
	session := func() any { return &UpdateSessionInput{} }
	for _, tc := range []struct {
		name, body    string
		into          func() any
		field, reason string
	}{
		// Not JSON, or not one JSON value.
		{"empty", ``, room, "body", "is not valid JSON"},
		{"cut short", `{"name":"a"`, room, "body", "is not valid JSON"},
		{"bad syntax", `{name:"a"}`, room, "body", "is not valid JSON"},
		{"trailing comma", `{"name":"a",}`, room, "body", "is not valid JSON"},
		{"trailing garbage", `{"name":"a"} x`, room, "body", "unexpected data after the JSON value"},
		{"two values", `{"name":"a"}{}`, room, "body", "unexpected data after the JSON value"},
		// The body is not an object.
		{"list body", `[]`, room, "body", "must be an object"},
		{"string body", `"x"`, room, "body", "must be an object"},
		{"number body", `1`, prefs, "body", "must be an object"},
		// Unknown fields, at the top and inside objects that decode themselves.
		{"unknown field", `{"name":"a","colour":"red"}`, room, "colour", "is not a field we know"},
		{"field of another input", `{"goals":[]}`, room, "goals", "is not a field we know"},
		{"unknown nested field", `{"notificationSettings":{"sound":true,"email":true}}`, prefs, "notificationSettings.email", "is not a field we know"},
		{"unknown field deeper in", `{"accessibilitySettings":{"fontSize":2}}`, prefs, "accessibilitySettings.fontSize", "is not a field we know"},
		// Values of the wrong type say what they must be.
		{"number for a string", `{"name":1}`, room, "name", "must be a string"},
		{"object for a string", `{"description":{}}`, room, "description", "must be a string"},
		{"string for a number", `{"maxCapacity":"8"}`, room, "maxCapacity", "must be a number"},
		{"fraction for an integer", `{"maxCapacity":1.5}`, room, "maxCapacity", "must be a number"},
		{"integer written as a fraction", `{"maxCapacity":8.0}`, room, "maxCapacity", "must be a number"},
		{"number too big", `{"maxCapacity":99999999999999999999}`, room, "maxCapacity", "must be a number"},
		{"string for a bool", `{"shareGoals":"yes"}`, session, "shareGoals", "must be true or false"},
		{"string for a list", `{"goals":"read"}`, session, "goals", "must be a list"},
		{"number in a list of strings", `{"goals":["read",2]}`, session, "goals", "must be a string"},
		{"list for an object", `{"notificationSettings":[]}`, prefs, "notificationSettings", "must be an object"},
		{"nested wrong type", `{"notificationSettings":{"sound":"yes"}}`, prefs, "notificationSettings.sound", "must be true or false"},
		{"nested wrong type, string", `{"accessibilitySettings":{"reducedMotion":1}}`, prefs, "accessibilitySettings.reducedMotion", "must be a string"},
		{"nested list of the wrong type", `{"preferredRoomCategories":"study"}`, prefs, "preferredRoomCategories", "must be a list"},
	} {
		got := decodeErr(tc.body, tc.into())
		want := apperr.FieldError{Field: tc.field, Message: tc.reason}
		if got == nil || *got != want {
			t.Errorf("%s: %s gave %+v, want %+v", tc.name, tc.body, got, want)
		}
	}
}

// Well-formed bodies are accepted, whitespace and null included.
func TestDecodeStrictAccepts(t *testing.T) {
	t.Parallel()
	for _, body := range []string{
		`{}`,
		`null`,
		" \n\t{\"name\":\"Deep work\"} \n",
		`{"name":"a","description":null,"category":"study","maxCapacity":8,"micPolicy":"open"}`,
		`{"maxCapacity":-1}`,
	} {
		var v CreateRoomInput
		if got := decodeErr(body, &v); got != nil {
			t.Errorf("%q refused: %+v", body, got)
		}
	}
}

// DecodeError also names the field of errors that did not pass through
// DecodeStrict (a plain decoder refusing unknown fields), and never lets
// another error escape as anything but `invalid` about the body.
func TestDecodeErrorOfOtherErrors(t *testing.T) {
	t.Parallel()
	dec := json.NewDecoder(strings.NewReader(`{"nope":1}`))
	dec.DisallowUnknownFields()
	var v CreateRoomInput
	plain := dec.Decode(&v)
	if plain == nil {
		t.Fatal("a plain strict decoder accepted an unknown field")
	}
	for _, tc := range []struct {
		name string
		err  error
		want apperr.FieldError
	}{
		{"plain unknown field", plain, apperr.FieldError{Field: "nope", Message: "is not a field we know"}},
		{"other error", errors.New("too deep"), apperr.FieldError{Field: "body", Message: "too deep"}},
		{"syntax error", json.Unmarshal([]byte(`{`), &v), apperr.FieldError{Field: "body", Message: "is not valid JSON"}},
	} {
		e := DecodeError(tc.err)
		if e.Code != apperr.Invalid || len(e.Fields) != 1 || e.Fields[0] != tc.want {
			t.Errorf("%s: DecodeError(%v) = %+v, want %+v", tc.name, tc.err, e, tc.want)
		}
	}
}

// An unknown field's name is the client's own text: the answer echoes it
// clipped, so a huge key cannot make a huge answer.
func TestDecodeErrorClipsAnEchoedKey(t *testing.T) {
	t.Parallel()
	key := strings.Repeat("k", 10_000)
	got := decodeErr(`{"`+key+`":1}`, &CreateRoomInput{})
	if got == nil || !strings.HasPrefix(got.Field, "kkk") || len(got.Field) > 300 {
		t.Fatalf("a 10,000-byte unknown key gave %+v", got)
	}
}

// Names and goals are plain text: no control characters.
func TestValidText(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		in   string
		want bool
	}{
		{"", true},
		{"Quiet Heron", true},
		{"Café ☕ 学习 🦦", true},
		{"tab\tinside", false},
		{"new\nline", false},
		{"carriage\rreturn", false},
		{"nul\x00", false},
		{"escape\x1b[31m", false},
		{"delete\x7f", false},
		{"\x1f", false},
		{" ", true},
		{"~", true},
		{"next\u0085line", false},
		{"csi\u009b", false},
		{"right\u202eto left", false},
		{"\u2066isolate\u2069", false},
		{"mark\u200f", false},
		{"line\u2028separator", false},
		{"bad \xff", false},
		{"שלום محمد", true},
	} {
		if got := ValidText(tc.in); got != tc.want {
			t.Errorf("ValidText(%q) = %v, want %v", tc.in, got, tc.want)
		}
	}
}

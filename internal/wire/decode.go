package wire

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"reflect"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/bodydouble/bodydouble/internal/apperr"
)

// DecodeStrict decodes one JSON value from b into v, refusing unknown
// fields and trailing data, so nested inputs follow the same rules as the
// request body around them.
func DecodeStrict(b []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return unknownFieldError(err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return errors.New("unexpected data after the JSON value")
	}
	return nil
}

// unknownField marks an unknown-field error dressed as a type error.
const unknownField = "unknown field"

// unknownFieldError turns encoding/json's unknown-field error into an
// *json.UnmarshalTypeError, the one error type to which an enclosing
// decoder adds the path: a nested value decoded by its own UnmarshalJSON
// (users.Optional) then reports "notificationSettings.email", not "email".
func unknownFieldError(err error) error {
	name, ok := strings.CutPrefix(err.Error(), "json: unknown field ")
	if !ok {
		return err
	}
	return &json.UnmarshalTypeError{Value: unknownField, Type: reflect.TypeFor[struct{}](), Field: strings.Trim(name, `"`)}
}

// DecodeError turns a JSON decoding error into an `invalid` error naming
// the field where it can.
func DecodeError(err error) *apperr.Error {
	var typeErr *json.UnmarshalTypeError
	var syntaxErr *json.SyntaxError
	switch {
	case errors.As(err, &typeErr) && typeErr.Value == unknownField:
		return apperr.Field(typeErr.Field, "is not a field we know")
	case errors.As(err, &typeErr):
		field := typeErr.Field
		if field == "" {
			field = "body"
		}
		return apperr.Field(field, fmt.Sprintf("must be %s", jsonKind(typeErr.Type.Kind().String())))
	case errors.As(err, &syntaxErr), errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, io.EOF):
		return apperr.Field("body", "is not valid JSON")
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		name := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
		return apperr.Field(name, "is not a field we know")
	}
	return apperr.Field("body", err.Error())
}

func jsonKind(goKind string) string {
	switch goKind {
	case "string":
		return "a string"
	case "bool":
		return "true or false"
	case "slice", "array":
		return "a list"
	case "struct", "map":
		return "an object"
	case "ptr":
		return "a value of another type"
	}
	return "a number"
}

// ValidText reports whether s is UTF-8 with no control characters (C0,
// DEL and C1), line or paragraph separators, or bidi controls, so names
// and goals display as plain text and cannot reorder the text around them.
// Text others see is held to more (package textrules).
func ValidText(s string) bool {
	if !utf8.ValidString(s) {
		return false
	}
	for _, r := range s {
		if unicode.In(r, unicode.Cc, unicode.Zl, unicode.Zp, unicode.Bidi_Control) {
			return false
		}
	}
	return true
}

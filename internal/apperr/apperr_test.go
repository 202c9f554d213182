package apperr

import (
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestFieldsListsTheFirstTwentyInOrder(t *testing.T) {
	t.Parallel()
	var in []FieldError
	for i := range 12_000 {
		in = append(in, FieldError{Field: "preferredRoomCategories." + strconv.Itoa(i), Message: "Unknown category."})
	}
	e := Fields(in...)
	if len(e.Fields) != MaxFields {
		t.Fatalf("%d field errors, want %d", len(e.Fields), MaxFields)
	}
	for i, f := range e.Fields {
		if f != in[i] {
			t.Fatalf("field error %d is %+v, want %+v", i, f, in[i])
		}
	}
	if !strings.Contains(e.Message, "first 20 of 12000") {
		t.Errorf("message %q does not say that some were left out", e.Message)
	}
	if few := Fields(in[:3]...); len(few.Fields) != 3 || strings.Contains(few.Message, "first") {
		t.Errorf("3 field errors became %+v", few)
	}
}

func TestFieldsClipsEchoedText(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("é", 10_000) // two bytes each: a cut can fall inside one
	e := Field(long, long)
	for _, s := range []string{e.Fields[0].Field, e.Fields[0].Message} {
		if len(s) > maxFieldText+len("…") || !utf8.ValidString(s) || !strings.HasPrefix(long, strings.TrimSuffix(s, "…")) {
			t.Fatalf("clipped to %d bytes, valid UTF-8 %v", len(s), utf8.ValidString(s))
		}
	}
}

func TestCappedBoundsHandBuiltErrors(t *testing.T) {
	t.Parallel()
	e := &Error{Code: Invalid, Fields: make([]FieldError, 50)}
	if n := len(e.Capped()); n != MaxFields {
		t.Fatalf("Capped kept %d", n)
	}
}

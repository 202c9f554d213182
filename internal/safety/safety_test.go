package safety

import (
	"errors"
	"strings"
	"testing"

	"github.com/bodydouble/bodydouble/internal/apperr"
	"github.com/bodydouble/bodydouble/internal/wire"
)

const (
	me    = "11111111-1111-4111-8111-111111111111"
	other = "22222222-2222-4222-8222-222222222222"
)

func ptr[T any](v T) *T { return &v }

// TestCheckReport is the validation of a report, one row per rule.
func TestCheckReport(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name   string
		in     wire.ReportInput
		fields []string // the invalid fields, none for a valid report
	}{
		{"a minimal report", wire.ReportInput{UserID: other, Reason: "spam"}, nil},
		{"every reason is one of the list", wire.ReportInput{UserID: other, Reason: "self-harm"}, nil},
		{"with room and note", wire.ReportInput{UserID: other, RoomID: ptr(other), Reason: "hate", Note: ptr("line one\nline two")}, nil},
		{"a note of 500 characters", wire.ReportInput{UserID: other, Reason: "other", Note: ptr(strings.Repeat("é", 500))}, nil},
		{"a note of 501 characters", wire.ReportInput{UserID: other, Reason: "other", Note: ptr(strings.Repeat("é", 501))}, []string{"note"}},
		{"a bidi override in the note", wire.ReportInput{UserID: other, Reason: "other", Note: ptr("a\u202eb")}, []string{"note"}},
		{"a tab in the note", wire.ReportInput{UserID: other, Reason: "other", Note: ptr("a\tb")}, []string{"note"}},
		{"an unknown reason", wire.ReportInput{UserID: other, Reason: "rude"}, []string{"reason"}},
		{"no reason", wire.ReportInput{UserID: other}, []string{"reason"}},
		{"yourself", wire.ReportInput{UserID: me, Reason: "spam"}, []string{"userId"}},
		{"no one", wire.ReportInput{Reason: "spam"}, []string{"userId"}},
		{"a malformed room", wire.ReportInput{UserID: other, RoomID: ptr("r1"), Reason: "spam"}, []string{"roomId"}},
		{"everything wrong at once", wire.ReportInput{UserID: "x", RoomID: ptr(""), Reason: "", Note: ptr("\x00")}, []string{"userId", "roomId", "reason", "note"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := checkReport(me, tc.in)
			if tc.fields == nil {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				return
			}
			var e *apperr.Error
			if !errors.As(err, &e) || e.Code != apperr.Invalid {
				t.Fatalf("got %v, want invalid", err)
			}
			var got []string
			for _, f := range e.Fields {
				got = append(got, f.Field)
			}
			if strings.Join(got, ",") != strings.Join(tc.fields, ",") {
				t.Fatalf("fields %v, want %v", got, tc.fields)
			}
		})
	}
}

func TestCheckOther(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		id string
		ok bool
	}{{other, true}, {me, false}, {"", false}, {"not-a-uuid", false}} {
		if err := checkOther(me, tc.id); (err == nil) != tc.ok {
			t.Errorf("checkOther(%q) = %v, want ok %v", tc.id, err, tc.ok)
		}
	}
}

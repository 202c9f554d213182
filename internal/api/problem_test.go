package api

import (
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/bodydouble/bodydouble/internal/apperr"
)

// TestInvalidAnswersListAtMostTwentyFieldErrors sends thousands of bad
// entries and checks that the answer names only the first 20, in order,
// and is far smaller than the request (it was 14 times larger).
func TestInvalidAnswersListAtMostTwentyFieldErrors(t *testing.T) {
	eachBackend(t, func(t *testing.T, e *testEnv) {
		me := e.signup(t)
		bad := make([]string, 5_000)
		for i := range bad {
			bad[i] = "nope" + strconv.Itoa(i)
		}
		body := `{"preferredRoomCategories":["` + strings.Join(bad, `","`) + `"]}`
		r := me.do(t, "PUT", "/api/users/preferences", body).want(t, http.StatusBadRequest)
		var p struct {
			Code    string              `json:"code"`
			Message string              `json:"message"`
			Errors  []apperr.FieldError `json:"errors"`
		}
		r.decode(t, &p)
		if p.Code != apperr.Invalid || len(p.Errors) != apperr.MaxFields {
			t.Fatalf("code %q with %d field errors, want invalid with %d", p.Code, len(p.Errors), apperr.MaxFields)
		}
		for i, f := range p.Errors {
			if want := "preferredRoomCategories." + strconv.Itoa(i); f.Field != want {
				t.Fatalf("field error %d names %q, want %q", i, f.Field, want)
			}
		}
		if len(r.body) > len(body)/10 {
			t.Fatalf("a %d-byte request got a %d-byte answer", len(body), len(r.body))
		}
		// Nothing was changed.
		var prefs struct {
			PreferredRoomCategories []string `json:"preferredRoomCategories"`
		}
		me.do(t, "GET", "/api/users/preferences", nil).want(t, http.StatusOK).decode(t, &prefs)
		if len(prefs.PreferredRoomCategories) != 0 {
			t.Fatalf("preferences changed to %v", prefs.PreferredRoomCategories)
		}
	})
}

package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/bodydouble/bodydouble/internal/apperr"
	"github.com/bodydouble/bodydouble/internal/wire"
)

// maxFieldErrors is the most field errors an answer may carry (issue 9).
const maxFieldErrors = 20

// FuzzDecodeBody feeds any body to decode, into every type a REST handler
// decodes, as the middleware hands it over (at most maxBody bytes). It must
// not panic, must answer with an `invalid` (or `too_large`) error or
// nothing, must name at most maxFieldErrors fields, and its answer must not
// be much bigger than the body (no amplification).
func FuzzDecodeBody(f *testing.F) {
	for _, s := range []string{
		`{"name":"A","category":"study"}`, `{"name":"A","category":"study","maxCapacity":8,"micPolicy":"open","description":null}`,
		`{"roomId":"ebfa69f5-e9af-5e32-968e-b73ab67a22aa","goals":["a","b"],"shareGoals":true}`,
		`{"progress":50,"goals":null}`, `{"achievements":["done"],"rating":5}`,
		`{"displayName":"Ada","avatarUrl":null}`, `{"displayName":{"x":1}}`,
		`{"workStyle":"quiet","preferredRoomCategories":["study"],"notificationSettings":{"email":true},"accessibilitySettings":{"reducedMotion":"reduce"}}`,
		`{"notificationSettings":{"email":1}}`, `{"notificationSettings":{"bogus":true}}`,
		``, ` `, `null`, `[]`, `["Room"]`, `{"name":`, `{"name":"A"} {}`, `{"a":1,"a":2}`, `{"name":"A","name":"B"}`,
		`{"maxCapacity":1e400}`, `{"maxCapacity":-0.5}`, `{"rating":99999999999999999999}`, `{"goals":[1,2,3]}`,
		"{\"name\":\"\xff\"}", `{"name":"\ud800"}`, `{"` + string(bytes.Repeat([]byte("k"), 300)) + `":1}`,
		string(bytes.Repeat([]byte("["), 10000)), `{"goals":` + string(bytes.Repeat([]byte("["), 5000)) + `}`,
	} {
		f.Add([]byte(s))
	}
	targets := []func() any{
		func() any { return &wire.CreateRoomInput{} },
		func() any { return &wire.StartSessionInput{} },
		func() any { return &wire.UpdateSessionInput{} },
		func() any { return &wire.CompleteSessionInput{} },
		func() any { return &wire.ProfileInput{} },
		func() any { return &wire.PreferencesInput{} },
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		for _, target := range targets {
			r := httptest.NewRequest("POST", "/api/x", bytes.NewReader(body))
			r.Body = http.MaxBytesReader(httptest.NewRecorder(), r.Body, maxBody)
			v := target()
			err := decode(r, v)
			if err == nil {
				if !json.Valid(bytes.TrimSpace(body)) {
					t.Fatalf("%T accepted a body that is not JSON: %q", v, body)
				}
				continue
			}
			var e *apperr.Error
			if !errors.As(err, &e) || (e.Code != apperr.Invalid && e.Code != apperr.TooLarge) {
				t.Fatalf("%T: %v, want invalid or too_large", v, err)
			}
			if len(e.Fields) > maxFieldErrors {
				t.Fatalf("%T: %d field errors", v, len(e.Fields))
			}
			answer, _ := json.Marshal(map[string]any{"code": e.Code, "message": e.Message, "errors": e.Fields})
			if len(answer) > len(body)+512 {
				t.Fatalf("%T: a %d-byte body got a %d-byte answer: %s", v, len(body), len(answer), answer)
			}
		}
	})
}

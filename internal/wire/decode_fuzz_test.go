package wire

import (
	"encoding/json"
	"errors"
	"testing"

	"github.com/bodydouble/bodydouble/internal/apperr"
)

// strictTarget has the shapes REST inputs have: strings, numbers, lists,
// pointers and a nested object that decodes itself.
type strictTarget struct {
	Name   string            `json:"name"`
	Count  *int              `json:"count"`
	Items  []string          `json:"items"`
	Flag   *bool             `json:"flag"`
	Nested *strictNested     `json:"nested"`
	Time   *Time             `json:"time"`
	Map    map[string]string `json:"map"`
}

type strictNested struct {
	Inner int `json:"inner"`
}

// UnmarshalJSON decodes strictly, as users.Optional does, so paths of
// nested errors are exercised.
func (n *strictNested) UnmarshalJSON(b []byte) error {
	type plain strictNested
	return DecodeStrict(b, (*plain)(n))
}

// FuzzDecodeStrict holds DecodeStrict and DecodeError to their promises on
// any bytes: no panic; what DecodeStrict accepts is valid JSON (it never
// accepts more than encoding/json would); and every error becomes one
// `invalid` field error whose answer is not much bigger than the input.
func FuzzDecodeStrict(f *testing.F) {
	for _, s := range []string{
		`{"name":"a","count":1,"items":["x"],"flag":true,"nested":{"inner":2},"time":"2025-01-01T00:00:00Z","map":{"k":"v"}}`,
		`{}`, `null`, `{"name":1}`, `{"bogus":1}`, `{"nested":{"bogus":1}}`, `{"nested":{"inner":"x"}}`, `{"count":1.5}`,
		`{"time":"yesterday"}`, `{"name":"a"} x`, `{"name":"a"}{}`, `{"items":[1]}`, `{"map":{"k":1}}`, `{`, `"`, ``,
		`{"name":"\u0000"}`, "{\"name\":\"\xff\"}", `{"count":1e999}`, `[[[[[[[[[[[[[[[[[[[[`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		var v strictTarget
		err := DecodeStrict(b, &v)
		if err == nil {
			if !json.Valid(b) {
				t.Fatalf("accepted %q, which is not JSON", b)
			}
			return
		}
		e := DecodeError(err)
		var ae *apperr.Error
		if !errors.As(e, &ae) || ae.Code != apperr.Invalid || len(ae.Fields) != 1 {
			t.Fatalf("DecodeError(%v) = %+v, want one invalid field", err, e)
		}
		answer, _ := json.Marshal(ae.Fields)
		if len(answer) > len(b)+512 {
			t.Fatalf("a %d-byte input got a %d-byte answer: %s", len(b), len(answer), answer)
		}
	})
}

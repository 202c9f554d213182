package users_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/bodydouble/bodydouble/internal/apperr"
	"github.com/bodydouble/bodydouble/internal/store/storetest"
	"github.com/bodydouble/bodydouble/internal/textrules"
	"github.com/bodydouble/bodydouble/internal/users"
	"github.com/bodydouble/bodydouble/internal/wire"
)

// A refused display name says why, and the operator's list (WithText)
// refuses its terms too, until they leave it.
func TestDisplayNameSaysWhy(t *testing.T) {
	t.Parallel()
	st := storetest.Backends()[0].Open(t)
	rules := textrules.New()
	rules.SetExtra([]string{"grindset"})
	s := users.New(st, func() time.Time { return at }).WithText(rules)
	ctx := context.Background()
	id := person(t, st)
	for _, tc := range []struct{ in, says string }{
		{"Staff", "staff name"},
		{"Gr\u200bace", "invisible"},
		{"Grindset Greg", `Leave out "grindset"`},
		{strings.Repeat("a", 51), "1 to 50 characters"},
	} {
		_, err := s.UpdateProfile(ctx, id, wire.ProfileInput{DisplayName: set(tc.in)})
		var e *apperr.Error
		if !errors.As(err, &e) || len(e.Fields) != 1 || e.Fields[0].Field != "displayName" || !strings.Contains(e.Fields[0].Message, tc.says) {
			t.Fatalf("%q: %v, want displayName saying %q", tc.in, err, tc.says)
		}
	}
	rules.SetExtra(nil)
	if u, err := s.UpdateProfile(ctx, id, wire.ProfileInput{DisplayName: set("Grindset Greg")}); err != nil || u.DisplayName != "Grindset Greg" {
		t.Fatalf("after the term left the list: %+v, %v", u, err)
	}
}

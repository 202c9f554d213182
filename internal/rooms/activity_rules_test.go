package rooms_test

import (
	"slices"
	"testing"
	"time"
)

// Joining a room is activity: retention (package jobs) erases only those
// with none for --retain-inactive. Join and QuickJoin both count.
func TestJoinMarksActiveRules(t *testing.T) {
	t.Parallel()
	eachBackend(t, func(t *testing.T, e *env) {
		joiner, quick, idle := e.user(), e.user(), e.user()
		r := e.room(idle, 4, "muted")
		e.clock.Advance(400 * 24 * time.Hour)
		e.join(r.ID, joiner)
		if _, err := e.s.QuickJoin(e.ctx, quick, none); err != nil {
			t.Fatal(err)
		}
		// A year after start: only the one who never joined is inactive.
		got, err := e.st.InactiveUsers(e.ctx, start.Add(365*24*time.Hour), 10)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(got, []string{idle}) {
			t.Fatalf("inactive after the joins: %v, want only %s", got, idle)
		}
	})
}

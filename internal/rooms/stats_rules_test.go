package rooms_test

import (
	"maps"
	"testing"
	"time"

	"github.com/bodydouble/bodydouble/internal/wire"
)

// How a focus session of a stats case ends.
const (
	completes = "completes" // CompleteSession
	leaves    = "leaves"    // the person leaves the room: ended, not completed
	runs      = "runs"      // still running
)

// focus is one session of a stats case: it starts at (UTC) and lasts.
type focus struct {
	at    time.Time
	lasts time.Duration
	end   string
}

// day returns 2030-01-dd hh:mm UTC; 2030-01-07 is a Monday.
func day(dd, hh, mm int) time.Time { return time.Date(2030, 1, dd, hh, mm, 0, 0, time.UTC) }

// Stats: minutes this week (from Monday, in the person's time zone), the
// streak of days with focus ending today or yesterday, the completion rate
// of ended sessions, and 14 days of minutes, oldest first; days are the
// person's calendar days, and sessions count on the day they started.
func TestStatsRules(t *testing.T) {
	t.Parallel()
	wednesdayNoon := day(9, 12, 0)
	tokyo, err := time.LoadLocation("Asia/Tokyo")
	if err != nil {
		t.Skip("no time zone database:", err)
	}
	la, err := time.LoadLocation("America/Los_Angeles")
	if err != nil {
		t.Skip("no time zone database:", err)
	}
	tests := []struct {
		name      string
		loc       *time.Location
		now       time.Time
		sessions  []focus
		week      int
		streak    int
		done, all int
		days      map[string]int // the non-zero days of the 14
	}{
		{"nothing", time.UTC, wednesdayNoon, nil, 0, 0, 0, 0, map[string]int{}},
		{"today", time.UTC, wednesdayNoon, []focus{{day(9, 10, 0), 30 * time.Minute, completes}},
			30, 1, 1, 1, map[string]int{"2030-01-09": 30}},
		{"whole minutes", time.UTC, wednesdayNoon, []focus{{day(9, 10, 0), 30*time.Minute + 59*time.Second, completes}},
			30, 1, 1, 1, map[string]int{"2030-01-09": 30}},
		{"yesterday keeps the streak", time.UTC, wednesdayNoon,
			[]focus{{day(7, 9, 0), 25 * time.Minute, completes}, {day(8, 9, 0), 25 * time.Minute, completes}},
			50, 2, 2, 2, map[string]int{"2030-01-07": 25, "2030-01-08": 25}},
		{"a day without focus breaks it", time.UTC, wednesdayNoon,
			[]focus{{day(7, 9, 0), 20 * time.Minute, completes}, {day(9, 9, 0), 20 * time.Minute, completes}},
			40, 1, 2, 2, map[string]int{"2030-01-07": 20, "2030-01-09": 20}},
		{"two days ago is no streak", time.UTC, wednesdayNoon, []focus{{day(7, 9, 0), 20 * time.Minute, completes}},
			20, 0, 1, 1, map[string]int{"2030-01-07": 20}},
		{"the streak reaches into last week, the week's minutes do not", time.UTC, wednesdayNoon,
			[]focus{{day(6, 9, 0), 40 * time.Minute, completes}, {day(7, 9, 0), 10 * time.Minute, completes}, {day(8, 9, 0), 5 * time.Minute, completes}},
			15, 3, 3, 3, map[string]int{"2030-01-06": 40, "2030-01-07": 10, "2030-01-08": 5}},
		{"sessions of one day add up", time.UTC, wednesdayNoon,
			[]focus{{day(9, 8, 0), 10 * time.Minute, completes}, {day(9, 9, 0), 15 * time.Minute, leaves}},
			25, 1, 1, 2, map[string]int{"2030-01-09": 25}},
		{"the completion rate counts ended sessions only", time.UTC, wednesdayNoon,
			[]focus{{day(8, 8, 0), time.Minute, completes}, {day(8, 9, 0), time.Minute, completes}, {day(8, 10, 0), time.Minute, completes},
				{day(8, 11, 0), time.Minute, leaves}, {day(9, 11, 0), 30 * time.Minute, runs}},
			4, 1, 3, 4, map[string]int{"2030-01-08": 4}},
		{"a session under a minute is no day of focus", time.UTC, wednesdayNoon,
			[]focus{{day(8, 9, 0), 20 * time.Minute, completes}, {day(9, 9, 0), 30 * time.Second, completes}},
			20, 1, 2, 2, map[string]int{"2030-01-08": 20}},
		{"the 14 days: 13 days ago is the first", time.UTC, wednesdayNoon,
			[]focus{{day(9, 9, 0).AddDate(0, 0, -13), 7 * time.Minute, completes}, {day(9, 9, 0).AddDate(0, 0, -14), 9 * time.Minute, completes}},
			0, 0, 2, 2, map[string]int{"2029-12-27": 7}},
		{"over 400 days ago is forgotten", time.UTC, wednesdayNoon,
			[]focus{{wednesdayNoon.AddDate(0, 0, -399), 5 * time.Minute, completes}, {wednesdayNoon.AddDate(0, 0, -401), 5 * time.Minute, completes}},
			0, 0, 1, 1, map[string]int{}},
		// 23:30 UTC on Tuesday is Wednesday morning in Tokyo and Tuesday
		// afternoon in Los Angeles.
		{"late Tuesday in UTC", time.UTC, wednesdayNoon, []focus{{day(8, 23, 30), 20 * time.Minute, completes}},
			20, 1, 1, 1, map[string]int{"2030-01-08": 20}},
		{"late Tuesday in UTC is Wednesday in Tokyo", tokyo, wednesdayNoon, []focus{{day(8, 23, 30), 20 * time.Minute, completes}},
			20, 1, 1, 1, map[string]int{"2030-01-09": 20}},
		{"late Tuesday in UTC is Tuesday in Los Angeles", la, wednesdayNoon, []focus{{day(8, 23, 30), 20 * time.Minute, completes}},
			20, 1, 1, 1, map[string]int{"2030-01-08": 20}},
		// Sunday 20:00 UTC is Monday 05:00 in Tokyo: this week there.
		{"Sunday evening in UTC is last week", time.UTC, wednesdayNoon, []focus{{day(6, 20, 0), 30 * time.Minute, completes}},
			0, 0, 1, 1, map[string]int{"2030-01-06": 30}},
		{"Sunday evening in UTC is this week in Tokyo", tokyo, wednesdayNoon, []focus{{day(6, 20, 0), 30 * time.Minute, completes}},
			30, 0, 1, 1, map[string]int{"2030-01-07": 30}},
		// Wednesday 05:00 UTC is still Tuesday in Los Angeles, where
		// Tuesday's focus is today's.
		{"today is the person's today", la, day(9, 5, 0), []focus{{day(8, 18, 0), 10 * time.Minute, completes}},
			10, 1, 1, 1, map[string]int{"2030-01-08": 10}},
		// On a Monday the week is that one day; Sunday is last week.
		{"on a Monday", time.UTC, day(14, 8, 0), []focus{{day(13, 9, 0), 10 * time.Minute, completes}, {day(14, 7, 0), 30 * time.Minute, completes}},
			30, 2, 2, 2, map[string]int{"2030-01-13": 10, "2030-01-14": 30}},
	}
	eachBackend(t, func(t *testing.T, e *env) {
		owner := e.user()
		r := e.room(owner, 50, "muted")
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				me := e.user()
				for _, f := range tc.sessions {
					e.clock.Set(f.at)
					e.join(r.ID, me)
					s := e.session(me, r.ID, false)
					e.clock.Set(f.at.Add(f.lasts))
					var err error
					switch f.end {
					case completes:
						_, err = e.s.CompleteSession(e.ctx, me, s.ID, wire.CompleteSessionInput{}, none)
					case leaves:
						_, _, err = e.s.Leave(e.ctx, me, r.ID, none)
					}
					if err != nil {
						t.Fatal(err)
					}
				}
				e.clock.Set(tc.now)
				st, err := e.s.Stats(e.ctx, me, tc.loc)
				if err != nil {
					t.Fatal(err)
				}
				rate := 0.0
				if tc.all > 0 {
					rate = float64(tc.done) / float64(tc.all)
				}
				if st.WeekMinutes != tc.week || st.StreakDays != tc.streak || st.CompletedCount != tc.done || st.TotalCount != tc.all || st.CompletionRate != rate {
					t.Fatalf("week %d streak %d completed %d of %d (rate %v); want week %d streak %d completed %d of %d (rate %v)",
						st.WeekMinutes, st.StreakDays, st.CompletedCount, st.TotalCount, st.CompletionRate, tc.week, tc.streak, tc.done, tc.all, rate)
				}
				if len(st.Days) != 14 {
					t.Fatalf("%d days, want 14", len(st.Days))
				}
				today := tc.now.In(tc.loc)
				got := map[string]int{}
				for i, d := range st.Days {
					if want := today.AddDate(0, 0, i-13).Format(time.DateOnly); d.Date != want {
						t.Fatalf("day %d is %s, want %s", i, d.Date, want)
					}
					if d.Minutes != 0 {
						got[d.Date] = d.Minutes
					}
				}
				if !maps.Equal(got, tc.days) {
					t.Fatalf("days with focus %v, want %v", got, tc.days)
				}
			})
		}
	})
}

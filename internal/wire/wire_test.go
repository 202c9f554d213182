package wire

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/bodydouble/bodydouble/internal/model"
)

// at is a fixed instant with milliseconds and more, so that the format's
// truncation shows.
var at = time.Date(2025, 3, 12, 9, 0, 5, 123_456_789, time.UTC)

func ptr[T any](v T) *T { return &v }

// golden marshals v and compares it with want byte for byte: the JSON
// clients see is the contract (docs/api.md "Shared vocabulary").
func golden(t *testing.T, name string, v any, want string) {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	if string(b) != want {
		t.Errorf("%s:\n got %s\nwant %s", name, b, want)
	}
}

// Times are RFC 3339 in UTC with exactly three digits of milliseconds
// (cut, not rounded) and a Z, whatever zone they were made in.
func TestTimeMarshal(t *testing.T) {
	t.Parallel()
	paris := time.FixedZone("CET", 3600)
	for _, tc := range []struct {
		name string
		in   time.Time
		want string
	}{
		{"whole second", time.Date(2025, 3, 12, 9, 0, 0, 0, time.UTC), `"2025-03-12T09:00:00.000Z"`},
		{"nanoseconds cut to milliseconds", at, `"2025-03-12T09:00:05.123Z"`},
		{"999.9 ms is not rounded up", time.Date(2025, 3, 12, 9, 0, 0, 999_900_000, time.UTC), `"2025-03-12T09:00:00.999Z"`},
		{"another zone becomes UTC", time.Date(2025, 3, 12, 10, 0, 0, 5_000_000, paris), `"2025-03-12T09:00:00.005Z"`},
		{"across midnight and a year", time.Date(2026, 1, 1, 0, 30, 0, 0, paris), `"2025-12-31T23:30:00.000Z"`},
		{"zero time", time.Time{}, `"0001-01-01T00:00:00.000Z"`},
	} {
		golden(t, tc.name, Time(tc.in), tc.want)
	}
	golden(t, "nil time is null", struct {
		T *Time `json:"t"`
	}{}, `{"t":null}`)
}

// Time reads any RFC 3339 timestamp and nothing else.
func TestTimeUnmarshal(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		in   string
		want time.Time
		ok   bool
	}{
		{`"2025-03-12T09:00:05.123Z"`, time.Date(2025, 3, 12, 9, 0, 5, 123_000_000, time.UTC), true},
		{`"2025-03-12T10:00:00+01:00"`, time.Date(2025, 3, 12, 9, 0, 0, 0, time.UTC), true},
		{`"2025-03-12T09:00:00Z"`, time.Date(2025, 3, 12, 9, 0, 0, 0, time.UTC), true},
		{`"2025-03-12"`, time.Time{}, false},
		{`"yesterday"`, time.Time{}, false},
		{`1741770000000`, time.Time{}, false},
		{`""`, time.Time{}, false},
	} {
		var got Time
		err := json.Unmarshal([]byte(tc.in), &got)
		if (err == nil) != tc.ok || (tc.ok && !time.Time(got).Equal(tc.want)) {
			t.Errorf("Unmarshal(%s) = %v, %v; want %v ok %v", tc.in, time.Time(got), err, tc.want, tc.ok)
		}
	}
	// What is written reads back as the same millisecond.
	b, _ := json.Marshal(Time(at))
	var back Time
	if err := json.Unmarshal(b, &back); err != nil || !time.Time(back).Equal(at.Truncate(time.Millisecond)) {
		t.Errorf("round trip of %v gave %v, %v", at, time.Time(back), err)
	}
}

func TestMillis(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		in   time.Time
		want int64
	}{
		{time.Unix(0, 0), 0},
		{time.Date(2025, 3, 12, 9, 0, 0, 0, time.UTC), 1741770000000},
		{at, 1741770005123},
	} {
		if got := Millis(tc.in); got != tc.want {
			t.Errorf("Millis(%v) = %d, want %d", tc.in, got, tc.want)
		}
	}
}

// Avatars travel as a versioned path, never inline.
func TestAvatarPath(t *testing.T) {
	t.Parallel()
	if p := AvatarPath("u1", nil); p != nil {
		t.Errorf("no version gave %q", *p)
	}
	if p := AvatarPath("u1", ptr("0123456789abcdef")); p == nil || *p != "/api/users/u1/avatar?v=0123456789abcdef" {
		t.Errorf("AvatarPath = %v", p)
	}
}

func TestFromUser(t *testing.T) {
	t.Parallel()
	u := model.User{ID: "u1", AnonymousID: "secret-anon", DisplayName: "Quiet Heron", CreatedAt: at, UpdatedAt: at.Add(time.Hour)}
	golden(t, "without avatar", FromUser(u),
		`{"id":"u1","displayName":"Quiet Heron","avatarUrl":null,"createdAt":"2025-03-12T09:00:05.123Z"}`)
	// The picture itself never goes out, even when the model carries it.
	u.AvatarURL, u.AvatarVersion = ptr("data:image/png;base64,AAAA"), ptr("00ff00ff00ff00ff")
	golden(t, "with avatar", FromUser(u),
		`{"id":"u1","displayName":"Quiet Heron","avatarUrl":"/api/users/u1/avatar?v=00ff00ff00ff00ff","createdAt":"2025-03-12T09:00:05.123Z"}`)
}

func TestFromRoom(t *testing.T) {
	t.Parallel()
	r := model.Room{ID: "r1", Name: "Deep work", Category: "deep-work", MaxCapacity: 8, CurrentCapacity: 3, MicPolicy: "muted", IsActive: true, CreatedAt: at}
	golden(t, "seeded room", FromRoom(r),
		`{"id":"r1","name":"Deep work","description":null,"category":"deep-work","maxCapacity":8,"currentCapacity":3,"micPolicy":"muted","isActive":true,"createdBy":null,"createdAt":"2025-03-12T09:00:05.123Z","timerControl":"owner","cycle":null,"visibility":"public"}`)
	r.Description, r.CreatedBy, r.IsActive, r.MicPolicy = ptr("Shh <b>"), ptr("u1"), false, "open"
	golden(t, "a person's closed room", FromRoom(r),
		`{"id":"r1","name":"Deep work","description":"Shh \u003cb\u003e","category":"deep-work","maxCapacity":8,"currentCapacity":3,"micPolicy":"open","isActive":false,"createdBy":"u1","createdAt":"2025-03-12T09:00:05.123Z","timerControl":"owner","cycle":null,"visibility":"public"}`)
	r.TimerControl, r.Cycle, r.Unlisted = model.TimerAnyone, &model.Cycle{Work: 50, Break: 10}, true
	golden(t, "an unlisted room with a cycle", FromRoom(r),
		`{"id":"r1","name":"Deep work","description":"Shh \u003cb\u003e","category":"deep-work","maxCapacity":8,"currentCapacity":3,"micPolicy":"open","isActive":false,"createdBy":"u1","createdAt":"2025-03-12T09:00:05.123Z","timerControl":"anyone","cycle":{"work":50,"break":10},"visibility":"unlisted"}`)
}

// A session's owner sees goals and achievements always, as lists even
// when there are none; anyone else sees them only when shared.
func TestFromSessionAndPublic(t *testing.T) {
	t.Parallel()
	open := model.Session{ID: "s1", RoomID: "r1", UserID: "u1", StartedAt: at, Progress: 40}
	ended := open
	ended.EndedAt, ended.DurationMinutes, ended.Rating, ended.IsCompleted = ptr(at.Add(25*time.Minute)), ptr(25), ptr(4), true
	ended.Goals, ended.Achievements = []string{"write tests"}, []string{"wrote tests"}
	ended.PlannedMinutes = ptr(25)
	shared := ended
	shared.ShareGoals = true
	const head = `{"id":"s1","roomId":"r1","userId":"u1","startedAt":"2025-03-12T09:00:05.123Z",`
	for _, tc := range []struct {
		name   string
		in     model.Session
		owner  string
		public string
	}{
		{"open, no goals", open,
			head + `"endedAt":null,"durationMinutes":null,"goals":[],"achievements":[],"progress":40,"rating":null,"shareGoals":false,"isCompleted":false,"plannedMinutes":null}`,
			head + `"endedAt":null,"durationMinutes":null,"goals":null,"achievements":null,"progress":40,"rating":null,"shareGoals":false,"isCompleted":false,"plannedMinutes":null}`},
		{"completed, private", ended,
			head + `"endedAt":"2025-03-12T09:25:05.123Z","durationMinutes":25,"goals":["write tests"],"achievements":["wrote tests"],"progress":40,"rating":4,"shareGoals":false,"isCompleted":true,"plannedMinutes":25}`,
			head + `"endedAt":"2025-03-12T09:25:05.123Z","durationMinutes":25,"goals":null,"achievements":null,"progress":40,"rating":4,"shareGoals":false,"isCompleted":true,"plannedMinutes":25}`},
		{"completed, shared", shared,
			head + `"endedAt":"2025-03-12T09:25:05.123Z","durationMinutes":25,"goals":["write tests"],"achievements":["wrote tests"],"progress":40,"rating":4,"shareGoals":true,"isCompleted":true,"plannedMinutes":25}`,
			head + `"endedAt":"2025-03-12T09:25:05.123Z","durationMinutes":25,"goals":["write tests"],"achievements":["wrote tests"],"progress":40,"rating":4,"shareGoals":true,"isCompleted":true,"plannedMinutes":25}`},
	} {
		s := FromSession(tc.in)
		golden(t, tc.name+" (owner)", s, tc.owner)
		golden(t, tc.name+" (public)", s.Public(), tc.public)
		golden(t, tc.name+" (owner, after Public)", s, tc.owner) // Public copies
	}
}

// A tile shows an open session; goals only when shared and present.
func TestFocusOf(t *testing.T) {
	t.Parallel()
	s := model.Session{ID: "s1", RoomID: "r1", UserID: "u1", StartedAt: at, Progress: 10, Goals: []string{"a", "b"}}
	golden(t, "goals private", FocusOf(s), `{"sessionId":"s1","startedAt":"2025-03-12T09:00:05.123Z","plannedMinutes":null,"progress":10}`)
	s.ShareGoals = true
	golden(t, "goals shared", FocusOf(s), `{"sessionId":"s1","startedAt":"2025-03-12T09:00:05.123Z","plannedMinutes":null,"progress":10,"goals":["a","b"]}`)
	s.Goals = nil
	golden(t, "shared, none", FocusOf(s), `{"sessionId":"s1","startedAt":"2025-03-12T09:00:05.123Z","plannedMinutes":null,"progress":10}`)
	s.PlannedMinutes = ptr(50)
	golden(t, "a planned block", FocusOf(s), `{"sessionId":"s1","startedAt":"2025-03-12T09:00:05.123Z","plannedMinutes":50,"progress":10}`)
}

func TestFromParticipant(t *testing.T) {
	t.Parallel()
	p := model.Participant{RoomID: "r1", UserID: "u1", DisplayName: "Calm Otter", Status: "working", JoinedAt: at}
	golden(t, "just joined", FromParticipant(p),
		`{"id":"u1","displayName":"Calm Otter","avatarUrl":null,"status":"working","joinedAt":"2025-03-12T09:00:05.123Z","focus":null,"media":{"camera":false,"mic":false,"watching":false}}`)
	p.Status, p.AvatarVersion, p.Media = "break", ptr("abcdabcdabcdabcd"), model.Media{Camera: true, Watching: true}
	w := FromParticipant(p)
	w.Focus = FocusOf(model.Session{ID: "s1", StartedAt: at, Progress: 5})
	golden(t, "sharing, focused", w,
		`{"id":"u1","displayName":"Calm Otter","avatarUrl":"/api/users/u1/avatar?v=abcdabcdabcdabcd","status":"break","joinedAt":"2025-03-12T09:00:05.123Z","focus":{"sessionId":"s1","startedAt":"2025-03-12T09:00:05.123Z","plannedMinutes":null,"progress":5},"media":{"camera":true,"mic":false,"watching":true}}`)
	p.Media = model.Media{Mic: true}
	golden(t, "mic only", FromParticipant(p).Media, `{"camera":false,"mic":true,"watching":false}`)
}

// A timer as of now: idle has no type; running has endsAt in Unix ms and
// the whole seconds left, rounded up and never below 0; paused keeps what
// was left.
func TestFromTimer(t *testing.T) {
	t.Parallel()
	now := time.Date(2025, 3, 12, 9, 0, 0, 0, time.UTC)
	ends := func(d time.Duration) *time.Time { return ptr(now.Add(d)) }
	endsMs := now.UnixMilli()
	for _, tc := range []struct {
		name string
		in   model.Timer
		want string
	}{
		{"never started", model.Timer{RoomID: "r1"},
			`{"state":"idle","type":null,"duration":0,"remaining":0,"endsAt":null,"by":null,"version":0}`},
		{"idle keeps no type", model.Timer{State: "idle", Type: "work", By: ptr("u1"), Version: 3},
			`{"state":"idle","type":null,"duration":0,"remaining":0,"endsAt":null,"by":"u1","version":3}`},
		{"running, exact seconds", model.Timer{State: "running", Type: "work", Duration: 1500, EndsAt: ends(1500 * time.Second), By: ptr("u1"), Version: 1},
			`{"state":"running","type":"work","duration":1500,"remaining":1500,"endsAt":` + itoa(endsMs+1_500_000) + `,"by":"u1","version":1}`},
		{"running, a millisecond over rounds up", model.Timer{State: "running", Type: "break", Duration: 300, EndsAt: ends(299*time.Second + time.Millisecond), Version: 2},
			`{"state":"running","type":"break","duration":300,"remaining":300,"endsAt":` + itoa(endsMs+299_001) + `,"by":null,"version":2}`},
		{"running, a nanosecond left is a second", model.Timer{State: "running", Type: "work", Duration: 60, EndsAt: ends(time.Nanosecond), Version: 2},
			`{"state":"running","type":"work","duration":60,"remaining":1,"endsAt":` + itoa(endsMs) + `,"by":null,"version":2}`},
		{"running, ends now", model.Timer{State: "running", Type: "work", Duration: 60, EndsAt: ends(0), Version: 2},
			`{"state":"running","type":"work","duration":60,"remaining":0,"endsAt":` + itoa(endsMs) + `,"by":null,"version":2}`},
		{"running, ended already", model.Timer{State: "running", Type: "work", Duration: 60, Remaining: 60, EndsAt: ends(-90 * time.Second), Version: 2},
			`{"state":"running","type":"work","duration":60,"remaining":0,"endsAt":` + itoa(endsMs-90_000) + `,"by":null,"version":2}`},
		{"paused keeps remaining, no endsAt", model.Timer{State: "paused", Type: "work", Duration: 1500, Remaining: 700, EndsAt: ends(time.Hour), By: ptr("u2"), Version: 4},
			`{"state":"paused","type":"work","duration":1500,"remaining":700,"endsAt":null,"by":"u2","version":4}`},
	} {
		golden(t, tc.name, FromTimer(tc.in, now), tc.want)
	}
}

func itoa(n int64) string { b, _ := json.Marshal(n); return string(b) }

// Preferences always carry a list of categories, never null.
func TestFromPreferences(t *testing.T) {
	t.Parallel()
	golden(t, "zero value", FromPreferences(model.Preferences{}),
		`{"workStyle":"","preferredRoomCategories":[],"notificationSettings":{"sound":false,"system":false},"accessibilitySettings":{"reducedMotion":"","highContrast":false,"largerText":false,"theme":""}}`)
	golden(t, "defaults", FromPreferences(model.DefaultPreferences()),
		`{"workStyle":"quiet","preferredRoomCategories":[],"notificationSettings":{"sound":true,"system":false},"accessibilitySettings":{"reducedMotion":"system","highContrast":false,"largerText":false,"theme":"system"}}`)
	golden(t, "set", FromPreferences(model.Preferences{
		WorkStyle: "music", PreferredRoomCategories: []string{"study", "chores"},
		Notifications: model.NotificationSettings{Sound: true, System: true},
		Accessibility: model.AccessibilitySettings{ReducedMotion: "reduce", HighContrast: true, LargerText: true, Theme: "dark"},
	}), `{"workStyle":"music","preferredRoomCategories":["study","chores"],"notificationSettings":{"sound":true,"system":true},"accessibilitySettings":{"reducedMotion":"reduce","highContrast":true,"largerText":true,"theme":"dark"}}`)
}

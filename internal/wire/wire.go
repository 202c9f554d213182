// Package wire holds exactly what goes over the wire: the JSON shapes
// clients see, shared by the REST API and the WebSocket protocol, their
// conversions from the model's types, and the strict decoding of what
// clients send (decode.go). Field names and formats are those of
// docs/api.md "Shared vocabulary"; nothing here reads or writes state.
package wire

import (
	"time"

	"github.com/bodydouble/bodydouble/internal/model"
)

// Time is an RFC 3339 UTC timestamp with milliseconds.
type Time time.Time

// MarshalJSON writes t as "2006-01-02T15:04:05.000Z".
func (t Time) MarshalJSON() ([]byte, error) {
	return []byte(`"` + time.Time(t).UTC().Format("2006-01-02T15:04:05.000Z07:00") + `"`), nil
}

// UnmarshalJSON reads an RFC 3339 timestamp.
func (t *Time) UnmarshalJSON(b []byte) error {
	var v time.Time
	if err := v.UnmarshalJSON(b); err != nil {
		return err
	}
	*t = Time(v)
	return nil
}

func optTime(t *time.Time) *Time {
	if t == nil {
		return nil
	}
	w := Time(*t)
	return &w
}

// Millis is a time as Unix milliseconds.
func Millis(t time.Time) int64 { return t.UnixMilli() }

// User is the public profile of a person.
type User struct {
	ID          string  `json:"id"`
	DisplayName string  `json:"displayName"`
	AvatarURL   *string `json:"avatarUrl"` // AvatarPath, never the picture itself
	CreatedAt   Time    `json:"createdAt"`
	// Role is only ever set on the caller's own user (the session), never
	// on anyone else's.
	Role string `json:"role,omitempty"`
}

// FromUser converts a model user.
func FromUser(u model.User) User {
	return User{ID: u.ID, DisplayName: u.DisplayName, AvatarURL: AvatarPath(u.ID, u.AvatarVersion), CreatedAt: Time(u.CreatedAt)}
}

// AvatarPath is the URL clients get for userID's avatar of the given
// version (model.User.AvatarVersion, kept by the store), or nil without
// one: /api/users/{id}/avatar?v=<version>. Pictures of up to 32 KB never
// travel inline, so that a room snapshot of eight people stays a few KiB
// (a few inline avatars made room-joined too large to deliver); browsers
// fetch each picture once and cache it for good, as v changes whenever
// the picture does. It takes the stored version rather than the picture
// so that building a snapshot never reads or hashes the pictures.
func AvatarPath(userID string, version *string) *string {
	if version == nil {
		return nil
	}
	p := "/api/users/" + userID + "/avatar?v=" + *version
	return &p
}

// Room is a room as clients see it.
type Room struct {
	ID              string  `json:"id"`
	Name            string  `json:"name"`
	Description     *string `json:"description"`
	Category        string  `json:"category"`
	MaxCapacity     int     `json:"maxCapacity"`
	CurrentCapacity int     `json:"currentCapacity"`
	MicPolicy       string  `json:"micPolicy"`
	IsActive        bool    `json:"isActive"`
	CreatedBy       *string `json:"createdBy"`
	CreatedAt       Time    `json:"createdAt"`
	// TimerControl says who controls the timer of a room without a
	// cycle: "owner" (its creator) or "anyone".
	TimerControl string `json:"timerControl"`
	// Cycle is the room's clock-aligned rhythm, or null.
	Cycle *Cycle `json:"cycle"`
	// Visibility is "public" (listed, quick-join may pick it) or
	// "unlisted" (its link alone finds it).
	Visibility string `json:"visibility"`
}

// Cycle is a room's rhythm in minutes: work, then break, back to back.
type Cycle struct {
	Work  int `json:"work"`
	Break int `json:"break"`
}

// The values of Room.Visibility.
const (
	VisibilityPublic   = "public"
	VisibilityUnlisted = "unlisted"
)

// FromRoom converts a model room.
func FromRoom(r model.Room) Room {
	w := Room{
		ID: r.ID, Name: r.Name, Description: r.Description, Category: r.Category,
		MaxCapacity: r.MaxCapacity, CurrentCapacity: r.CurrentCapacity, MicPolicy: r.MicPolicy,
		IsActive: r.IsActive, CreatedBy: r.CreatedBy, CreatedAt: Time(r.CreatedAt),
		TimerControl: r.TimerControl, Visibility: VisibilityPublic,
	}
	if w.TimerControl == "" {
		w.TimerControl = model.TimerOwner
	}
	if r.Cycle != nil {
		w.Cycle = &Cycle{Work: r.Cycle.Work, Break: r.Cycle.Break}
	}
	if r.Unlisted {
		w.Visibility = VisibilityUnlisted
	}
	return w
}

// Session is a focus session. Goals and Achievements are omitted (null)
// for viewers other than the owner unless ShareGoals is set.
type Session struct {
	ID              string   `json:"id"`
	RoomID          string   `json:"roomId"`
	UserID          string   `json:"userId"`
	StartedAt       Time     `json:"startedAt"`
	EndedAt         *Time    `json:"endedAt"`
	DurationMinutes *int     `json:"durationMinutes"`
	Goals           []string `json:"goals"`
	Achievements    []string `json:"achievements"`
	Progress        int      `json:"progress"`
	Rating          *int     `json:"rating"`
	ShareGoals      bool     `json:"shareGoals"`
	IsCompleted     bool     `json:"isCompleted"`
	// PlannedMinutes is the length of the person's own block, or null.
	PlannedMinutes *int `json:"plannedMinutes"`
}

// FromSession converts a model session for its owner.
func FromSession(s model.Session) Session {
	return Session{
		ID: s.ID, RoomID: s.RoomID, UserID: s.UserID, StartedAt: Time(s.StartedAt),
		EndedAt: optTime(s.EndedAt), DurationMinutes: s.DurationMinutes,
		Goals: nonNil(s.Goals), Achievements: nonNil(s.Achievements),
		Progress: s.Progress, Rating: s.Rating, ShareGoals: s.ShareGoals, IsCompleted: s.IsCompleted,
		PlannedMinutes: s.PlannedMinutes,
	}
}

// Public returns s as someone other than its owner may see it.
func (s Session) Public() Session {
	if !s.ShareGoals {
		s.Goals, s.Achievements = nil, nil
	}
	return s
}

func nonNil(v []string) []string {
	if v == nil {
		return []string{}
	}
	return v
}

// Focus is a participant's open focus session, as shown on their tile.
type Focus struct {
	SessionID string `json:"sessionId"`
	StartedAt Time   `json:"startedAt"`
	// PlannedMinutes is the block's planned length (null: open-ended), so
	// that everyone can show how long it has left: startedAt + plannedMinutes.
	PlannedMinutes *int     `json:"plannedMinutes"`
	Progress       int      `json:"progress"`
	Goals          []string `json:"goals,omitempty"`
}

// FocusOf returns the tile view of an open session.
func FocusOf(s model.Session) *Focus {
	f := &Focus{SessionID: s.ID, StartedAt: Time(s.StartedAt), PlannedMinutes: s.PlannedMinutes, Progress: s.Progress}
	if s.ShareGoals {
		f.Goals = nonNil(s.Goals)
	}
	return f
}

// Media is what a participant shares.
type Media struct {
	Camera   bool `json:"camera"`
	Mic      bool `json:"mic"`
	Watching bool `json:"watching"`
}

// Participant is a person in a room.
type Participant struct {
	ID          string  `json:"id"`
	DisplayName string  `json:"displayName"`
	AvatarURL   *string `json:"avatarUrl"` // AvatarPath, never the picture itself
	Status      string  `json:"status"`
	JoinedAt    Time    `json:"joinedAt"`
	Focus       *Focus  `json:"focus"`
	Media       Media   `json:"media"`
	// Blocked is set only in the view of someone who blocked this person.
	Blocked bool `json:"blocked,omitempty"`
}

// FromParticipant converts a model participant (focus filled by the caller).
func FromParticipant(p model.Participant) Participant {
	return Participant{ID: p.UserID, DisplayName: p.DisplayName, AvatarURL: AvatarPath(p.UserID, p.AvatarVersion), Status: p.Status, JoinedAt: Time(p.JoinedAt),
		Media: Media{Camera: p.Media.Camera, Mic: p.Media.Mic, Watching: p.Media.Watching}}
}

// Timer is a room's shared timer. EndsAt is Unix ms, set only while running.
type Timer struct {
	State     string  `json:"state"`
	Type      *string `json:"type"`
	Duration  int     `json:"duration"`
	Remaining int     `json:"remaining"`
	EndsAt    *int64  `json:"endsAt"`
	By        *string `json:"by"`
	Version   int64   `json:"version"`
}

// FromTimer converts a model timer as of now.
func FromTimer(t model.Timer, now time.Time) Timer {
	w := Timer{State: t.State, Duration: t.Duration, Remaining: t.Remaining, By: t.By, Version: t.Version}
	if t.State == "" {
		w.State = "idle"
	}
	if t.Type != "" && w.State != "idle" {
		typ := t.Type
		w.Type = &typ
	}
	if w.State == "running" && t.EndsAt != nil {
		ms := t.EndsAt.UnixMilli()
		w.EndsAt = &ms
		w.Remaining = max(0, int((t.EndsAt.Sub(now)+time.Second-1)/time.Second))
	}
	return w
}

// Preferences are a user's settings.
type Preferences struct {
	WorkStyle               string                      `json:"workStyle"`
	PreferredRoomCategories []string                    `json:"preferredRoomCategories"`
	NotificationSettings    model.NotificationSettings  `json:"notificationSettings"`
	AccessibilitySettings   model.AccessibilitySettings `json:"accessibilitySettings"`
}

// FromPreferences converts model preferences.
func FromPreferences(p model.Preferences) Preferences {
	return Preferences{WorkStyle: p.WorkStyle, PreferredRoomCategories: nonNil(p.PreferredRoomCategories),
		NotificationSettings: p.Notifications, AccessibilitySettings: p.Accessibility}
}

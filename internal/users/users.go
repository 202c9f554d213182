// Package users is the domain of a person's own data: their anonymous
// profile and their preferences, and the avatar picture others see
// (avatar.go: checked on upload, served by URL, never sent inline).
package users

import (
	"context"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/bodydouble/bodydouble/internal/apperr"
	"github.com/bodydouble/bodydouble/internal/blob"
	"github.com/bodydouble/bodydouble/internal/model"
	"github.com/bodydouble/bodydouble/internal/store"
	"github.com/bodydouble/bodydouble/internal/textrules"
	"github.com/bodydouble/bodydouble/internal/wire"
)

// Limits on profile fields.
const (
	MaxNameLen   = 50
	MaxAvatarLen = 32 << 10
)

// Service reads and changes profiles and preferences.
type Service struct {
	store store.Store
	now   func() time.Time
	text  *textrules.Rules
	// blobs keeps uploaded avatars, when uploads is on (avatar_upload.go).
	blobs   blob.Store
	uploads bool
}

// New returns a Service.
func New(st store.Store, now func() time.Time) *Service {
	if now == nil {
		now = time.Now
	}
	return &Service{store: st, now: now, text: textrules.Builtin()}
}

// WithText makes s check display names with r, which carries the
// operator's word list, instead of the built-in list alone. It returns s.
func (s *Service) WithText(r *textrules.Rules) *Service {
	s.text = r
	return s
}

// Profile returns userID's profile.
func (s *Service) Profile(ctx context.Context, userID string) (model.User, error) {
	u, err := s.store.GetUser(ctx, userID)
	if err != nil {
		return model.User{}, apperr.From(err)
	}
	return u, nil
}

// UpdateProfile validates and applies a partial profile update. Avatars are
// data:image URLs only, so viewing a profile never contacts another host;
// they are kept as sent and served from their own endpoint (Avatar), while
// everything the server sends carries only their URL (wire.AvatarPath).
func (s *Service) UpdateProfile(ctx context.Context, userID string, in wire.ProfileInput) (model.User, error) {
	var upd model.UserUpdate
	var errs []apperr.FieldError
	if in.DisplayName.Set {
		name, why := s.displayName(in.DisplayName)
		if why != "" {
			errs = append(errs, apperr.FieldError{Field: "displayName", Message: why})
		}
		upd.DisplayName = &name
	}
	if in.AvatarURL.Set {
		if in.AvatarURL.Null {
			upd.ClearAvatar = true
		} else if a := in.AvatarURL.Value; !validAvatar(a) {
			errs = append(errs, apperr.FieldError{Field: "avatarUrl", Message: "Use a PNG, JPEG or WebP image of at most 1024 × 1024 pixels as a base64 data: URL under 32 KB."})
		} else {
			upd.AvatarURL = &a
		}
	}
	if len(errs) > 0 {
		return model.User{}, apperr.Fields(errs...)
	}
	var old string // an uploaded picture this update replaces
	if in.AvatarURL.Set {
		var err error
		if old, err = s.avatarRef(ctx, userID); err != nil {
			return model.User{}, err
		}
	}
	u, err := s.store.UpdateUser(ctx, userID, upd, s.now().UTC().Truncate(time.Millisecond))
	if err != nil {
		return model.User{}, apperr.From(err)
	}
	s.DropAvatarBlob(ctx, old)
	return u, nil
}

// displayName returns the display name to store, or why it is refused:
// its length, or the rules of public text (package textrules), which
// also normalise it.
func (s *Service) displayName(in wire.Optional[string]) (string, string) {
	const length = "Pick a name of 1 to 50 characters."
	name := strings.TrimSpace(in.Value)
	if in.Null || name == "" || utf8.RuneCountInString(name) > MaxNameLen {
		return "", length
	}
	name, why := s.text.Name(name)
	if why == "" && utf8.RuneCountInString(name) > MaxNameLen {
		return "", length // compatibility forms may grow: ㈱ is (株)
	}
	return name, why
}

// validAvatar reports whether a is an avatar ParseAvatar accepts.
func validAvatar(a string) bool {
	_, err := ParseAvatar(a)
	return err == nil
}

// Preferences returns userID's preferences (defaults if never saved).
func (s *Service) Preferences(ctx context.Context, userID string) (model.Preferences, error) {
	p, err := s.store.GetPreferences(ctx, userID)
	if err != nil {
		return model.Preferences{}, apperr.From(err)
	}
	return p, nil
}

// Allowed preference values.
var (
	WorkStyles     = []string{"quiet", "music", "check-ins"}
	ReducedMotions = []string{"system", "reduce", "no-preference"}
	Themes         = []string{"system", "light", "dark"}
)

// UpdatePreferences validates and applies a partial update.
func (s *Service) UpdatePreferences(ctx context.Context, userID string, in wire.PreferencesInput) (model.Preferences, error) {
	p, err := s.store.GetPreferences(ctx, userID)
	if err != nil {
		return model.Preferences{}, apperr.From(err)
	}
	def := model.DefaultPreferences()
	var errs []apperr.FieldError
	if f := in.WorkStyle; f.Set {
		switch {
		case f.Null:
			p.WorkStyle = def.WorkStyle
		case slices.Contains(WorkStyles, f.Value):
			p.WorkStyle = f.Value
		default:
			errs = append(errs, apperr.FieldError{Field: "workStyle", Message: "Choose quiet, music or check-ins."})
		}
	}
	if f := in.PreferredRoomCategories; f.Set {
		p.PreferredRoomCategories = []string{}
		for i, c := range f.Value {
			if !slices.Contains(model.Categories, c) {
				errs = append(errs, apperr.FieldError{Field: "preferredRoomCategories." + strconv.Itoa(i), Message: "Unknown category."})
			} else if !slices.Contains(p.PreferredRoomCategories, c) {
				p.PreferredRoomCategories = append(p.PreferredRoomCategories, c)
			}
		}
	}
	if f := in.NotificationSettings; f.Set {
		if f.Null {
			p.Notifications = def.Notifications
		}
		if f.Value.Sound != nil {
			p.Notifications.Sound = *f.Value.Sound
		}
		if f.Value.System != nil {
			p.Notifications.System = *f.Value.System
		}
	}
	if f := in.AccessibilitySettings; f.Set {
		if f.Null {
			p.Accessibility = def.Accessibility
		}
		if rm := f.Value.ReducedMotion; rm != nil {
			if slices.Contains(ReducedMotions, *rm) {
				p.Accessibility.ReducedMotion = *rm
			} else {
				errs = append(errs, apperr.FieldError{Field: "accessibilitySettings.reducedMotion", Message: "Choose system, reduce or no-preference."})
			}
		}
		if f.Value.HighContrast != nil {
			p.Accessibility.HighContrast = *f.Value.HighContrast
		}
		if f.Value.LargerText != nil {
			p.Accessibility.LargerText = *f.Value.LargerText
		}
		if th := f.Value.Theme; th != nil {
			if slices.Contains(Themes, *th) {
				p.Accessibility.Theme = *th
			} else {
				errs = append(errs, apperr.FieldError{Field: "accessibilitySettings.theme", Message: "Choose system, light or dark."})
			}
		}
	}
	if len(errs) > 0 {
		return model.Preferences{}, apperr.Fields(errs...)
	}
	if err := s.store.PutPreferences(ctx, userID, p, s.now().UTC().Truncate(time.Millisecond)); err != nil {
		return model.Preferences{}, apperr.From(err)
	}
	return p, nil
}

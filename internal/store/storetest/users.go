package storetest

import (
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/bodydouble/bodydouble/internal/model"
)

func testUsers(t *testing.T, f *fixture) {
	avatar := "https://example.com/a.png"
	// Times given in another zone come back in UTC.
	created := base.In(time.FixedZone("UTC+5", 5*3600))
	u := model.User{
		ID:          uuid.NewString(),
		AnonymousID: uuid.NewString(),
		DisplayName: "Quiet Otter",
		AvatarURL:   &avatar,
		CreatedAt:   created,
		UpdatedAt:   created,
	}
	ok(t, f.s.CreateUser(f.ctx, u), "CreateUser")

	got, err := f.s.GetUser(f.ctx, u.ID)
	ok(t, err, "GetUser")
	eq(t, got.ID, u.ID, "ID")
	eq(t, got.AnonymousID, u.AnonymousID, "AnonymousID")
	eq(t, got.DisplayName, u.DisplayName, "DisplayName")
	eq(t, got.AvatarURL, (*string)(nil), "AvatarURL (reads give the version, not the picture)")
	eq(t, got.AvatarVersion, ptr(model.AvatarVersion(avatar)), "AvatarVersion")
	sameTime(t, got.CreatedAt, base, "CreatedAt")
	sameTime(t, got.UpdatedAt, base, "UpdatedAt")

	// Taken id or anonymous id: an error, and the first user is unchanged.
	dup := u
	dup.AnonymousID = uuid.NewString()
	if err := f.s.CreateUser(f.ctx, dup); err == nil {
		t.Error("CreateUser with a taken id succeeded")
	}
	dup = u
	dup.ID = uuid.NewString()
	if err := f.s.CreateUser(f.ctx, dup); err == nil {
		t.Error("CreateUser with a taken anonymous id succeeded")
	}

	_, err = f.s.GetUser(f.ctx, uuid.NewString())
	isErr(t, err, model.ErrNotFound, "GetUser unknown")
	_, err = f.s.GetUser(f.ctx, "not-a-uuid")
	isErr(t, err, model.ErrNotFound, "GetUser malformed id")

	// A partial update keeps what it does not name.
	name := "Calm Heron"
	got, err = f.s.UpdateUser(f.ctx, u.ID, model.UserUpdate{DisplayName: &name}, at(time.Minute))
	ok(t, err, "UpdateUser name")
	eq(t, got.DisplayName, name, "updated DisplayName")
	eq(t, got.AvatarVersion, ptr(model.AvatarVersion(avatar)), "kept AvatarVersion")
	sameTime(t, got.CreatedAt, base, "CreatedAt after update")
	sameTime(t, got.UpdatedAt, at(time.Minute), "UpdatedAt after update")

	avatar2 := "https://example.com/b.png"
	got, err = f.s.UpdateUser(f.ctx, u.ID, model.UserUpdate{AvatarURL: &avatar2}, at(2*time.Minute))
	ok(t, err, "UpdateUser avatar")
	eq(t, got.DisplayName, name, "kept DisplayName")
	eq(t, got.AvatarVersion, ptr(model.AvatarVersion(avatar2)), "updated AvatarVersion")
	stored, err := f.s.UserAvatar(f.ctx, u.ID)
	ok(t, err, "UserAvatar")
	eq(t, stored, avatar2, "updated avatar")

	got, err = f.s.UpdateUser(f.ctx, u.ID, model.UserUpdate{ClearAvatar: true}, at(3*time.Minute))
	ok(t, err, "UpdateUser clear avatar")
	eq(t, got.AvatarVersion, (*string)(nil), "cleared AvatarVersion")

	again, err := f.s.GetUser(f.ctx, u.ID)
	ok(t, err, "GetUser after updates")
	eq(t, again, got, "stored user equals returned user")

	_, err = f.s.UpdateUser(f.ctx, uuid.NewString(), model.UserUpdate{DisplayName: &name}, base)
	isErr(t, err, model.ErrNotFound, "UpdateUser unknown")
}

func testPreferences(t *testing.T, f *fixture) {
	u := f.user("prefs")
	p, err := f.s.GetPreferences(f.ctx, u.ID)
	ok(t, err, "GetPreferences new user")
	eq(t, p, model.DefaultPreferences(), "preferences of a new user")

	want := model.Preferences{
		WorkStyle:               "music",
		PreferredRoomCategories: []string{"study", "creative"},
		Notifications:           model.NotificationSettings{Sound: true},
		Accessibility:           model.AccessibilitySettings{ReducedMotion: "reduce", HighContrast: true, LargerText: true},
	}
	ok(t, f.s.PutPreferences(f.ctx, u.ID, want, at(time.Minute)), "PutPreferences")
	p, err = f.s.GetPreferences(f.ctx, u.ID)
	ok(t, err, "GetPreferences")
	eq(t, p, want, "stored preferences")

	// A second put replaces the whole row.
	want = model.Preferences{
		WorkStyle:               "check-ins",
		PreferredRoomCategories: []string{},
		Notifications:           model.NotificationSettings{System: true},
		Accessibility:           model.AccessibilitySettings{ReducedMotion: "no-preference"},
	}
	ok(t, f.s.PutPreferences(f.ctx, u.ID, want, at(2*time.Minute)), "PutPreferences again")
	p, err = f.s.GetPreferences(f.ctx, u.ID)
	ok(t, err, "GetPreferences again")
	eq(t, p, want, "replaced preferences")

	// Someone else's are untouched.
	other := f.user("other")
	p, err = f.s.GetPreferences(f.ctx, other.ID)
	ok(t, err, "GetPreferences other")
	eq(t, p, model.DefaultPreferences(), "other user's preferences")

	_, err = f.s.GetPreferences(f.ctx, uuid.NewString())
	isErr(t, err, model.ErrNotFound, "GetPreferences unknown user")
	err = f.s.PutPreferences(f.ctx, uuid.NewString(), want, base)
	isErr(t, err, model.ErrNotFound, "PutPreferences unknown user")
}

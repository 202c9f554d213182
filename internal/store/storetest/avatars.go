package storetest

import (
	"crypto/sha256"
	"encoding/hex"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/bodydouble/bodydouble/internal/model"
)

// sha16 is the avatar version as browsers have cached it since avatars
// went by URL: 16 hex digits of the SHA-256 of the stored data: URL. It is
// computed here, not with model.AvatarVersion, so that a change of the
// function fails the suite instead of silently breaking cached URLs.
func sha16(stored string) *string {
	sum := sha256.Sum256([]byte(stored))
	v := hex.EncodeToString(sum[:8])
	return &v
}

// testAvatarVersion: the store keeps each avatar's version beside it, so
// that profiles and room snapshots carry it without reading the picture.
// Setting, changing and clearing an avatar sets, changes and clears the
// version, for the user and for the participants every room read returns.
func testAvatarVersion(t *testing.T, f *fixture) {
	// A pinned value: the URL v of this picture must never change.
	eq(t, model.AvatarVersion("data:image/png;base64,AAAA"), "bde6da8e9d3902a8", "AvatarVersion of a known avatar")
	eq(t, ptr(model.AvatarVersion("data:image/png;base64,AAAA")), sha16("data:image/png;base64,AAAA"), "AvatarVersion is SHA-256")

	r := f.room("avatars", "study", 8)
	me, other := f.user("me"), f.user("other")
	f.join(r.ID, me.ID, at(time.Second))
	f.join(r.ID, other.ID, at(2*time.Second))

	// version checks what every read says of me's avatar version.
	version := func(want *string, what string) {
		t.Helper()
		u, err := f.s.GetUser(f.ctx, me.ID)
		ok(t, err, what+": GetUser")
		eq(t, u.AvatarVersion, want, what+": GetUser AvatarVersion")
		eq(t, u.AvatarURL, (*string)(nil), what+": GetUser AvatarURL (never the picture)")
		reads := map[string]func() ([]model.Participant, error){
			"Participants":    func() ([]model.Participant, error) { return f.s.Participants(f.ctx, r.ID) },
			"AllParticipants": func() ([]model.Participant, error) { return f.s.AllParticipants(f.ctx) },
			// Both joined with a hold of 30 s: expired a minute later.
			"ExpiredParticipants": func() ([]model.Participant, error) { return f.s.ExpiredParticipants(f.ctx, at(time.Minute)) },
		}
		for name, read := range reads {
			ps, err := read()
			ok(t, err, what+": "+name)
			found := 0
			for _, p := range ps {
				switch p.UserID {
				case me.ID:
					found++
					eq(t, p.AvatarVersion, want, what+": "+name+" AvatarVersion")
				case other.ID:
					found++
					eq(t, p.AvatarVersion, (*string)(nil), what+": "+name+" AvatarVersion of someone without an avatar")
				}
				eq(t, p.AvatarURL, (*string)(nil), what+": "+name+" AvatarURL (never the picture)")
			}
			eq(t, found, 2, what+": "+name+" participants found")
		}
	}

	version(nil, "no avatar")
	_, err := f.s.UserAvatar(f.ctx, me.ID)
	isErr(t, err, model.ErrNotFound, "UserAvatar without an avatar")

	// The largest avatar a person may store.
	first := "data:image/png;base64," + strings.Repeat("A", 32<<10-len("data:image/png;base64,"))
	u, err := f.s.UpdateUser(f.ctx, me.ID, model.UserUpdate{AvatarURL: &first}, at(3*time.Second))
	ok(t, err, "set avatar")
	eq(t, u.AvatarVersion, sha16(first), "UpdateUser AvatarVersion after setting")
	eq(t, u.AvatarURL, (*string)(nil), "UpdateUser AvatarURL (never the picture)")
	version(sha16(first), "set")
	stored, err := f.s.UserAvatar(f.ctx, me.ID)
	ok(t, err, "UserAvatar")
	eq(t, stored, first, "UserAvatar after setting")

	// A name change keeps the version.
	name := "renamed"
	_, err = f.s.UpdateUser(f.ctx, me.ID, model.UserUpdate{DisplayName: &name}, at(4*time.Second))
	ok(t, err, "rename")
	version(sha16(first), "renamed")

	second := "data:image/webp;base64,UklGRg=="
	u, err = f.s.UpdateUser(f.ctx, me.ID, model.UserUpdate{AvatarURL: &second}, at(5*time.Second))
	ok(t, err, "change avatar")
	eq(t, u.AvatarVersion, sha16(second), "UpdateUser AvatarVersion after changing")
	if *sha16(second) == *sha16(first) {
		t.Fatal("two avatars with one version")
	}
	version(sha16(second), "changed")
	stored, err = f.s.UserAvatar(f.ctx, me.ID)
	ok(t, err, "UserAvatar after changing")
	eq(t, stored, second, "UserAvatar after changing")

	// ClearAvatar wins over a picture given with it.
	u, err = f.s.UpdateUser(f.ctx, me.ID, model.UserUpdate{AvatarURL: &first, ClearAvatar: true}, at(6*time.Second))
	ok(t, err, "clear avatar")
	eq(t, u.AvatarVersion, (*string)(nil), "UpdateUser AvatarVersion after clearing")
	version(nil, "cleared")
	_, err = f.s.UserAvatar(f.ctx, me.ID)
	isErr(t, err, model.ErrNotFound, "UserAvatar after clearing")

	// CreateUser computes the version of the avatar it is given and
	// ignores one passed in.
	created := model.User{ID: uuid.NewString(), AnonymousID: uuid.NewString(), DisplayName: "born with one",
		AvatarURL: &second, AvatarVersion: ptr("0000000000000000"), CreatedAt: base, UpdatedAt: base}
	ok(t, f.s.CreateUser(f.ctx, created), "CreateUser with an avatar")
	u, err = f.s.GetUser(f.ctx, created.ID)
	ok(t, err, "GetUser of a user created with an avatar")
	eq(t, u.AvatarVersion, sha16(second), "AvatarVersion of a user created with an avatar")
	stored, err = f.s.UserAvatar(f.ctx, created.ID)
	ok(t, err, "UserAvatar of a user created with an avatar")
	eq(t, stored, second, "avatar of a user created with one")

	_, err = f.s.UserAvatar(f.ctx, uuid.NewString())
	isErr(t, err, model.ErrNotFound, "UserAvatar of an unknown user")
}

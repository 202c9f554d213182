package storetest

import (
	"testing"
	"time"

	"github.com/google/uuid"
)

func testSecret(t *testing.T, f *fixture) {
	// Ten first calls at once, each with its own candidate: all agree.
	got := make([]string, 10)
	parallel(len(got), func(i int) {
		v, err := f.s.Secret(f.ctx, func() string { return uuid.NewString() + uuid.NewString() })
		if err != nil {
			t.Errorf("Secret: %v", err)
		}
		got[i] = v
	})
	if got[0] == "" {
		t.Fatal("Secret returned an empty secret")
	}
	for i, v := range got {
		if v != got[0] {
			t.Errorf("Secret call %d returned %q, call 0 %q", i, v, got[0])
		}
	}
	// Later calls return it without generating.
	v, err := f.s.Secret(f.ctx, func() string {
		t.Error("generate called although a secret exists")
		return "other"
	})
	ok(t, err, "Secret")
	eq(t, v, got[0], "Secret after creation")
}

func testRevocation(t *testing.T, f *fixture) {
	id := uuid.NewString()
	revoked, err := f.s.TokenRevoked(f.ctx, id, "")
	ok(t, err, "TokenRevoked")
	eq(t, revoked, false, "fresh token revoked")

	ok(t, f.s.RevokeToken(f.ctx, id, at(30*24*time.Hour)), "RevokeToken")
	revoked, err = f.s.TokenRevoked(f.ctx, id, "")
	ok(t, err, "TokenRevoked")
	eq(t, revoked, true, "revoked token revoked")

	// Revoking again (another instance, a retried logout) is harmless.
	ok(t, f.s.RevokeToken(f.ctx, id, at(30*24*time.Hour)), "RevokeToken again")
	revoked, err = f.s.TokenRevoked(f.ctx, id, "")
	ok(t, err, "TokenRevoked")
	eq(t, revoked, true, "token revoked twice")

	other, err := f.s.TokenRevoked(f.ctx, uuid.NewString(), "")
	ok(t, err, "TokenRevoked")
	eq(t, other, false, "other token revoked")

	// Concurrent revocations of distinct tokens all stick.
	ids := make([]string, 10)
	for i := range ids {
		ids[i] = uuid.NewString()
	}
	parallel(len(ids), func(i int) {
		if err := f.s.RevokeToken(f.ctx, ids[i], at(time.Hour)); err != nil {
			t.Errorf("RevokeToken: %v", err)
		}
	})
	for _, id := range ids {
		revoked, err := f.s.TokenRevoked(f.ctx, id, "")
		ok(t, err, "TokenRevoked")
		eq(t, revoked, true, "concurrently revoked token")
	}
}

// testErasedTokens: once a person is erased, every token naming them is
// refused (those on other devices too), and nobody else's.
func testErasedTokens(t *testing.T, f *fixture) {
	gone, stays := f.user("Gone"), f.user("Stays")
	tok := uuid.NewString()
	revoked, err := f.s.TokenRevoked(f.ctx, tok, gone.ID)
	ok(t, err, "TokenRevoked")
	eq(t, revoked, false, "a token of someone not erased")
	ok(t, f.s.EraseUser(f.ctx, gone.ID, uuid.NewString(), at(0)), "EraseUser")
	for _, id := range []string{tok, uuid.NewString()} {
		revoked, err = f.s.TokenRevoked(f.ctx, id, gone.ID)
		ok(t, err, "TokenRevoked")
		eq(t, revoked, true, "a token of the erased person")
	}
	revoked, err = f.s.TokenRevoked(f.ctx, tok, stays.ID)
	ok(t, err, "TokenRevoked")
	eq(t, revoked, false, "the same token id naming someone else")
	revoked, err = f.s.TokenRevoked(f.ctx, tok, "")
	ok(t, err, "TokenRevoked")
	eq(t, revoked, false, "the token id alone")
}

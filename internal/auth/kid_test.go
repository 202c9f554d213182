package auth

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/bodydouble/bodydouble/internal/keyring"
)

// headerKid returns the kid a token's header names ("" for none).
func headerKid(t *testing.T, token string) string {
	t.Helper()
	tok, _, err := jwt.NewParser().ParseUnverified(token, &jwt.RegisteredClaims{})
	if err != nil {
		t.Fatal(err)
	}
	kid, _ := tok.Header["kid"].(string)
	return kid
}

// TestKeyringTokens: tokens name the key that signed them; a rotation
// signs nobody out (old tokens verify with the retiring key, new ones use
// the new key); retiring a key ends the tokens it signed; tokens signed
// with the legacy secret, without kid, keep working.
func TestKeyringTokens(t *testing.T) {
	ctx := context.Background()
	c := &clock{t: start}
	dir := t.TempDir()
	legacy := serviceOn(t, dir, c) // before the upgrade: the secret alone
	oldLegacy, err := legacy.Issue("u-legacy")
	if err != nil {
		t.Fatal(err)
	}
	if kid := headerKid(t, oldLegacy.Token); kid != "" {
		t.Fatalf("legacy token names kid %q", kid)
	}

	f := keyring.Generate(start)
	k, err := keyring.New(f)
	if err != nil {
		t.Fatal(err)
	}
	s := serviceOn(t, dir, c).WithKeyring(k)
	first, err := s.Issue("u1")
	if err != nil {
		t.Fatal(err)
	}
	if kid := headerKid(t, first.Token); kid != k.Current() {
		t.Fatalf("kid %q, want %q", kid, k.Current())
	}
	// The legacy secret no longer signs, but still verifies its own tokens.
	if _, err := s.Verify(ctx, oldLegacy.Token); err != nil {
		t.Fatalf("legacy token after the upgrade: %v", err)
	}

	f2, newID, err := keyring.Rotate(f, start.Add(time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	if err := k.Replace(f2); err != nil {
		t.Fatal(err)
	}
	second, err := s.Issue("u2")
	if err != nil {
		t.Fatal(err)
	}
	if kid := headerKid(t, second.Token); kid != newID {
		t.Fatalf("after rotation kid %q, want %q", kid, newID)
	}
	// A second instance that has never seen the first token verifies it too.
	other := serviceOn(t, dir, c).WithKeyring(k)
	for _, tok := range []Identity{first, second, oldLegacy} {
		for _, svc := range []*Service{s, other} {
			if id, err := svc.Verify(ctx, tok.Token); err != nil || id.UserID != tok.UserID {
				t.Fatalf("after rotation %s: %v", tok.UserID, err)
			}
		}
	}

	f3, err := keyring.Retire(f2, f.Keys[0].ID)
	if err != nil {
		t.Fatal(err)
	}
	if err := k.Replace(f3); err != nil {
		t.Fatal(err)
	}
	// s had cached the first token as checked: retiring its key ends it anyway.
	for _, svc := range []*Service{s, other} {
		if _, err := svc.Verify(ctx, first.Token); !errors.Is(err, ErrUnauthorized) {
			t.Fatalf("token of a retired key: %v", err)
		}
		if _, err := svc.Verify(ctx, second.Token); err != nil {
			t.Fatalf("token of the active key: %v", err)
		}
	}
}

// TestKidForgeries: a token naming an unknown key, a non-string kid, or
// a kid while the service has no keyring is refused; so is a token whose
// kid names one key but that was signed with the legacy secret.
func TestKidForgeries(t *testing.T) {
	ctx := context.Background()
	c := &clock{t: start}
	dir := t.TempDir()
	k, err := keyring.New(keyring.Generate(start))
	if err != nil {
		t.Fatal(err)
	}
	s := serviceOn(t, dir, c).WithKeyring(k)
	plain := serviceOn(t, dir, c)
	claims := jwt.RegisteredClaims{Subject: "u", ID: "j", ExpiresAt: jwt.NewNumericDate(start.Add(time.Hour))}
	signWith := func(kid any, key []byte) string {
		tok := jwt.NewWithClaims(jwt.SigningMethodHS256, claims)
		tok.Header["kid"] = kid
		out, err := tok.SignedString(key)
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	_, active := k.SigningKey()
	cases := map[string]string{
		"unknown kid":         signWith("abcdef01", active),
		"kid not a string":    signWith(7, active),
		"empty kid":           signWith("", []byte(testSecret)),
		"kid with legacy key": signWith(k.Current(), []byte(testSecret)),
	}
	for name, tok := range cases {
		if _, err := s.Verify(ctx, tok); !errors.Is(err, ErrUnauthorized) {
			t.Errorf("%s: %v", name, err)
		}
	}
	good := signWith(k.Current(), active)
	if _, err := s.Verify(ctx, good); err != nil {
		t.Fatalf("a rightly signed token: %v", err)
	}
	if _, err := plain.Verify(ctx, good); !errors.Is(err, ErrUnauthorized) {
		t.Fatalf("kid on a service without keyring: %v", err)
	}
}

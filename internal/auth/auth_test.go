package auth

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/bodydouble/bodydouble/internal/model"
	"github.com/bodydouble/bodydouble/internal/store/sqlstore"
)

// testSecret is 32 bytes, the shortest secret NewService takes.
const testSecret = "0123456789abcdef0123456789abcdef"

// clock is a time the test moves by hand; Service reads it through now.
type clock struct{ t time.Time }

func (c *clock) now() time.Time { return c.t }

// start is a moment with a fraction of a second, so that truncation of
// the expiry to whole seconds shows.
var start = time.Date(2025, 3, 12, 9, 0, 0, 250_000_000, time.UTC)

// openStore opens a real SQLite store in a directory of its own.
func openStore(t *testing.T, dir string) *sqlstore.Store {
	t.Helper()
	st, err := sqlstore.OpenSQLite(context.Background(), dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

// newService returns a Service on a fresh SQLite store with a hand clock.
func newService(t *testing.T) (*Service, *clock) {
	t.Helper()
	c := &clock{t: start}
	return serviceOn(t, t.TempDir(), c), c
}

// serviceOn returns a Service with its own store on the database in dir:
// two of them on one dir are two instances sharing a database.
func serviceOn(t *testing.T, dir string, c *clock) *Service {
	t.Helper()
	s, err := NewService(openStore(t, dir), testSecret, c.now)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// sign signs claims with method and key, as a forger holding (or guessing)
// them would.
func sign(t *testing.T, method jwt.SigningMethod, claims jwt.MapClaims, key any) string {
	t.Helper()
	tok, err := jwt.NewWithClaims(method, claims).SignedString(key)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

func TestNewServiceNeedsA32ByteSecret(t *testing.T) {
	t.Parallel()
	st := openStore(t, t.TempDir())
	for _, tc := range []struct {
		secret string
		ok     bool
	}{
		{"", false},
		{testSecret[:31], false},
		{testSecret, true},
		{testSecret + "more", true},
		{GenerateSecret(), true},
	} {
		_, err := NewService(st, tc.secret, nil)
		if (err == nil) != tc.ok {
			t.Errorf("NewService with a %d-byte secret: err %v, want ok %v", len(tc.secret), err, tc.ok)
		}
	}
}

func TestGenerateSecretIs32RandomBytes(t *testing.T) {
	t.Parallel()
	seen := map[string]bool{}
	for range 100 {
		s := GenerateSecret()
		b, err := base64.RawURLEncoding.DecodeString(s)
		if err != nil || len(b) != 32 {
			t.Fatalf("GenerateSecret() = %q: %d bytes, err %v", s, len(b), err)
		}
		if seen[s] {
			t.Fatalf("GenerateSecret repeated %q", s)
		}
		seen[s] = true
	}
}

// A token verifies to what Issue said: the user, the token id, the token
// and an expiry TokenTTL ahead, cut to whole seconds (JWT's precision).
func TestIssueVerifyRoundTrip(t *testing.T) {
	t.Parallel()
	s, _ := newService(t)
	id, err := s.Issue("user-1")
	if err != nil {
		t.Fatal(err)
	}
	wantExp := start.Add(TokenTTL).Truncate(time.Second)
	if id.UserID != "user-1" || id.TokenID == "" || id.Token == "" || !id.ExpiresAt.Equal(wantExp) || id.ExpiresAt.Location() != time.UTC {
		t.Fatalf("Issue = %+v, want user-1 expiring at %v UTC", id, wantExp)
	}
	for i := range 2 { // the second call is answered from the parsed-token cache
		got, err := s.Verify(context.Background(), id.Token)
		if err != nil || got != id {
			t.Fatalf("Verify #%d = %+v, %v; want %+v", i+1, got, err, id)
		}
	}
	other, err := s.Issue("user-1")
	if err != nil || other.TokenID == id.TokenID || other.Token == id.Token {
		t.Fatalf("a second token for the same user repeats the first: %+v", other)
	}
}

// Another instance (another Service with the same secret and database)
// accepts the token: a person may land on any instance.
func TestVerifyOnAnotherInstance(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	c := &clock{t: start}
	a, b := serviceOn(t, dir, c), serviceOn(t, dir, c)
	id, err := a.Issue("user-1")
	if err != nil {
		t.Fatal(err)
	}
	if got, err := b.Verify(context.Background(), id.Token); err != nil || got.UserID != "user-1" {
		t.Fatalf("other instance: %+v, %v", got, err)
	}
}

// A token is valid strictly before its expiry, both when it is parsed for
// the first time and when it is found among the tokens already checked:
// the cache must never lengthen a token's life.
func TestVerifyExpiry(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name   string
		after  time.Duration // from the expiry
		cached bool
		ok     bool
	}{
		{"long before, fresh", -TokenTTL / 2, false, true},
		{"a nanosecond before, fresh", -time.Nanosecond, false, true},
		{"at expiry, fresh", 0, false, false},
		{"a day after, fresh", 24 * time.Hour, false, false},
		{"a nanosecond before, cached", -time.Nanosecond, true, true},
		{"at expiry, cached", 0, true, false},
		{"a day after, cached", 24 * time.Hour, true, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s, c := newService(t)
			id, err := s.Issue("user-1")
			if err != nil {
				t.Fatal(err)
			}
			if tc.cached {
				if _, err := s.Verify(context.Background(), id.Token); err != nil {
					t.Fatal(err)
				}
			}
			c.t = id.ExpiresAt.Add(tc.after)
			_, err = s.Verify(context.Background(), id.Token)
			if tc.ok && err != nil {
				t.Fatalf("rejected %v after expiry: %v", tc.after, err)
			}
			if !tc.ok && !errors.Is(err, ErrUnauthorized) {
				t.Fatalf("%v after expiry: err %v, want ErrUnauthorized", tc.after, err)
			}
		})
	}
}

// Verify refuses whatever it did not sign itself, in HS256, with a subject,
// an id and an expiry.
func TestVerifyRejectsForgedAndMalformedTokens(t *testing.T) {
	t.Parallel()
	s, _ := newService(t)
	good, err := s.Issue("user-1")
	if err != nil {
		t.Fatal(err)
	}
	exp := start.Add(time.Hour).Unix()
	claims := func(drop string) jwt.MapClaims {
		c := jwt.MapClaims{"sub": "user-1", "jti": "tok-1", "exp": exp, "iat": start.Unix()}
		delete(c, drop)
		return c
	}
	parts := strings.Split(good.Token, ".")
	otherPayload := strings.Split(sign(t, jwt.SigningMethodHS256, jwt.MapClaims{"sub": "user-2", "jti": good.TokenID, "exp": exp}, []byte("x")), ".")[1]
	flipped := []byte(parts[2])
	flipped[0] = 'A'
	if parts[2][0] == 'A' {
		flipped[0] = 'B'
	}

	for _, tc := range []struct{ name, token string }{
		{"empty", ""},
		{"not a JWT", "hello"},
		{"two parts", parts[0] + "." + parts[1]},
		{"payload swapped for another user's", parts[0] + "." + otherPayload + "." + parts[2]},
		{"signature altered", parts[0] + "." + parts[1] + "." + string(flipped)},
		{"signature removed", parts[0] + "." + parts[1] + "."},
		{"wrong secret", sign(t, jwt.SigningMethodHS256, claims(""), []byte(testSecret+"!"))},
		{"alg none", sign(t, jwt.SigningMethodNone, claims(""), jwt.UnsafeAllowNoneSignatureType)},
		{"HS384 with the right secret", sign(t, jwt.SigningMethodHS384, claims(""), []byte(testSecret))},
		{"HS512 with the right secret", sign(t, jwt.SigningMethodHS512, claims(""), []byte(testSecret))},
		{"no subject", sign(t, jwt.SigningMethodHS256, claims("sub"), []byte(testSecret))},
		{"no token id", sign(t, jwt.SigningMethodHS256, claims("jti"), []byte(testSecret))},
		{"no expiry", sign(t, jwt.SigningMethodHS256, claims("exp"), []byte(testSecret))},
		{"expired before it was issued", sign(t, jwt.SigningMethodHS256, jwt.MapClaims{"sub": "u", "jti": "t", "exp": start.Add(-time.Second).Unix()}, []byte(testSecret))},
	} {
		if got, err := s.Verify(context.Background(), tc.token); !errors.Is(err, ErrUnauthorized) {
			t.Errorf("%s: Verify = %+v, %v; want ErrUnauthorized", tc.name, got, err)
		}
	}
	// The same claims, rightly signed, pass: the cases above fail for the
	// one thing each changes.
	if _, err := s.Verify(context.Background(), sign(t, jwt.SigningMethodHS256, claims(""), []byte(testSecret))); err != nil {
		t.Fatalf("a well-formed HS256 token with the secret: %v", err)
	}
}

// A revoked token is refused at once, even where it was checked (and
// cached) before, and even on another instance sharing the database; the
// user's other tokens keep working.
func TestRevoke(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	c := &clock{t: start}
	a, b := serviceOn(t, dir, c), serviceOn(t, dir, c)
	ctx := context.Background()
	id, err := a.Issue("user-1")
	if err != nil {
		t.Fatal(err)
	}
	kept, err := a.Issue("user-1")
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []*Service{a, b} {
		if _, err := s.Verify(ctx, id.Token); err != nil {
			t.Fatal(err)
		}
	}
	if err := a.Revoke(ctx, id); err != nil {
		t.Fatal(err)
	}
	for name, s := range map[string]*Service{"revoking instance": a, "other instance": b} {
		if _, err := s.Verify(ctx, id.Token); !errors.Is(err, ErrUnauthorized) {
			t.Errorf("%s accepts a revoked token: %v", name, err)
		}
		if got, err := s.Verify(ctx, kept.Token); err != nil || got.TokenID != kept.TokenID {
			t.Errorf("%s refuses the user's other token: %+v, %v", name, got, err)
		}
	}
	if err := b.Revoke(ctx, id); err != nil {
		t.Errorf("revoking twice: %v", err)
	}
}

// A database that cannot answer is not a bad token: the caller must see
// an error other than ErrUnauthorized, or an outage would sign everyone out.
func TestStoreFailureIsNotUnauthorized(t *testing.T) {
	t.Parallel()
	st, err := sqlstore.OpenSQLite(context.Background(), t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	c := &clock{t: start}
	s, err := NewService(st, testSecret, c.now)
	if err != nil {
		t.Fatal(err)
	}
	id, err := s.Issue("user-1")
	if err != nil {
		t.Fatal(err)
	}
	st.Close()
	if _, err := s.Verify(context.Background(), id.Token); err == nil || errors.Is(err, ErrUnauthorized) {
		t.Errorf("Verify with the database closed: %v, want an error other than ErrUnauthorized", err)
	}
	if _, _, err := s.CreateAnonymous(context.Background()); err == nil {
		t.Error("CreateAnonymous with the database closed succeeded")
	}
	if err := s.Revoke(context.Background(), id); err == nil {
		t.Error("Revoke with the database closed succeeded")
	}
}

// A token is renewed once less than RenewBelow of its life is left.
func TestNeedsRenewal(t *testing.T) {
	t.Parallel()
	s, c := newService(t)
	id, err := s.Issue("user-1")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		left time.Duration
		want bool
	}{
		{TokenTTL, false},
		{RenewBelow + time.Second, false},
		{RenewBelow, false},
		{RenewBelow - time.Nanosecond, true},
		{time.Hour, true},
		{0, true},
		{-time.Hour, true},
	} {
		c.t = id.ExpiresAt.Add(-tc.left)
		if got := s.NeedsRenewal(id); got != tc.want {
			t.Errorf("NeedsRenewal with %v left = %v, want %v", tc.left, got, tc.want)
		}
	}
	c.t = start
	if s.NeedsRenewal(id) {
		t.Error("a token just issued needs renewal")
	}
}

// CreateAnonymous stores a new user with a generated name and a secret
// anonymous id, and returns a token that verifies to that user.
func TestCreateAnonymous(t *testing.T) {
	t.Parallel()
	s, _ := newService(t)
	ctx := context.Background()
	u, id, err := s.CreateAnonymous(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if u.ID == "" || id.UserID != u.ID || !isGeneratedName(u.DisplayName) || u.AnonymousID == "" || u.AnonymousID == u.ID {
		t.Fatalf("CreateAnonymous = %+v, %+v", u, id)
	}
	wantAt := start.Truncate(time.Millisecond)
	if !u.CreatedAt.Equal(wantAt) || !u.UpdatedAt.Equal(wantAt) {
		t.Errorf("created %v, updated %v; want %v", u.CreatedAt, u.UpdatedAt, wantAt)
	}
	stored, err := s.store.GetUser(ctx, u.ID)
	if err != nil || stored.DisplayName != u.DisplayName || !stored.CreatedAt.Equal(wantAt) {
		t.Fatalf("stored user %+v, %v; want %+v", stored, err, u)
	}
	if got, err := s.Verify(ctx, id.Token); err != nil || got.UserID != u.ID {
		t.Fatalf("the new user's token: %+v, %v", got, err)
	}
	// Names are drawn for each user: twenty users all named alike would
	// happen by luck once in 1024^19.
	names := map[string]bool{u.DisplayName: true}
	for range 19 {
		u2, _, err := s.CreateAnonymous(ctx)
		if err != nil || u2.ID == u.ID || u2.AnonymousID == u.AnonymousID || !isGeneratedName(u2.DisplayName) {
			t.Fatalf("another anonymous user: %+v, %v; the first was %+v", u2, err, u)
		}
		names[u2.DisplayName] = true
	}
	if len(names) == 1 {
		t.Errorf("twenty anonymous users all named %q", u.DisplayName)
	}
	if _, err := s.store.GetUser(ctx, "nobody"); !errors.Is(err, model.ErrNotFound) {
		t.Fatalf("the store invents users: %v", err)
	}
}

// The parsed-token cache is bounded: a token parsed while it holds
// maxParsed starts it over; below that nothing is forgotten. Either way the
// token parsed is remembered and verifies.
func TestParsedTokenCacheIsBounded(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		before, after int
	}{
		{0, 1},
		{maxParsed - 1, maxParsed},
		{maxParsed, 1},
	} {
		s, _ := newService(t)
		for i := range tc.before {
			s.parsed[sha256.Sum256([]byte(strconv.Itoa(i)))] = parsedToken{}
		}
		id, err := s.Issue("user-1")
		if err != nil {
			t.Fatal(err)
		}
		if got, err := s.Verify(context.Background(), id.Token); err != nil || got.TokenID != id.TokenID {
			t.Fatalf("with %d remembered: %+v, %v", tc.before, got, err)
		}
		if _, ok := s.parsed[sha256.Sum256([]byte(id.Token))]; !ok || len(s.parsed) != tc.after {
			t.Errorf("with %d remembered, parsing one more leaves %d (token kept %v), want %d", tc.before, len(s.parsed), ok, tc.after)
		}
	}
}

func TestIdentityTravelsInContext(t *testing.T) {
	t.Parallel()
	if id, ok := FromContext(context.Background()); ok {
		t.Fatalf("an empty context carries %+v", id)
	}
	want := Identity{UserID: "u", TokenID: "t", Token: "x.y.z", ExpiresAt: start}
	if got, ok := FromContext(WithIdentity(context.Background(), want)); !ok || got != want {
		t.Fatalf("FromContext = %+v, %v; want %+v", got, ok, want)
	}
}

// Package auth issues and checks the anonymous identities of Body Double:
// signed JWTs (HS256) naming a user, revocable on the server, carried in the
// bd_session cookie or an Authorization: Bearer header.
//
// With a keyring (WithKeyring), tokens are signed with its active key and
// name it in the JWT header (kid); a token is verified with the key it
// names while the keyring still holds it, so a rotation signs nobody out.
// Tokens without kid were signed with the deployment's legacy secret
// before keyrings existed, and are still verified with it until they
// expire.
package auth

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/google/uuid"

	"github.com/bodydouble/bodydouble/internal/keyring"
	"github.com/bodydouble/bodydouble/internal/model"
	"github.com/bodydouble/bodydouble/internal/store"
)

// Token lifetimes: a token lives TokenTTL and is renewed once less than
// RenewBelow of its life is left, because it is the person's only key to
// their history.
const (
	TokenTTL   = 30 * 24 * time.Hour
	RenewBelow = TokenTTL / 2
)

// ErrUnauthorized means a token is missing, malformed, forged, expired or revoked.
var ErrUnauthorized = errors.New("auth: unauthorized")

// Identity is a verified session.
type Identity struct {
	UserID    string
	TokenID   string
	Token     string
	ExpiresAt time.Time
}

// Service signs, verifies and revokes tokens and creates anonymous users.
type Service struct {
	store  store.Store
	secret []byte // the legacy secret: signs without a keyring, verifies tokens without kid
	keys   *keyring.Keyring
	now    func() time.Time

	// parsed remembers tokens whose signature and claims were checked, so
	// that a client's every request does not pay for parsing and HMAC
	// again. It never replaces the revocation check, which Verify makes on
	// every call; only expiry, the one claim that changes with time, is
	// checked again against the clock. Tokens are known by their SHA-256,
	// so the cache does not keep the tokens (and the request headers they
	// were read from) alive: it costs about 150 bytes a token. It needs no
	// invalidation (a token's claims never change; Revoke drops the entry
	// anyway), and it is one of the caches on the lobby path listed in
	// docs/performance.md "Caches".
	mu     sync.RWMutex
	parsed map[[sha256.Size]byte]parsedToken
}

// parsedToken is what a checked token says.
type parsedToken struct {
	userID, tokenID string
	kid             string // "" for the legacy secret
	expiresAt       time.Time
}

// maxParsed bounds the remembered tokens; the map starts over when full.
const maxParsed = 10_000

// NewService returns a Service signing with secret (at least 32 bytes).
func NewService(st store.Store, secret string, now func() time.Time) (*Service, error) {
	if len(secret) < 32 {
		return nil, errors.New("auth: secret must be at least 32 bytes")
	}
	if now == nil {
		now = time.Now
	}
	return &Service{store: st, secret: []byte(secret), now: now, parsed: map[[sha256.Size]byte]parsedToken{}}, nil
}

// WithKeyring makes s sign with k's active key, naming it (kid), and
// verify tokens with the key they name. It returns s; call it before use.
func (s *Service) WithKeyring(k *keyring.Keyring) *Service {
	s.keys = k
	return s
}

// GenerateSecret returns a fresh random 32-byte secret, base64url encoded.
func GenerateSecret() string {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		panic("auth: crypto/rand failed: " + err.Error())
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

// CreateAnonymous makes a new user with a random anonymous id and a
// generated display name, and a token for them.
func (s *Service) CreateAnonymous(ctx context.Context) (model.User, Identity, error) {
	now := s.now().UTC().Truncate(time.Millisecond)
	u := model.User{
		ID:          uuid.NewString(),
		AnonymousID: GenerateSecret(),
		DisplayName: RandomName(),
		CreatedAt:   now,
		UpdatedAt:   now,
	}
	if err := s.store.CreateUser(ctx, u); err != nil {
		return model.User{}, Identity{}, fmt.Errorf("auth: create user: %w", err)
	}
	id, err := s.Issue(u.ID)
	return u, id, err
}

// Issue signs a new token for userID.
func (s *Service) Issue(userID string) (Identity, error) {
	now := s.now()
	exp := now.Add(TokenTTL).Truncate(time.Second)
	jti := uuid.NewString()
	tok := jwt.NewWithClaims(jwt.SigningMethodHS256, jwt.RegisteredClaims{
		Subject:   userID,
		ID:        jti,
		IssuedAt:  jwt.NewNumericDate(now),
		ExpiresAt: jwt.NewNumericDate(exp),
	})
	key := s.secret
	if s.keys != nil {
		var kid string
		kid, key = s.keys.SigningKey()
		tok.Header["kid"] = kid
	}
	signed, err := tok.SignedString(key)
	if err != nil {
		return Identity{}, fmt.Errorf("auth: sign: %w", err)
	}
	return Identity{UserID: userID, TokenID: jti, Token: signed, ExpiresAt: exp.UTC()}, nil
}

// Verify checks a token's signature, algorithm, expiry and revocation.
// Revocation is asked of the store on every call, so a logout on any
// instance is seen at once.
func (s *Service) Verify(ctx context.Context, token string) (Identity, error) {
	p, err := s.parse(token)
	if err != nil {
		return Identity{}, err
	}
	revoked, err := s.store.TokenRevoked(ctx, p.tokenID, p.userID)
	if err != nil {
		return Identity{}, fmt.Errorf("auth: revocation check: %w", err)
	}
	if revoked {
		return Identity{}, ErrUnauthorized
	}
	return Identity{UserID: p.userID, TokenID: p.tokenID, Token: token, ExpiresAt: p.expiresAt}, nil
}

// parse checks token's signature, algorithm and claims, or finds it among
// the tokens already checked; either way it must not have expired.
func (s *Service) parse(token string) (parsedToken, error) {
	key := sha256.Sum256([]byte(token))
	s.mu.RLock()
	p, ok := s.parsed[key]
	s.mu.RUnlock()
	if ok {
		// The check jwt makes: a token is valid strictly before its expiry.
		if !s.now().Before(p.expiresAt) {
			return parsedToken{}, ErrUnauthorized
		}
		if p.kid != "" && (s.keys == nil || !s.keys.Has(p.kid)) {
			return parsedToken{}, ErrUnauthorized // its key was retired since
		}
		return p, nil
	}
	var claims jwt.RegisteredClaims
	var kid string
	_, err := jwt.ParseWithClaims(token, &claims, func(t *jwt.Token) (any, error) {
		v, named := t.Header["kid"]
		if !named {
			return s.secret, nil
		}
		kid, _ = v.(string)
		if kid == "" || s.keys == nil {
			return nil, ErrUnauthorized
		}
		key, ok := s.keys.VerifyingKey(kid)
		if !ok {
			return nil, ErrUnauthorized
		}
		return key, nil
	},
		jwt.WithValidMethods([]string{jwt.SigningMethodHS256.Alg()}),
		jwt.WithExpirationRequired(),
		jwt.WithTimeFunc(s.now),
	)
	if err != nil || claims.Subject == "" || claims.ID == "" {
		return parsedToken{}, ErrUnauthorized
	}
	p = parsedToken{userID: claims.Subject, tokenID: claims.ID, kid: kid, expiresAt: claims.ExpiresAt.UTC()}
	s.mu.Lock()
	if len(s.parsed) >= maxParsed {
		clear(s.parsed)
	}
	s.parsed[key] = p
	s.mu.Unlock()
	return p, nil
}

// NeedsRenewal reports whether id is in the second half of its life.
func (s *Service) NeedsRenewal(id Identity) bool {
	return id.ExpiresAt.Sub(s.now()) < RenewBelow
}

// Revoke kills id's token everywhere: it is recorded in the database, which
// every instance consults.
func (s *Service) Revoke(ctx context.Context, id Identity) error {
	if err := s.store.RevokeToken(ctx, id.TokenID, id.ExpiresAt); err != nil {
		return fmt.Errorf("auth: revoke: %w", err)
	}
	s.mu.Lock()
	delete(s.parsed, sha256.Sum256([]byte(id.Token)))
	s.mu.Unlock()
	return nil
}

type ctxKey struct{}

// WithIdentity returns ctx carrying id.
func WithIdentity(ctx context.Context, id Identity) context.Context {
	return context.WithValue(ctx, ctxKey{}, id)
}

// FromContext returns the identity put in ctx by the middleware.
func FromContext(ctx context.Context) (Identity, bool) {
	id, ok := ctx.Value(ctxKey{}).(Identity)
	return id, ok
}

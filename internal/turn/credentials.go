package turn

import (
	"crypto/hmac"
	"crypto/sha1" //nolint:gosec // the TURN REST API (and coturn) fix HMAC-SHA1.
	"crypto/sha256"
	"encoding/base64"
	"strconv"
	"strings"
	"time"
)

// Credential is what a TURN username minted by Credentials says: until
// when it is valid, for which user, and for which session token (so that
// it stops working when that token is logged out).
type Credential struct {
	Expiry  time.Time
	UserID  string
	TokenID string
}

// Credentials mints short-lived TURN credentials for userID's session
// tokenID in the TURN REST API form that coturn's use-auth-secret also
// understands: the username is "<unix expiry>:<userID>:<tokenID>" (coturn
// reads the expiry before the first colon and ignores the rest) and the
// password is base64(HMAC-SHA1(secret, username)). They are valid until
// now+ttl.
func Credentials(secret []byte, userID, tokenID string, ttl time.Duration, now time.Time) (username, password string) {
	username = strconv.FormatInt(now.Add(ttl).Unix(), 10) + ":" + userID + ":" + tokenID
	return username, passwordFor(secret, username)
}

// Valid reports whether username and password are credentials minted with
// secret that have not expired at now. It cannot know about logouts.
func Valid(secret []byte, username, password string, now time.Time) bool {
	c, ok := ParseUsername(username)
	if !ok || !now.Before(c.Expiry) {
		return false
	}
	return hmac.Equal([]byte(password), []byte(passwordFor(secret, username)))
}

// ParseUsername reads a username made by Credentials. It checks the form
// only: the password proves the username was minted here.
func ParseUsername(username string) (Credential, bool) {
	parts := strings.Split(username, ":")
	if len(parts) != 3 || parts[1] == "" || parts[2] == "" {
		return Credential{}, false
	}
	sec, err := strconv.ParseInt(parts[0], 10, 64)
	if err != nil || sec <= 0 {
		return Credential{}, false
	}
	return Credential{Expiry: time.Unix(sec, 0), UserID: parts[1], TokenID: parts[2]}, true
}

// DeriveSecret turns the token signing secret into the TURN secret, so
// that every instance sharing a token secret agrees on TURN credentials
// without another setting, and neither secret reveals the other.
func DeriveSecret(tokenSecret string) []byte {
	m := hmac.New(sha256.New, []byte(tokenSecret))
	m.Write([]byte("bodydouble turn"))
	return m.Sum(nil)
}

func passwordFor(secret []byte, username string) string {
	m := hmac.New(sha1.New, secret)
	m.Write([]byte(username))
	return base64.StdEncoding.EncodeToString(m.Sum(nil))
}

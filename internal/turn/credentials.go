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

// Credentials mints short-lived TURN credentials for userID in the TURN
// REST API form that coturn's use-auth-secret also understands: the
// username is "<unix expiry>:<userID>" and the password is
// base64(HMAC-SHA1(secret, username)). They are valid until now+ttl.
func Credentials(secret []byte, userID string, ttl time.Duration, now time.Time) (username, password string) {
	username = strconv.FormatInt(now.Add(ttl).Unix(), 10) + ":" + userID
	return username, passwordFor(secret, username)
}

// Valid reports whether username and password are credentials minted with
// secret that have not expired at now.
func Valid(secret []byte, username, password string, now time.Time) bool {
	expiry, _, ok := parseUsername(username)
	if !ok || !now.Before(expiry) {
		return false
	}
	return hmac.Equal([]byte(password), []byte(passwordFor(secret, username)))
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

// parseUsername splits "<unix expiry>:<userID>".
func parseUsername(username string) (expiry time.Time, userID string, ok bool) {
	ts, userID, found := strings.Cut(username, ":")
	if !found || userID == "" {
		return time.Time{}, "", false
	}
	sec, err := strconv.ParseInt(ts, 10, 64)
	if err != nil || sec <= 0 {
		return time.Time{}, "", false
	}
	return time.Unix(sec, 0), userID, true
}

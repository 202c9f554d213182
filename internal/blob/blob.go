// Package blob keeps opaque files (today: uploaded avatars) by key, either
// under the data directory (FS) or in an S3-compatible object store (S3).
// Which one is chosen by --blob-url (Open). Keys are made by the callers
// from random ids, so a key never says who a file belongs to.
package blob

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"path/filepath"
	"strconv"
	"strings"
)

// MaxSize is the largest file Get reads back: anything larger in the store
// was not put there by this program.
const MaxSize = 8 << 20

// ErrNotFound is returned by Get when no file has the key.
var ErrNotFound = errors.New("blob: not found")

// ErrInvalidKey is returned for a key that ValidKey refuses.
var ErrInvalidKey = errors.New("blob: invalid key")

// Store keeps files by key. Implementations are safe for concurrent use.
type Store interface {
	// Put stores data under key, replacing any file there. A reader
	// sees either the old file or the whole new one.
	Put(ctx context.Context, key string, data []byte, contentType string) error
	// Get returns the file under key, or ErrNotFound.
	Get(ctx context.Context, key string) ([]byte, error)
	// Delete removes the file under key; a missing file is not an error.
	Delete(ctx context.Context, key string) error
	// Kind says where files go, for the start-up log: "file" or "s3".
	Kind() string
}

// ValidKey reports whether key may name a file: 1-200 characters of
// a-z, 0-9, '-', '_', '.' and '/', no empty, "." or ".." segment, no
// leading or trailing '/'. Such a key is a safe relative path and a safe
// object name.
func ValidKey(key string) bool {
	if key == "" || len(key) > 200 {
		return false
	}
	for _, c := range key {
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.' || c == '/') {
			return false
		}
	}
	for _, seg := range strings.Split(key, "/") {
		if seg == "" || seg == "." || seg == ".." {
			return false
		}
	}
	return true
}

func checkKey(key string) error {
	if !ValidKey(key) {
		return fmt.Errorf("%w: %q", ErrInvalidKey, key)
	}
	return nil
}

// Open returns the store rawURL names:
//
//   - "" is the directory blobs under dataDir;
//   - file:///path is that directory;
//   - s3://bucket?endpoint=host:port&region=…&secure=false is that bucket
//     of an S3-compatible server (secure defaults to true; region may be
//     empty), with the credentials in getenv("AWS_ACCESS_KEY_ID") and
//     getenv("AWS_SECRET_ACCESS_KEY"), never in the URL.
//
// Errors never repeat the credentials.
func Open(rawURL, dataDir string, getenv func(string) string) (Store, error) {
	if rawURL == "" {
		if dataDir == "" {
			return nil, errors.New("blob: no --blob-url and no data directory")
		}
		return NewFS(filepath.Join(dataDir, "blobs"))
	}
	u, err := url.Parse(rawURL)
	if err != nil {
		return nil, fmt.Errorf("blob: --blob-url is not a URL")
	}
	if u.User != nil {
		return nil, errors.New("blob: --blob-url must not carry credentials; set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY")
	}
	switch u.Scheme {
	case "file":
		if u.Host != "" || u.Path == "" {
			return nil, errors.New("blob: a file --blob-url is file:///absolute/path")
		}
		return NewFS(u.Path)
	case "s3":
		q := u.Query()
		for k := range q {
			if k != "endpoint" && k != "region" && k != "secure" {
				return nil, fmt.Errorf("blob: unknown --blob-url parameter %q (endpoint, region, secure)", k)
			}
		}
		secure := true
		if v := q.Get("secure"); v != "" {
			if secure, err = strconv.ParseBool(v); err != nil {
				return nil, errors.New("blob: --blob-url secure must be true or false")
			}
		}
		return NewS3(S3Options{
			Bucket:    u.Host,
			Endpoint:  q.Get("endpoint"),
			Region:    q.Get("region"),
			Secure:    secure,
			AccessKey: getenv("AWS_ACCESS_KEY_ID"),
			SecretKey: getenv("AWS_SECRET_ACCESS_KEY"),
		})
	}
	return nil, errors.New("blob: --blob-url must be s3://bucket?endpoint=… or file:///path")
}

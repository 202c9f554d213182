package blob_test

import (
	"bytes"
	"context"
	"errors"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"

	"github.com/bodydouble/bodydouble/internal/blob"
)

// contract is what every Store must do.
func contract(t *testing.T, s blob.Store) {
	ctx := context.Background()
	if _, err := s.Get(ctx, "avatars/missing.png"); !errors.Is(err, blob.ErrNotFound) {
		t.Fatalf("Get of a missing key: %v, want ErrNotFound", err)
	}
	if err := s.Delete(ctx, "avatars/missing.png"); err != nil {
		t.Fatalf("Delete of a missing key: %v", err)
	}
	one, two := []byte("first picture"), bytes.Repeat([]byte{0, 1, 2, 255}, 40000)
	if err := s.Put(ctx, "avatars/a.png", one, "image/png"); err != nil {
		t.Fatal(err)
	}
	if got, err := s.Get(ctx, "avatars/a.png"); err != nil || !bytes.Equal(got, one) {
		t.Fatalf("Get = %q, %v", got, err)
	}
	if err := s.Put(ctx, "avatars/a.png", two, "image/png"); err != nil {
		t.Fatal(err)
	}
	if got, err := s.Get(ctx, "avatars/a.png"); err != nil || !bytes.Equal(got, two) {
		t.Fatalf("Get after replacing: %d bytes, %v", len(got), err)
	}
	if err := s.Put(ctx, "avatars/b.jpg", one, "image/jpeg"); err != nil {
		t.Fatal(err)
	}
	if err := s.Delete(ctx, "avatars/a.png"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Get(ctx, "avatars/a.png"); !errors.Is(err, blob.ErrNotFound) {
		t.Fatalf("Get after Delete: %v", err)
	}
	if got, err := s.Get(ctx, "avatars/b.jpg"); err != nil || !bytes.Equal(got, one) {
		t.Fatalf("the other key after Delete: %q, %v", got, err)
	}
	for _, bad := range []string{"", "../x", "a/../../x", "/abs", "a//b", "A.png", "a\\b", "a/", strings.Repeat("a", 201)} {
		if err := s.Put(ctx, bad, one, "image/png"); !errors.Is(err, blob.ErrInvalidKey) {
			t.Errorf("Put(%q) = %v, want ErrInvalidKey", bad, err)
		}
		if _, err := s.Get(ctx, bad); !errors.Is(err, blob.ErrInvalidKey) {
			t.Errorf("Get(%q) = %v, want ErrInvalidKey", bad, err)
		}
		if err := s.Delete(ctx, bad); !errors.Is(err, blob.ErrInvalidKey) {
			t.Errorf("Delete(%q) = %v, want ErrInvalidKey", bad, err)
		}
	}
	// Concurrent writers of one key: every read is one whole version.
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := s.Put(ctx, "avatars/c.png", bytes.Repeat([]byte{byte(i)}, 10000), "image/png"); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	got, err := s.Get(ctx, "avatars/c.png")
	if err != nil || len(got) != 10000 || !bytes.Equal(got, bytes.Repeat(got[:1], 10000)) {
		t.Fatalf("after concurrent Puts: %d bytes, %v", len(got), err)
	}
}

func TestFS(t *testing.T) {
	dir := t.TempDir()
	s, err := blob.Open("", dir, os.Getenv)
	if err != nil {
		t.Fatal(err)
	}
	if s.Kind() != "file" {
		t.Fatalf("Kind = %q", s.Kind())
	}
	contract(t, s)
	if _, err := os.Stat(filepath.Join(dir, "blobs", "avatars", "b.jpg")); err != nil {
		t.Fatalf("the file is not under <data-dir>/blobs: %v", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "blobs", "avatars", "a.png")); !os.IsNotExist(err) {
		t.Fatalf("a deleted file is still there: %v", err)
	}
	// No temporary file is left behind.
	entries, _ := os.ReadDir(filepath.Join(dir, "blobs", "avatars"))
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), ".tmp-") {
			t.Fatalf("temporary file left: %s", e.Name())
		}
	}
}

func TestFileURL(t *testing.T) {
	dir := t.TempDir()
	s, err := blob.Open("file://"+dir, "", os.Getenv)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Put(context.Background(), "k.png", []byte("x"), "image/png"); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, "k.png")); err != nil {
		t.Fatal(err)
	}
}

// fakeS3 starts an S3-protocol server (gofakes3, in memory) on loopback
// with the bucket "avatars-test" and returns its host:port.
func fakeS3(t *testing.T) (endpoint string, backend *s3mem.Backend) {
	t.Helper()
	backend = s3mem.New()
	if err := backend.CreateBucket("avatars-test"); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(gofakes3.New(backend).Server())
	t.Cleanup(srv.Close)
	u, _ := url.Parse(srv.URL)
	return u.Host, backend
}

func TestS3(t *testing.T) {
	endpoint, backend := fakeS3(t)
	env := map[string]string{"AWS_ACCESS_KEY_ID": "test-id", "AWS_SECRET_ACCESS_KEY": "test-secret"}
	s, err := blob.Open("s3://avatars-test?endpoint="+endpoint+"&region=us-east-1&secure=false", "", func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	if s.Kind() != "s3" {
		t.Fatalf("Kind = %q", s.Kind())
	}
	contract(t, s)
	// The objects really are in the server's bucket.
	if _, err := backend.HeadObject("avatars-test", "avatars/b.jpg"); err != nil {
		t.Fatalf("the object is not in the bucket: %v", err)
	}
	if _, err := backend.HeadObject("avatars-test", "avatars/a.png"); err == nil {
		t.Fatal("a deleted object is still in the bucket")
	}
}

func TestOpenRefuses(t *testing.T) {
	env := func(k string) string {
		return map[string]string{"AWS_ACCESS_KEY_ID": "id-in-env", "AWS_SECRET_ACCESS_KEY": "secret-in-env"}[k]
	}
	for _, u := range []string{
		"s3://id:pass@bucket?endpoint=127.0.0.1:9000",
		"s3://?endpoint=127.0.0.1:9000",
		"s3://bucket",
		"s3://bucket?endpoint=127.0.0.1:9000&secure=maybe",
		"s3://bucket?endpoint=127.0.0.1:9000&key=secret",
		"http://bucket",
		"file://host/path",
		"::not a url",
	} {
		_, err := blob.Open(u, t.TempDir(), env)
		if err == nil {
			t.Errorf("Open(%q) succeeded", u)
			continue
		}
		for _, secret := range []string{"pass", "secret-in-env", "id-in-env"} {
			if strings.Contains(err.Error(), secret) {
				t.Errorf("Open(%q) error %q repeats a credential", u, err)
			}
		}
	}
	if _, err := blob.Open("s3://bucket?endpoint=127.0.0.1:9000", "", func(k string) string {
		if k == "AWS_ACCESS_KEY_ID" {
			return "only-id"
		}
		return ""
	}); err == nil {
		t.Error("Open with half the credentials succeeded")
	}
}

package api

import (
	"bytes"
	"encoding/base64"
	"image"
	"image/png"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"

	"github.com/bodydouble/bodydouble/internal/blob"
	"github.com/bodydouble/bodydouble/internal/model"
	"github.com/bodydouble/bodydouble/internal/users"
	"github.com/bodydouble/bodydouble/internal/wire"
)

// pngOf returns a w × h PNG.
func pngOf(t *testing.T, w, h int) string {
	t.Helper()
	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	rnd := rand.New(rand.NewPCG(uint64(w), uint64(h))) // noise: a large file
	for i := range img.Pix {
		img.Pix[i] = byte(rnd.Uint32())
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	return buf.String()
}

// withUploads starts an instance of e whose uploads go to b.
func (e *testEnv) withUploads(t *testing.T, b blob.Store) string {
	return e.instance(t, func(o *Options) { o.Users = users.New(e.store, e.clock.Now).WithBlobs(b, true) })
}

func TestAvatarUploadsOffByDefault(t *testing.T) {
	eachBackend(t, func(t *testing.T, e *testEnv) {
		var cfg struct{ AvatarUploads bool }
		(&client{base: e.url}).do(t, "GET", "/api/config", nil).want(t, http.StatusOK).decode(t, &cfg)
		if cfg.AvatarUploads {
			t.Fatal("avatarUploads is true without --avatar-uploads")
		}
		c := e.signup(t)
		c.do(t, "PUT", "/api/users/me/avatar", pngOf(t, 300, 300), "Content-Type", "image/png").problem(t, http.StatusForbidden, "forbidden")
		var u wire.User
		c.do(t, "GET", "/api/users/profile", nil).want(t, http.StatusOK).decode(t, &u)
		if u.AvatarURL != nil {
			t.Fatalf("an avatar after a refused upload: %v", *u.AvatarURL)
		}
	})
}

func TestAvatarUploads(t *testing.T) {
	eachBackend(t, func(t *testing.T, e *testEnv) {
		dir := t.TempDir()
		fs, err := blob.NewFS(dir)
		if err != nil {
			t.Fatal(err)
		}
		base := e.withUploads(t, fs)
		files := func() []string {
			m, _ := filepath.Glob(filepath.Join(dir, "avatars", "*"))
			return m
		}
		var cfg struct{ AvatarUploads bool }
		(&client{base: base}).do(t, "GET", "/api/config", nil).want(t, http.StatusOK).decode(t, &cfg)
		if !cfg.AvatarUploads {
			t.Fatal("avatarUploads is false with uploads on")
		}
		c := signupAt(t, base)
		// Refusals change nothing.
		big := pngOf(t, 10, 10) + strings.Repeat("x", users.MaxUploadBytes)
		c.do(t, "PUT", "/api/users/me/avatar", big, "Content-Type", "image/png").problem(t, http.StatusRequestEntityTooLarge, "too_large")
		c.do(t, "PUT", "/api/users/me/avatar", "not a picture", "Content-Type", "image/png").problem(t, http.StatusBadRequest, "invalid")
		c.do(t, "PUT", "/api/users/me/avatar", pngOf(t, 10, 10), "Content-Type", "image/gif").problem(t, http.StatusBadRequest, "invalid")
		if f := files(); len(f) != 0 {
			t.Fatalf("refused uploads stored %v", f)
		}
		// A picture larger than the JSON body limit is accepted.
		pic := pngOf(t, 500, 400)
		if len(pic) <= maxBody {
			t.Fatalf("the test picture is only %d bytes", len(pic))
		}
		var u wire.User
		c.do(t, "PUT", "/api/users/me/avatar", pic, "Content-Type", "image/png").want(t, http.StatusOK).decode(t, &u)
		if u.AvatarURL == nil || len(files()) != 1 {
			t.Fatalf("after upload: %+v, files %v", u, files())
		}
		res := c.do(t, "GET", *u.AvatarURL, nil).want(t, http.StatusOK)
		if ct := res.header.Get("Content-Type"); ct != "image/png" || res.header.Get("Cache-Control") != "private, max-age=31536000, immutable" {
			t.Fatalf("served %s, %s", ct, res.header.Get("Cache-Control"))
		}
		cfgImg, err := png.DecodeConfig(bytes.NewReader(res.body))
		if err != nil || cfgImg.Width != 256 || cfgImg.Height != 256 {
			t.Fatalf("served %+v, %v", cfgImg, err)
		}

		// A member may not remove it; a moderator may, and it is audited.
		other, mod := signupAt(t, base), signupAt(t, base)
		other.do(t, "DELETE", "/api/mod/users/"+c.userID+"/avatar", nil).problem(t, http.StatusForbidden, "forbidden")
		if len(files()) != 1 {
			t.Fatal("a member's attempt removed the picture")
		}
		e.makeRole(t, mod, model.RoleModerator)
		mod.do(t, "DELETE", "/api/mod/users/"+c.userID+"/avatar", nil).want(t, http.StatusOK).decode(t, &u)
		if u.AvatarURL != nil || len(files()) != 0 {
			t.Fatalf("after a moderator's removal: %+v, files %v", u, files())
		}
		log, err := e.store.AuditLog(t.Context(), "", 1)
		if err != nil || len(log) != 1 || log[0].Action != "user.remove-avatar" || log[0].ActorID != mod.userID || log[0].TargetID != c.userID {
			t.Fatalf("audit %+v, %v", log, err)
		}
		mod.do(t, "DELETE", "/api/mod/users/not-an-id/avatar", nil).problem(t, http.StatusNotFound, "not_found")

		// Erase removes the file.
		c.do(t, "PUT", "/api/users/me/avatar", pic, "Content-Type", "image/png").want(t, http.StatusOK)
		if len(files()) != 1 {
			t.Fatalf("files %v", files())
		}
		// The export carries the uploaded picture itself, not a reference
		// to the server's file.
		var x struct {
			User struct {
				Avatar *string `json:"avatar"`
			} `json:"user"`
		}
		c.do(t, "GET", "/api/users/me/export", nil).want(t, http.StatusOK).decode(t, &x)
		stored, err := os.ReadFile(files()[0])
		if err != nil {
			t.Fatal(err)
		}
		if want := "data:image/png;base64," + base64.StdEncoding.EncodeToString(stored); x.User.Avatar == nil || *x.User.Avatar != want {
			t.Fatalf("exported avatar %v, want the stored picture as a data: URL", x.User.Avatar != nil)
		}
		c.do(t, "DELETE", "/api/users/me", nil).want(t, http.StatusNoContent)
		if f := files(); len(f) != 0 {
			t.Fatalf("after erase: %v", f)
		}
	})
}

// With S3 (an S3-protocol server on loopback), erase removes the object.
func TestAvatarEraseRemovesTheS3Object(t *testing.T) {
	backend := s3mem.New()
	if err := backend.CreateBucket("avatars"); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(gofakes3.New(backend).Server())
	t.Cleanup(srv.Close)
	u, _ := url.Parse(srv.URL)
	env := map[string]string{"AWS_ACCESS_KEY_ID": "id", "AWS_SECRET_ACCESS_KEY": "secret"}
	s3, err := blob.Open("s3://avatars?endpoint="+u.Host+"&secure=false", "", func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	eachBackend(t, func(t *testing.T, e *testEnv) {
		c := signupAt(t, e.withUploads(t, s3))
		c.do(t, "PUT", "/api/users/me/avatar", pngOf(t, 300, 300), "Content-Type", "image/png").want(t, http.StatusOK)
		var me wire.User
		c.do(t, "GET", "/api/users/profile", nil).want(t, http.StatusOK).decode(t, &me)
		c.do(t, "GET", *me.AvatarURL, nil).want(t, http.StatusOK)
		ref, err := users.New(e.store, nil).AvatarRef(t.Context(), c.userID)
		if err != nil {
			t.Fatal(err)
		}
		key := strings.TrimPrefix(ref, "blob:")
		if _, err := backend.HeadObject("avatars", key); err != nil {
			t.Fatalf("the object %q is not in the bucket: %v", key, err)
		}
		c.do(t, "DELETE", "/api/users/me", nil).want(t, http.StatusNoContent)
		if _, err := backend.HeadObject("avatars", key); err == nil {
			t.Fatalf("the object %q is still there after erase", key)
		}
	})
}

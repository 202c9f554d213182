package users_test

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"hash/crc32"
	"image"
	"image/jpeg"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/bodydouble/bodydouble/internal/apperr"
	"github.com/bodydouble/bodydouble/internal/blob"
	"github.com/bodydouble/bodydouble/internal/store"
	"github.com/bodydouble/bodydouble/internal/users"
	"github.com/bodydouble/bodydouble/internal/wire"
)

// picture returns a w × h picture encoded as format ("png" or "jpeg").
func picture(t testing.TB, format string, w, h int) []byte {
	t.Helper()
	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	for i := range img.Pix {
		img.Pix[i] = byte(i * 7)
	}
	var buf bytes.Buffer
	var err error
	if format == "png" {
		err = png.Encode(&buf, img)
	} else {
		err = jpeg.Encode(&buf, img, nil)
	}
	if err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// bomb is a valid PNG of a few hundred bytes whose header declares
// w × h pixels (with a correct checksum).
func bomb(t *testing.T, w, h uint32) []byte {
	b := picture(t, "png", 1, 1)
	// Signature (8), IHDR length (4), "IHDR" (4), width, height, ...
	binary.BigEndian.PutUint32(b[16:], w)
	binary.BigEndian.PutUint32(b[20:], h)
	binary.BigEndian.PutUint32(b[29:], crc32.ChecksumIEEE(b[12:29]))
	if _, err := png.DecodeConfig(bytes.NewReader(b)); err != nil {
		t.Fatalf("the bomb's header does not parse: %v", err)
	}
	return b
}

func size(t *testing.T, ctype string, b []byte) (int, int, string) {
	t.Helper()
	cfg, format, err := image.DecodeConfig(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("the result is not a picture: %v", err)
	}
	if "image/"+format != ctype {
		t.Fatalf("content type %s but the bytes are %s", ctype, format)
	}
	return cfg.Width, cfg.Height, format
}

func TestProcessAvatarFormats(t *testing.T) {
	webp, err := os.ReadFile(filepath.Join("testdata", "blue-purple-pink.lossy.webp"))
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		ctype string
		data  []byte
		want  string
	}{
		{"image/png", picture(t, "png", 640, 300), "png"},
		{"image/png", picture(t, "png", 20, 90), "png"}, // smaller: scaled up
		{"image/jpeg", picture(t, "jpeg", 300, 640), "jpeg"},
		{"image/webp", webp, "png"},
	} {
		out, ctype, err := users.ProcessAvatar(c.ctype, c.data)
		if err != nil {
			t.Fatalf("%s: %v", c.ctype, err)
		}
		if w, h, f := size(t, ctype, out); w != users.AvatarSide || h != users.AvatarSide || f != c.want {
			t.Errorf("%s: %d × %d %s, want %d × %d %s", c.ctype, w, h, f, users.AvatarSide, users.AvatarSide, c.want)
		}
	}
}

// The crop is the centre: a picture whose left and right thirds are
// black and middle third white comes out white.
func TestProcessAvatarCropsTheCentre(t *testing.T) {
	img := image.NewGray(image.Rect(0, 0, 900, 300))
	for y := range 300 {
		for x := 300; x < 600; x++ {
			img.Pix[y*img.Stride+x] = 255
		}
	}
	var buf bytes.Buffer
	png.Encode(&buf, img)
	out, _, err := users.ProcessAvatar("image/png", buf.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	got, _ := png.Decode(bytes.NewReader(out))
	for _, p := range []image.Point{{0, 0}, {255, 255}, {0, 255}, {128, 128}} {
		if r, _, _, _ := got.At(p.X, p.Y).RGBA(); r < 0xf000 {
			t.Errorf("pixel %v is %#x, want white", p, r)
		}
	}
}

func TestProcessAvatarDropsMetadata(t *testing.T) {
	src := picture(t, "jpeg", 400, 400)
	// An APP1 Exif segment with a GPS-looking marker, right after SOI.
	payload := append([]byte("Exif\x00\x00"), []byte("GPS-SECRET-LOCATION")...)
	seg := append([]byte{0xFF, 0xE1, 0, 0}, payload...)
	binary.BigEndian.PutUint16(seg[2:], uint16(len(payload)+2))
	withExif := append(append(append([]byte{}, src[:2]...), seg...), src[2:]...)
	if _, _, err := image.Decode(bytes.NewReader(withExif)); err != nil {
		t.Fatalf("the EXIF JPEG does not decode: %v", err)
	}
	out, ctype, err := users.ProcessAvatar("image/jpeg", withExif)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(out, []byte("Exif")) || bytes.Contains(out, []byte("GPS-SECRET")) {
		t.Fatal("the metadata survived")
	}
	if w, h, _ := size(t, ctype, out); w != 256 || h != 256 {
		t.Fatalf("%d × %d", w, h)
	}
}

func TestProcessAvatarRefuses(t *testing.T) {
	for name, c := range map[string]struct {
		ctype string
		data  []byte
	}{
		"decompression bomb 30000²": {"image/png", bomb(t, 30000, 30000)},
		"too wide":                  {"image/png", bomb(t, 8193, 10)},
		"too many pixels":           {"image/png", bomb(t, 6000, 6000)},
		"over 2 MB":                 {"image/png", big(t)},
		"not an image":              {"image/png", []byte("hello, this is text")},
		"declared PNG, is JPEG":     {"image/png", picture(t, "jpeg", 10, 10)},
		"GIF type":                  {"image/gif", picture(t, "png", 10, 10)},
		"empty":                     {"image/jpeg", nil},
	} {
		if _, _, err := users.ProcessAvatar(c.ctype, c.data); !errors.Is(err, users.ErrInvalidAvatar) {
			t.Errorf("%s: %v, want ErrInvalidAvatar", name, err)
		}
	}
	// The bomb is refused on its header: decoding 30000² RGBA would
	// allocate 3.6 GB, so refusing it must cost next to nothing.
	var before, after runtimeMem
	before.read()
	users.ProcessAvatar("image/png", bomb(t, 30000, 30000))
	after.read()
	if d := after.total - before.total; d > 1<<20 {
		t.Fatalf("refusing the bomb allocated %d bytes", d)
	}
}

func TestUploadAvatar(t *testing.T) {
	eachBackend(t, func(t *testing.T, s *users.Service, st store.Store) {
		ctx := context.Background()
		dir := t.TempDir()
		id := person(t, st)
		// Uploads off: forbidden, nothing stored.
		_, err := s.UploadAvatar(ctx, id, "image/png", picture(t, "png", 300, 300))
		if e := apperr.From(err); e.Code != apperr.Forbidden {
			t.Fatalf("uploads off: %v, want forbidden", err)
		}
		blobs, err := blob.NewFS(dir)
		if err != nil {
			t.Fatal(err)
		}
		s.WithBlobs(blobs, true)
		files := func() []string {
			m, _ := filepath.Glob(filepath.Join(dir, "avatars", "*"))
			return m
		}
		if _, err := s.UploadAvatar(ctx, id, "image/png", big(t)); apperr.From(err).Code != apperr.TooLarge {
			t.Fatalf("over 2 MB: %v, want too_large", err)
		}
		if _, err := s.UploadAvatar(ctx, id, "image/png", []byte("text")); apperr.From(err).Code != apperr.Invalid {
			t.Fatalf("not an image: %v, want invalid", err)
		}
		if len(files()) != 0 {
			t.Fatalf("refused uploads stored files: %v", files())
		}
		u, err := s.UploadAvatar(ctx, id, "image/jpeg", picture(t, "jpeg", 500, 400))
		if err != nil || u.AvatarVersion == nil {
			t.Fatalf("upload: %+v, %v", u, err)
		}
		first := files()
		if len(first) != 1 || !strings.HasSuffix(first[0], ".jpg") {
			t.Fatalf("stored files %v", first)
		}
		a, err := s.Avatar(ctx, id)
		if err != nil || a.ContentType != "image/jpeg" || a.Version != *u.AvatarVersion {
			t.Fatalf("Avatar = %s %s, %v", a.ContentType, a.Version, err)
		}
		if w, h, _ := size(t, a.ContentType, a.Data); w != 256 || h != 256 {
			t.Fatalf("served %d × %d", w, h)
		}
		// Replacing deletes the old file.
		u2, err := s.UploadAvatar(ctx, id, "image/png", picture(t, "png", 300, 300))
		if err != nil || *u2.AvatarVersion == *u.AvatarVersion {
			t.Fatalf("replace: %v", err)
		}
		if f := files(); len(f) != 1 || f[0] == first[0] {
			t.Fatalf("after replacing: %v (was %v)", f, first)
		}
		// A data: URL avatar set through the profile replaces it too.
		if _, err := s.UpdateProfile(ctx, id, wire.ProfileInput{AvatarURL: set(dataURLOf(picture(t, "png", 8, 8)))}); err != nil {
			t.Fatal(err)
		}
		if f := files(); len(f) != 0 {
			t.Fatalf("after a data: URL avatar: %v", f)
		}
		// Null removes it.
		if _, err := s.UploadAvatar(ctx, id, "image/png", picture(t, "png", 300, 300)); err != nil {
			t.Fatal(err)
		}
		if _, err := s.UpdateProfile(ctx, id, wire.ProfileInput{AvatarURL: null[string]()}); err != nil {
			t.Fatal(err)
		}
		if f := files(); len(f) != 0 {
			t.Fatalf("after avatarUrl null: %v", f)
		}
		if _, err := s.Avatar(ctx, id); apperr.From(err).Code != apperr.NotFound {
			t.Fatalf("Avatar after removal: %v", err)
		}
		// A moderator's removal deletes the file and is audited.
		if _, err := s.UploadAvatar(ctx, id, "image/png", picture(t, "png", 300, 300)); err != nil {
			t.Fatal(err)
		}
		mod := person(t, st)
		if _, err := s.ModeratorRemoveAvatar(ctx, mod, id); err != nil {
			t.Fatal(err)
		}
		if f := files(); len(f) != 0 {
			t.Fatalf("after a moderator's removal: %v", f)
		}
		log, err := st.AuditLog(ctx, "", 1)
		if err != nil || len(log) != 1 || log[0].Action != users.ActionRemoveAvatar || log[0].ActorID != mod || log[0].TargetID != id {
			t.Fatalf("audit: %+v, %v", log, err)
		}
		// Erase: the ref read before, the file dropped after.
		if _, err := s.UploadAvatar(ctx, id, "image/png", picture(t, "png", 300, 300)); err != nil {
			t.Fatal(err)
		}
		ref, err := s.AvatarRef(ctx, id)
		if err != nil || !strings.HasPrefix(ref, "blob:avatars/") {
			t.Fatalf("AvatarRef = %q, %v", ref, err)
		}
		if _, err := s.Erase(ctx, id); err != nil {
			t.Fatal(err)
		}
		if err := s.DropAvatarBlob(ctx, ref); err != nil {
			t.Fatal(err)
		}
		if f := files(); len(f) != 0 {
			t.Fatalf("after erase: %v", f)
		}
	})
}

func big(t *testing.T) []byte {
	return append(picture(t, "png", 10, 10), make([]byte, users.MaxUploadBytes)...)
}

func dataURLOf(png []byte) string {
	return "data:image/png;base64," + b64enc(png)
}

package users

import (
	"bytes"
	"encoding/base64"
	"errors"
	"image"
	"image/color"
	"image/gif"
	"image/jpeg"
	"image/png"
	"strings"
	"testing"

	"github.com/bodydouble/bodydouble/internal/model"
)

// Real WebP files of one pixel, one per kind of first chunk (the samples
// browsers' feature tests decode).
var (
	webpLossy    = b64("UklGRiIAAABXRUJQVlA4IBYAAAAwAQCdASoBAAEADsD+JaQAA3AAAAAA")
	webpLossless = b64("UklGRhoAAABXRUJQVlA4TA0AAAAvAAAAEAcQERGIiP4HAA==")
	webpAlpha    = b64("UklGRkoAAABXRUJQVlA4WAoAAAAQAAAAAAAAAAAAQUxQSAwAAAARBxAR/Q9ERP8DAABWUDggGAAAABQBAJ0BKgEAAQAAAP4AAA3AAP7mtQAAAA==")
)

func b64(s string) []byte {
	b, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		panic(err)
	}
	return b
}

func dataURL(mime string, b []byte) string {
	return "data:" + mime + ";base64," + base64.StdEncoding.EncodeToString(b)
}

// encoded returns a w × h picture in format ("png", "jpeg" or "gif").
func encoded(t testing.TB, format string, w, h int) []byte {
	t.Helper()
	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	for i := range img.Pix {
		img.Pix[i] = byte(i * 7)
	}
	var buf bytes.Buffer
	var err error
	switch format {
	case "png":
		err = png.Encode(&buf, img)
	case "jpeg":
		err = jpeg.Encode(&buf, img, nil)
	case "gif":
		err = gif.Encode(&buf, image.NewPaletted(img.Rect, color.Palette{color.Black, color.White}), nil)
	}
	if err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// webpVP8X is a VP8X header declaring w × h (the chunk after it is not read).
func webpVP8X(w, h int) []byte {
	b := []byte("RIFF\x00\x00\x00\x00WEBPVP8X\x0a\x00\x00\x00\x10\x00\x00\x00")
	b = append(b, byte(w-1), byte((w-1)>>8), byte((w-1)>>16), byte(h-1), byte((h-1)>>8), byte((h-1)>>16))
	b[4] = byte(len(b) - 8)
	return b
}

func TestParseAvatar(t *testing.T) {
	t.Parallel()
	pngFile, jpegFile := encoded(t, "png", 32, 24), encoded(t, "jpeg", 32, 24)
	truncatedPNG := pngFile[:20]
	badCRC := bytes.Clone(pngFile)
	badCRC[29] ^= 0xff // inside IHDR's checksum
	svg := []byte(`<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>`)
	html := []byte("<!doctype html><script>alert(1)</script>")
	webpWrongSize := bytes.Clone(webpLossless)
	webpWrongSize[4]++
	tests := []struct {
		name string
		url  string
		mime string // "" when refused
	}{
		{"PNG", dataURL("image/png", pngFile), "image/png"},
		{"JPEG", dataURL("image/jpeg", jpegFile), "image/jpeg"},
		{"lossy WebP", dataURL("image/webp", webpLossy), "image/webp"},
		{"lossless WebP", dataURL("image/webp", webpLossless), "image/webp"},
		{"extended WebP", dataURL("image/webp", webpAlpha), "image/webp"},
		{"PNG 1024 a side", dataURL("image/png", encoded(t, "png", 1024, 1)), "image/png"},

		{"SVG declared PNG", dataURL("image/png", svg), ""},
		{"HTML declared JPEG", dataURL("image/jpeg", html), ""},
		{"text declared WebP", dataURL("image/webp", []byte(strings.Repeat("RIFF text WEBP ", 4))), ""},
		{"SVG", dataURL("image/svg+xml", svg), ""},
		{"GIF", dataURL("image/gif", encoded(t, "gif", 4, 4)), ""},
		{"JPEG declared PNG", dataURL("image/png", jpegFile), ""},
		{"PNG declared WebP", dataURL("image/webp", pngFile), ""},
		{"truncated PNG", dataURL("image/png", truncatedPNG), ""},
		{"PNG with a bad IHDR checksum", dataURL("image/png", badCRC), ""},
		{"PNG signature only", dataURL("image/png", pngSignature), ""},
		{"empty", "data:image/png;base64,", ""},
		{"PNG 1025 a side", dataURL("image/png", encoded(t, "png", 1025, 1)), ""},
		{"WebP 30000 a side", dataURL("image/webp", webpVP8X(30000, 30000)), ""},
		{"WebP with a wrong RIFF size", dataURL("image/webp", webpWrongSize), ""},
		{"not base64", "data:image/png;base64,iVBORw0KGgo!", ""},
		{"not a data: URL", "https://tracker.example/pixel.png", ""},
		{"data: URL without base64", "data:image/png,\x89PNG", ""},
		{"over 32 KB", dataURL("image/png", append(bytes.Clone(pngFile), make([]byte, MaxAvatarLen)...)), ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			a, err := ParseAvatar(tc.url)
			if tc.mime == "" {
				if !errors.Is(err, ErrInvalidAvatar) {
					t.Fatalf("accepted (%v), want ErrInvalidAvatar", err)
				}
				if validAvatar(tc.url) {
					t.Error("validAvatar accepts it")
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			want := b64(tc.url[strings.Index(tc.url, ",")+1:])
			if a.ContentType != tc.mime || !bytes.Equal(a.Data, want) || a.Version != model.AvatarVersion(tc.url) {
				t.Errorf("got %s, %d bytes, version %q", a.ContentType, len(a.Data), a.Version)
			}
		})
	}
}

// The hand-read WebP header gives each sample's real size.
func TestWebPSize(t *testing.T) {
	t.Parallel()
	for name, f := range map[string][]byte{"lossy": webpLossy, "lossless": webpLossless, "extended": webpAlpha, "VP8X 640 × 480": webpVP8X(640, 480)} {
		w, h, err := webpSize(f)
		wantW, wantH := 1, 1
		if name == "VP8X 640 × 480" {
			wantW, wantH = 640, 480
		}
		if err != nil || w != wantW || h != wantH {
			t.Errorf("%s: %d × %d, %v", name, w, h, err)
		}
	}
}

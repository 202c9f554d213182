package users

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"image"
	"image/jpeg"
	"image/png"
	"io"
	"strings"

	"github.com/bodydouble/bodydouble/internal/apperr"
	"github.com/bodydouble/bodydouble/internal/model"
)

// MaxAvatarSide is the largest width or height of an avatar in pixels. A
// few KB of PNG can declare a picture of 30,000 × 30,000 pixels that costs
// every browser in the room gigabytes to decode; avatars are shown at 48
// pixels, so 1024 is plenty.
const MaxAvatarSide = 1024

// ErrInvalidAvatar is wrapped by every reason ParseAvatar refuses a picture.
var ErrInvalidAvatar = errors.New("users: invalid avatar")

// Avatar is a decoded avatar, ready to be served.
type Avatar struct {
	// ContentType is image/png, image/jpeg or image/webp, as declared by
	// the data: URL and confirmed by the bytes.
	ContentType string
	// Data is the image file.
	Data []byte
	// Version is model.AvatarVersion of the stored data: URL: the v of its
	// URL and its ETag.
	Version string
}

// avatarType is an image type an avatar may have.
type avatarType struct {
	prefix string // of the data: URL
	mime   string
	// size checks data is a file of this type and returns its dimensions.
	size func(data []byte) (w, h int, err error)
}

var avatarTypes = []avatarType{
	{"data:image/png;base64,", "image/png", pngSize},
	{"data:image/jpeg;base64,", "image/jpeg", jpegSize},
	{"data:image/webp;base64,", "image/webp", webpSize},
}

// ParseAvatar decodes a data: URL avatar and checks that its bytes really
// are an image of the declared type (signature and header, including its
// dimensions), so that what the avatar endpoint serves under that
// Content-Type is never anything else.
func ParseAvatar(dataURL string) (Avatar, error) {
	if len(dataURL) > MaxAvatarLen {
		return Avatar{}, fmt.Errorf("%w: longer than %d bytes", ErrInvalidAvatar, MaxAvatarLen)
	}
	for _, t := range avatarTypes {
		payload, ok := strings.CutPrefix(dataURL, t.prefix)
		if !ok {
			continue
		}
		data, err := base64.StdEncoding.Strict().DecodeString(payload)
		if err != nil {
			return Avatar{}, fmt.Errorf("%w: base64: %w", ErrInvalidAvatar, err)
		}
		w, h, err := t.size(data)
		if err != nil {
			return Avatar{}, fmt.Errorf("%w: the bytes are not %s: %w", ErrInvalidAvatar, t.mime, err)
		}
		if w < 1 || h < 1 || w > MaxAvatarSide || h > MaxAvatarSide {
			return Avatar{}, fmt.Errorf("%w: %d × %d pixels (at most %d a side)", ErrInvalidAvatar, w, h, MaxAvatarSide)
		}
		return Avatar{ContentType: t.mime, Data: data, Version: model.AvatarVersion(dataURL)}, nil
	}
	return Avatar{}, fmt.Errorf("%w: not a PNG, JPEG or WebP data: URL", ErrInvalidAvatar)
}

// pngSize checks the signature, then lets image/png read the IHDR chunk
// (checksum included).
var pngSize = headerSize(pngSignature, "no PNG signature", png.DecodeConfig)

var pngSignature = []byte("\x89PNG\r\n\x1a\n")

// jpegSize checks the SOI marker, then lets image/jpeg read the markers up
// to the frame header.
var jpegSize = headerSize([]byte{0xFF, 0xD8, 0xFF}, "no JPEG start of image", jpeg.DecodeConfig)

// headerSize returns a size reader for a format the standard library
// decodes: data must start with magic, then decode reads the header.
func headerSize(magic []byte, missing string, decode func(io.Reader) (image.Config, error)) func([]byte) (int, int, error) {
	return func(data []byte) (int, int, error) {
		if !bytes.HasPrefix(data, magic) {
			return 0, 0, errors.New(missing)
		}
		c, err := decode(bytes.NewReader(data))
		if err != nil {
			return 0, 0, err
		}
		return c.Width, c.Height, nil
	}
}

// webpSize reads a WebP file's RIFF header and first chunk, whose layout
// is in RFC 9649: VP8 (lossy), VP8L (lossless) or VP8X (extended). The
// standard library has no WebP reader and this is all we need of one.
func webpSize(data []byte) (int, int, error) {
	if len(data) < 30 || string(data[0:4]) != "RIFF" || string(data[8:12]) != "WEBP" {
		return 0, 0, errors.New("no RIFF WEBP header")
	}
	if riff := binary.LittleEndian.Uint32(data[4:8]); uint64(riff)+8 != uint64(len(data)) {
		return 0, 0, fmt.Errorf("RIFF size %d does not match the file's %d bytes", riff, len(data))
	}
	chunk, size := string(data[12:16]), binary.LittleEndian.Uint32(data[16:20])
	p := data[20:]
	if uint64(size) > uint64(len(p)) {
		return 0, 0, fmt.Errorf("%q chunk of %d bytes is truncated", chunk, size)
	}
	le24 := func(b []byte) int { return int(b[0]) | int(b[1])<<8 | int(b[2])<<16 }
	switch chunk {
	case "VP8 ": // frame tag (3), start code 9d 01 2a, 14-bit width and height
		if size < 10 || !bytes.Equal(p[3:6], []byte{0x9d, 0x01, 0x2a}) {
			return 0, 0, errors.New("no VP8 start code")
		}
		return int(binary.LittleEndian.Uint16(p[6:8]) & 0x3fff), int(binary.LittleEndian.Uint16(p[8:10]) & 0x3fff), nil
	case "VP8L": // signature 2f, then 14 bits each of width-1 and height-1
		if size < 5 || p[0] != 0x2f {
			return 0, 0, errors.New("no VP8L signature")
		}
		bits := binary.LittleEndian.Uint32(p[1:5])
		return int(bits&0x3fff) + 1, int(bits>>14&0x3fff) + 1, nil
	case "VP8X": // flags (1), reserved (3), 24 bits each of width-1 and height-1
		if size < 10 {
			return 0, 0, errors.New("short VP8X chunk")
		}
		return le24(p[4:7]) + 1, le24(p[7:10]) + 1, nil
	}
	return 0, 0, fmt.Errorf("unknown first chunk %q", chunk)
}

// Avatar returns userID's avatar as it is served, or not_found when there
// is no such person or they have no avatar. A stored avatar that fails
// ParseAvatar (saved before pictures were checked) is not_found too:
// better no picture than bytes that are not what they claim to be.
func (s *Service) Avatar(ctx context.Context, userID string) (Avatar, error) {
	stored, err := s.store.UserAvatar(ctx, userID)
	if err != nil {
		return Avatar{}, apperr.From(err)
	}
	if strings.HasPrefix(stored, blobRef) {
		return s.blobAvatar(ctx, stored)
	}
	a, err := ParseAvatar(stored)
	if err != nil {
		return Avatar{}, apperr.From(model.ErrNotFound)
	}
	return a, nil
}

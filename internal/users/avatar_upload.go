package users

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"image"
	"image/jpeg"
	"image/png"
	"strings"
	"time"

	"golang.org/x/image/draw"
	_ "golang.org/x/image/webp" // registers WebP with image.Decode

	"github.com/bodydouble/bodydouble/internal/apperr"
	"github.com/bodydouble/bodydouble/internal/blob"
	"github.com/bodydouble/bodydouble/internal/model"
)

// Limits of uploaded avatars (--avatar-uploads).
const (
	// MaxUploadBytes is the largest file accepted.
	MaxUploadBytes = 2 << 20
	// MaxUploadSide and MaxUploadPixels bound the dimensions a file's
	// header declares, checked before a single pixel is decoded, so that a
	// few KB declaring 30,000 × 30,000 pixels costs nothing.
	MaxUploadSide   = 8192
	MaxUploadPixels = 25_000_000
	// AvatarSide is the side of every stored upload, in pixels.
	AvatarSide = 256
)

// ActionRemoveAvatar is the audit action of a moderator's removal.
const ActionRemoveAvatar = "user.remove-avatar"

// blobRef is the prefix of an avatar column that names a file in the
// blob store rather than holding a data: URL.
const blobRef = "blob:"

// uploadTypes maps an accepted Content-Type to image.DecodeConfig's name.
var uploadTypes = map[string]string{"image/png": "png", "image/jpeg": "jpeg", "image/webp": "webp"}

// WithBlobs makes s keep uploaded avatars in b and accept uploads when
// uploads is true (--avatar-uploads). It returns s. Without it, uploads
// are refused (forbidden) and only data: URL avatars exist.
func (s *Service) WithBlobs(b blob.Store, uploads bool) *Service {
	s.blobs, s.uploads = b, uploads && b != nil
	return s
}

// UploadsEnabled says whether UploadAvatar accepts pictures.
func (s *Service) UploadsEnabled() bool { return s.uploads }

// ProcessAvatar turns an uploaded file of contentType into the picture
// that is stored: it checks the declared dimensions on the header, then
// decodes, centre-crops to a square, scales to AvatarSide × AvatarSide and
// re-encodes the pixels alone (JPEG for a JPEG, PNG otherwise), so no
// metadata of the upload survives. It returns the file and its type.
func ProcessAvatar(contentType string, data []byte) ([]byte, string, error) {
	format, ok := uploadTypes[contentType]
	if !ok {
		return nil, "", fmt.Errorf("%w: %q is not image/png, image/jpeg or image/webp", ErrInvalidAvatar, contentType)
	}
	if len(data) > MaxUploadBytes {
		return nil, "", fmt.Errorf("%w: larger than %d bytes", ErrInvalidAvatar, MaxUploadBytes)
	}
	cfg, got, err := image.DecodeConfig(bytes.NewReader(data))
	if err != nil {
		return nil, "", fmt.Errorf("%w: not a picture: %w", ErrInvalidAvatar, err)
	}
	if got != format {
		return nil, "", fmt.Errorf("%w: the bytes are %s, not %s", ErrInvalidAvatar, got, contentType)
	}
	if cfg.Width < 1 || cfg.Height < 1 || cfg.Width > MaxUploadSide || cfg.Height > MaxUploadSide ||
		cfg.Width*cfg.Height > MaxUploadPixels {
		return nil, "", fmt.Errorf("%w: %d × %d pixels (at most %d a side and %d in all)",
			ErrInvalidAvatar, cfg.Width, cfg.Height, MaxUploadSide, MaxUploadPixels)
	}
	src, _, err := image.Decode(bytes.NewReader(data))
	if err != nil {
		return nil, "", fmt.Errorf("%w: not a picture: %w", ErrInvalidAvatar, err)
	}
	b := src.Bounds()
	side := min(b.Dx(), b.Dy())
	x0, y0 := b.Min.X+(b.Dx()-side)/2, b.Min.Y+(b.Dy()-side)/2
	crop := image.Rect(x0, y0, x0+side, y0+side)
	dst := image.NewRGBA(image.Rect(0, 0, AvatarSide, AvatarSide))
	draw.CatmullRom.Scale(dst, dst.Bounds(), src, crop, draw.Src, nil)
	var out bytes.Buffer
	if format == "jpeg" {
		err = jpeg.Encode(&out, dst, &jpeg.Options{Quality: 85})
		contentType = "image/jpeg"
	} else {
		err = (&png.Encoder{CompressionLevel: png.BestCompression}).Encode(&out, dst)
		contentType = "image/png"
	}
	if err != nil {
		return nil, "", fmt.Errorf("users: encode avatar: %w", err)
	}
	return out.Bytes(), contentType, nil
}

// decodeSlots bounds the pictures decoded at once (UploadAvatar).
var decodeSlots = make(chan struct{}, 2)

// uploadRefusal is the answer to a picture ProcessAvatar refuses.
func uploadRefusal(err error) error {
	return &apperr.Error{Code: apperr.Invalid, Message: "Use a PNG, JPEG or WebP picture of at most 2 MB and 8192 × 8192 pixels.", Cause: err}
}

// UploadAvatar processes an uploaded picture (ProcessAvatar), stores it in
// the blob store under a new random key and makes it userID's avatar; the
// previous uploaded picture, if any, is deleted. It is forbidden unless
// uploads are on.
func (s *Service) UploadAvatar(ctx context.Context, userID, contentType string, data []byte) (model.User, error) {
	if !s.uploads {
		return model.User{}, apperr.New(apperr.Forbidden, "Uploading pictures is turned off on this server.")
	}
	if len(data) > MaxUploadBytes {
		return model.User{}, apperr.New(apperr.TooLarge, "Use a picture of at most 2 MB.")
	}
	// Decoding a picture at the pixel limit takes about 100 MB: at most
	// decodeSlots of them at once, however many people upload.
	select {
	case decodeSlots <- struct{}{}:
	case <-ctx.Done():
		return model.User{}, ctx.Err()
	}
	out, ctype, err := ProcessAvatar(contentType, data)
	<-decodeSlots
	if err != nil {
		return model.User{}, uploadRefusal(err)
	}
	old, err := s.avatarRef(ctx, userID)
	if err != nil {
		return model.User{}, err
	}
	var id [16]byte
	rand.Read(id[:])
	ext := ".png"
	if ctype == "image/jpeg" {
		ext = ".jpg"
	}
	key := "avatars/" + hex.EncodeToString(id[:]) + ext
	if err := s.blobs.Put(ctx, key, out, ctype); err != nil {
		return model.User{}, fmt.Errorf("users: store avatar: %w", err)
	}
	ref := blobRef + key
	u, err := s.store.UpdateUser(ctx, userID, model.UserUpdate{AvatarURL: &ref}, s.now().UTC().Truncate(time.Millisecond))
	if err != nil {
		s.DropAvatarBlob(ctx, ref)
		return model.User{}, apperr.From(err)
	}
	s.DropAvatarBlob(ctx, old)
	return u, nil
}

// RemoveAvatar removes userID's avatar, whatever its kind, and deletes
// its file from the blob store.
func (s *Service) RemoveAvatar(ctx context.Context, userID string) (model.User, error) {
	old, err := s.avatarRef(ctx, userID)
	if err != nil {
		return model.User{}, err
	}
	u, err := s.store.UpdateUser(ctx, userID, model.UserUpdate{ClearAvatar: true}, s.now().UTC().Truncate(time.Millisecond))
	if err != nil {
		return model.User{}, apperr.From(err)
	}
	s.DropAvatarBlob(ctx, old)
	return u, nil
}

// ModeratorRemoveAvatar is RemoveAvatar done by a moderator (the caller
// has checked the role), written to the audit log.
func (s *Service) ModeratorRemoveAvatar(ctx context.Context, actorID, userID string) (model.User, error) {
	u, err := s.RemoveAvatar(ctx, userID)
	if err != nil {
		return model.User{}, err
	}
	a := model.AuditEntry{At: s.now().UTC().Truncate(time.Millisecond), ActorID: actorID, Action: ActionRemoveAvatar, TargetType: "user", TargetID: userID}
	if err := s.store.AddAudit(ctx, a); err != nil {
		return u, fmt.Errorf("users: audit: %w", err)
	}
	return u, nil
}

// AvatarRef returns what userID's avatar column holds, "" without an
// avatar: the argument DropAvatarBlob needs once they are erased.
func (s *Service) AvatarRef(ctx context.Context, userID string) (string, error) {
	return s.avatarRef(ctx, userID)
}

func (s *Service) avatarRef(ctx context.Context, userID string) (string, error) {
	ref, err := s.store.UserAvatar(ctx, userID)
	if errors.Is(err, model.ErrNotFound) {
		if _, err := s.store.GetUser(ctx, userID); err != nil {
			return "", apperr.From(err)
		}
		return "", nil
	}
	if err != nil {
		return "", apperr.From(err)
	}
	return ref, nil
}

// DropAvatarBlob deletes the file an avatar column ref names, if it
// names one. A failure is returned for logging only: the avatar is no
// longer anyone's, and the key is random.
func (s *Service) DropAvatarBlob(ctx context.Context, ref string) error {
	key, ok := strings.CutPrefix(ref, blobRef)
	if !ok || s.blobs == nil {
		return nil
	}
	return s.blobs.Delete(ctx, key)
}

// blobAvatar reads the uploaded avatar ref names.
func (s *Service) blobAvatar(ctx context.Context, ref string) (Avatar, error) {
	key := strings.TrimPrefix(ref, blobRef)
	if s.blobs == nil {
		return Avatar{}, apperr.From(model.ErrNotFound)
	}
	data, err := s.blobs.Get(ctx, key)
	if errors.Is(err, blob.ErrNotFound) {
		return Avatar{}, apperr.From(model.ErrNotFound)
	}
	if err != nil {
		return Avatar{}, fmt.Errorf("users: read avatar: %w", err)
	}
	ctype := "image/png"
	if strings.HasSuffix(key, ".jpg") {
		ctype = "image/jpeg"
	}
	return Avatar{ContentType: ctype, Data: data, Version: model.AvatarVersion(ref)}, nil
}

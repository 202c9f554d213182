package users

import (
	"context"
	"errors"
	"testing"
)

// TestUploadWaitsForADecodeSlot: with every decode slot taken, an upload
// waits, and gives up when its request ends, decoding nothing.
func TestUploadWaitsForADecodeSlot(t *testing.T) {
	for range cap(decodeSlots) {
		decodeSlots <- struct{}{}
	}
	defer func() {
		for range cap(decodeSlots) {
			<-decodeSlots
		}
	}()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	s := &Service{uploads: true}
	if _, err := s.UploadAvatar(ctx, "someone", "image/png", []byte("\x89PNG")); !errors.Is(err, context.Canceled) {
		t.Fatalf("UploadAvatar with no free slot = %v, want the request's end", err)
	}
	if len(decodeSlots) != cap(decodeSlots) {
		t.Fatalf("%d slots taken after a refused upload, want %d", len(decodeSlots), cap(decodeSlots))
	}
}

package rooms

import (
	"testing"

	"github.com/google/uuid"
)

// FuzzCursor holds the cursor decoders to their promises on any string:
// no panic; a string either fails to decode or is exactly what the encoder
// writes for the id it decodes to (so garbage never becomes a position the
// encoder did not produce); and encoding any id decodes back to it.
func FuzzCursor(f *testing.F) {
	room := "ebfa69f5-e9af-5e32-968e-b73ab67a22aa"
	for _, s := range []string{
		"", "%%", "abc", room, encodeRoomCursor(room), encodeRoomCursor(room) + "=",
		encodeRoomCursor("{" + room + "}"), encodeRoomCursor("urn:uuid:" + room),
		encodeRoomCursor("EBFA69F5-E9AF-5E32-968E-B73AB67A22AA"), "EBFA69F5-E9AF-5E32-968E-B73AB67A22AA",
		"ebfa69f5e9af5e32968eb73ab67a22aa", "{" + room + "}", "urn:uuid:" + room,
		encodeRoomCursor(room)[:10] + "\n" + encodeRoomCursor(room)[10:],
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if id, ok := decodeRoomCursor(s); ok {
			if !canonicalUUID(id) || encodeRoomCursor(id) != s {
				t.Fatalf("room cursor %q decodes to %q, which encodes to %q", s, id, encodeRoomCursor(id))
			}
		}
		if id, ok := decodeSessionCursor(s); ok {
			if !canonicalUUID(id) || encodeSessionCursor(id) != s {
				t.Fatalf("session cursor %q decodes to %q, which encodes to %q", s, id, encodeSessionCursor(id))
			}
		}
		// Round trip of an id derived from the input.
		id := uuid.NewSHA1(uuid.NameSpaceURL, []byte(s)).String()
		if got, ok := decodeRoomCursor(encodeRoomCursor(id)); !ok || got != id {
			t.Fatalf("room cursor of %s decodes to %q, %v", id, got, ok)
		}
		if got, ok := decodeSessionCursor(encodeSessionCursor(id)); !ok || got != id {
			t.Fatalf("session cursor of %s decodes to %q, %v", id, got, ok)
		}
	})
}

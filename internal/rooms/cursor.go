package rooms

import (
	"encoding/base64"
	"errors"

	"github.com/google/uuid"

	"github.com/bodydouble/bodydouble/internal/apperr"
	"github.com/bodydouble/bodydouble/internal/model"
)

// Cursors of the paginated lists (docs/api.md "Pagination"). A cursor names
// the last item of the previous page; clients treat it as opaque. Decoding
// accepts exactly the strings the encoder writes (a canonical, lower-case
// UUID, base64url-encoded for rooms), so no other spelling of an id, and
// nothing that is not one, ever reaches the store; and a well-formed cursor
// whose item does not exist (or is not the caller's) is as invalid as a
// garbled one.

// encodeRoomCursor is the cursor after the room with id.
func encodeRoomCursor(id string) string { return base64.RawURLEncoding.EncodeToString([]byte(id)) }

// decodeRoomCursor returns the room id in a cursor written by encodeRoomCursor.
func decodeRoomCursor(c string) (string, bool) {
	b, err := base64.RawURLEncoding.Strict().DecodeString(c)
	if err != nil || !canonicalUUID(string(b)) || encodeRoomCursor(string(b)) != c {
		return "", false // also refuses the line breaks base64 skips
	}
	return string(b), true
}

// encodeSessionCursor is the cursor after the session with id.
func encodeSessionCursor(id string) string { return id }

// decodeSessionCursor returns the session id in a cursor written by
// encodeSessionCursor.
func decodeSessionCursor(c string) (string, bool) {
	if !canonicalUUID(c) {
		return "", false
	}
	return c, true
}

// canonicalUUID reports whether s is a UUID as uuid.UUID.String writes it
// (uuid.Validate also takes braces, a urn: prefix, upper case and no hyphens).
func canonicalUUID(s string) bool {
	u, err := uuid.Parse(s)
	return err == nil && u.String() == s
}

// readPage reads one page after cursor with read, which gets the decoded
// cursor ("" for the first page) and how many items to read: one more
// than limit, to know whether another page follows. It returns the page
// and the cursor of the next one ("" on the last), made by encode from
// the id of the page's last item.
func readPage[T any](cursor string, limit int, decode func(string) (string, bool), encode func(string) string,
	idOf func(T) string, read func(after string, n int) ([]T, error)) ([]T, string, error) {
	after := ""
	if cursor != "" {
		var ok bool
		if after, ok = decode(cursor); !ok {
			return nil, "", errCursor()
		}
	}
	list, err := read(after, limit+1)
	if err != nil {
		return nil, "", cursorErr(err, after)
	}
	if len(list) <= limit {
		return list, "", nil
	}
	list = list[:limit]
	return list, encode(idOf(list[limit-1])), nil
}

// errCursor is the answer to a cursor we did not give out.
func errCursor() error {
	return apperr.Field("cursor", "This cursor is not one we gave out.")
}

// cursorErr maps the store's answer to a page read after a cursor: the
// cursor's item not being found makes the cursor invalid, not the page
// missing.
func cursorErr(err error, cursor string) error {
	if cursor != "" && errors.Is(err, model.ErrNotFound) {
		return errCursor()
	}
	return apperr.From(err)
}

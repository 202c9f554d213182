package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"

	"github.com/google/uuid"

	"github.com/bodydouble/bodydouble/internal/apperr"
	"github.com/bodydouble/bodydouble/internal/model"
	"github.com/bodydouble/bodydouble/internal/wire"
)

// decode reads r's body, which must be one JSON object, into v with the
// rules of wire.DecodeStrict: unknown fields and wrong types are invalid,
// naming the field. An empty body is invalid; one over maxBody is
// too_large, refused unread when its declared length says so already.
func decode(r *http.Request, v any) error {
	if r.ContentLength > maxBody {
		return errTooLarge
	}
	b, err := io.ReadAll(r.Body)
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) {
		return errTooLarge
	}
	if err != nil {
		return apperr.Field("body", "could not be read")
	}
	b = bytes.TrimSpace(b)
	if len(b) == 0 {
		return apperr.Field("body", "is required: send a JSON object")
	}
	if b[0] != '{' {
		return apperr.Field("body", "must be a JSON object")
	}
	if err := wire.DecodeStrict(b, v); err != nil {
		return wire.DecodeError(err)
	}
	return nil
}

// writeJSON answers with v as JSON.
func writeJSON(w http.ResponseWriter, status int, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("api: encode %T: %w", v, err)
	}
	return writeBody(w, status, b)
}

// writeBody answers with b, which is JSON.
func writeBody(w http.ResponseWriter, status int, b []byte) error {
	w.Header()["Content-Type"] = jsonType
	w.WriteHeader(status)
	_, _ = w.Write(b)
	return nil
}

// pathID returns the {id} of r's path. Every id we hand out is a UUID, so
// anything else is not found without asking the database.
func pathID(r *http.Request) (string, error) {
	id := r.PathValue("id")
	if uuid.Validate(id) != nil {
		return "", apperr.From(model.ErrNotFound)
	}
	return id, nil
}

// Page sizes of the list endpoints.
const (
	defaultLimit = 20
	maxLimit     = 100
)

// pageLimit reads the limit query parameter: 1–100, default 20.
func pageLimit(r *http.Request) (int, error) {
	return limitOf(r.URL.Query())
}

// limitOf is pageLimit for a query already parsed.
func limitOf(query url.Values) (int, error) {
	q := query.Get("limit")
	if q == "" {
		return defaultLimit, nil
	}
	n, err := strconv.Atoi(q)
	if err != nil || n < 1 || n > maxLimit {
		return 0, apperr.Field("limit", "must be a whole number from 1 to 100")
	}
	return n, nil
}

// cursor is a nextCursor value: an opaque string, or null on the last page.
func cursor(next string) *string {
	if next == "" {
		return nil
	}
	return &next
}

package api

import (
	_ "embed"
	"net/http"
)

// openAPIDoc describes every route in routes(); openapi_test.go fails when
// the two disagree.
//
//go:embed openapi.json
var openAPIDoc []byte

// openAPI is GET /api/openapi.json (OpenAPI 3.1). It needs no session.
func (s *server) openAPI(w http.ResponseWriter, r *http.Request) error {
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Cache-Control", "no-cache")
	_, _ = w.Write(openAPIDoc)
	return nil
}

package api

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/bodydouble/bodydouble/internal/openapicheck"
	"github.com/bodydouble/bodydouble/internal/users"
)

type openAPIOp struct {
	OperationID string            `json:"operationId"`
	Security    *[]map[string]any `json:"security"`
	Responses   map[string]any    `json:"responses"`
}

// openAPIOps reads the embedded document as "METHOD /path" → operation.
func openAPIOps(t *testing.T) map[string]openAPIOp {
	t.Helper()
	var doc struct {
		OpenAPI string                          `json:"openapi"`
		Paths   map[string]map[string]openAPIOp `json:"paths"`
	}
	if err := json.Unmarshal(openAPIDoc, &doc); err != nil {
		t.Fatalf("openapi.json: %v", err)
	}
	if !strings.HasPrefix(doc.OpenAPI, "3.1.") {
		t.Fatalf("openapi %q, want 3.1.x", doc.OpenAPI)
	}
	ops := map[string]openAPIOp{}
	for path, methods := range doc.Paths {
		for m, op := range methods {
			ops[strings.ToUpper(m)+" "+path] = op
		}
	}
	return ops
}

// TestOpenAPIMatchesRoutes keeps openapi.json true: every route the mux
// serves is documented with its method, and every documented operation
// reaches a route.
func TestOpenAPIMatchesRoutes(t *testing.T) {
	t.Parallel()
	s := New(Options{}).(*server)
	ops := openAPIOps(t)
	registered := map[string]bool{}
	for _, rt := range s.routes() {
		key := rt.method + " " + rt.path
		registered[key] = true
		op, ok := ops[key]
		if !ok {
			t.Errorf("route %s is missing from openapi.json", key)
			continue
		}
		// Public routes say so; the rest inherit the document's security.
		open := op.Security != nil && (len(*op.Security) == 0 || slices.ContainsFunc(*op.Security, func(m map[string]any) bool { return len(m) == 0 }))
		if open != (rt.access == public) {
			t.Errorf("%s: documented as public=%v, route public=%v", key, open, rt.access == public)
		}
	}
	ids := map[string]bool{}
	for key, op := range ops {
		if !registered[key] {
			t.Errorf("openapi.json documents %s, which is not a route", key)
		}
		if op.OperationID == "" || ids[op.OperationID] || len(op.Responses) == 0 {
			t.Errorf("%s: operationId %q (unique, required) and responses %d", key, op.OperationID, len(op.Responses))
		}
		ids[op.OperationID] = true
		// The mux itself sends the documented method and path to that route.
		method, path, _ := strings.Cut(key, " ")
		req := httptest.NewRequest(method, strings.ReplaceAll(path, "{id}", unknownID), nil)
		if _, pattern := s.mux.Handler(req); pattern != key {
			t.Errorf("%s reaches pattern %q", key, pattern)
		}
	}
}

// TestOpenAPIRefs: every $ref in the document points at something in it.
func TestOpenAPIRefs(t *testing.T) {
	t.Parallel()
	var doc map[string]any
	if err := json.Unmarshal(openAPIDoc, &doc); err != nil {
		t.Fatal(err)
	}
	var walk func(v any)
	walk = func(v any) {
		switch v := v.(type) {
		case map[string]any:
			if ref, ok := v["$ref"].(string); ok {
				var cur any = doc
				for _, part := range strings.Split(strings.TrimPrefix(ref, "#/"), "/") {
					m, _ := cur.(map[string]any)
					cur = m[part]
				}
				if cur == nil {
					t.Errorf("dangling $ref %s", ref)
				}
			}
			for _, x := range v {
				walk(x)
			}
		case []any:
			for _, x := range v {
				walk(x)
			}
		}
	}
	walk(doc)
}

func TestServeOpenAPI(t *testing.T) {
	t.Parallel()
	eachBackend(t, func(t *testing.T, e *testEnv) {
		res := (&client{base: e.url}).do(t, "GET", "/api/openapi.json", nil).want(t, http.StatusOK)
		if res.header.Get("Content-Type") != "application/json" || string(res.body) != string(openAPIDoc) {
			t.Errorf("served %s (%d bytes)", res.header.Get("Content-Type"), len(res.body))
		}
	})
}

// TestDocsCoverRoutes keeps docs/api.md complete: each route has a
// "### `METHOD /path`" heading, and each such heading is a route.
func TestDocsCoverRoutes(t *testing.T) {
	t.Parallel()
	b, err := os.ReadFile("../../docs/api.md")
	if err != nil {
		t.Fatal(err)
	}
	documented := map[string]bool{}
	for _, line := range strings.Split(string(b), "\n") {
		if h, ok := strings.CutPrefix(line, "### `"); ok {
			if key, _, ok := strings.Cut(h, "`"); ok && strings.Contains(key, " /api/") {
				documented[key] = true
			}
		}
	}
	routes := map[string]bool{}
	for _, rt := range New(Options{}).(*server).routes() {
		key := rt.method + " " + rt.path
		routes[key] = true
		if !documented[key] {
			t.Errorf("docs/api.md has no heading for %s", key)
		}
	}
	for key := range documented {
		if !routes[key] {
			t.Errorf("docs/api.md documents %s, which is not a route", key)
		}
	}
}

// checkedDoc is the embedded openapi.json, parsed once per process, which
// the test servers check every request and response against.
func checkedDoc(t testing.TB) *openapicheck.Doc {
	t.Helper()
	d, err := openapicheck.Parse(openAPIDoc)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// TestOpenAPIExamples: every example in the document fits its schema.
func TestOpenAPIExamples(t *testing.T) {
	t.Parallel()
	checked, problems := checkedDoc(t).CheckExamples()
	for _, p := range problems {
		t.Error(p)
	}
	if checked == 0 {
		t.Error("the document has no examples to check")
	}
}

// TestBodiesOnlyWhereDocumented: an operation the document gives no
// requestBody ignores one, even over the 64 KiB limit (it answers as it
// does without), and every operation with a requestBody refuses an
// oversize one with 413 too_large.
func TestBodiesOnlyWhereDocumented(t *testing.T) {
	t.Parallel()
	var doc struct {
		Paths map[string]map[string]struct {
			RequestBody any `json:"requestBody"`
		} `json:"paths"`
	}
	if err := json.Unmarshal(openAPIDoc, &doc); err != nil {
		t.Fatal(err)
	}
	big := `{"x":"` + strings.Repeat("x", 100<<10) + `"}`
	eachBackend(t, func(t *testing.T, e *testEnv) {
		for path, ops := range doc.Paths {
			for method, op := range ops {
				method := strings.ToUpper(method)
				path := strings.ReplaceAll(path, "{id}", unknownID)
				t.Run(method+" "+path, func(t *testing.T) {
					if op.RequestBody != nil {
						body := big
						if path == avatarUploadPath { // the one route with a larger limit: a picture
							body = strings.Repeat("x", users.MaxUploadBytes+1)
						}
						e.signup(t).do(t, method, path, body).problem(t, http.StatusRequestEntityTooLarge, "too_large")
						return
					}
					// Two people in the same state, one sending a body.
					want := e.signup(t).do(t, method, path, nil).status
					e.signup(t).do(t, method, path, big).want(t, want)
					e.signup(t).do(t, method, path, `not even JSON`).want(t, want)
				})
			}
		}
	})
}

// Package openapicheck holds an OpenAPI 3.1 document to the traffic tests
// make: every request to /api/ and the response it got are validated with
// a full validator (pb33f/libopenapi-validator), and each difference is a
// test failure naming the method, path, status and what is wrong.
//
// The rules:
//
//   - The response is always checked: its status must be documented for
//     the operation, its Content-Type must be one the document lists for
//     that status, its body must match the schema (a status documented
//     without content must have an empty body) and documented headers must
//     be present and well formed. HEAD is checked as the GET it mirrors,
//     without a body.
//   - The request (path and query parameters, security, body) is checked
//     only when the response is not an error (status below 400). Tests send
//     invalid requests on purpose (bad JSON, unknown fields, oversize bodies,
//     no session) and the right answer to those is a documented 4xx, which
//     the response check already demands.
//   - A method and path the document does not list must get the answer of
//     the API's catch-all: 401, 404 or 405 (with Allow) as a Problem.
//
// Only paths under /api/ are checked; the rest of the site is not the API.
// A document is parsed once per process, however many tests use it.
package openapicheck

import (
	"bytes"
	"crypto/sha256"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/pb33f/libopenapi"
	validator "github.com/pb33f/libopenapi-validator"
	"github.com/pb33f/libopenapi-validator/config"
	liberrors "github.com/pb33f/libopenapi-validator/errors"
	"github.com/pb33f/libopenapi-validator/helpers"
	v3 "github.com/pb33f/libopenapi/datamodel/high/v3"
)

// Prefix is the part of the URL space the document describes.
const Prefix = "/api/"

// Doc is a parsed OpenAPI document, safe for concurrent use.
type Doc struct {
	raw   []byte
	model *v3.Document
	// full validates requests and responses; headOnly is the same
	// without response bodies, for HEAD.
	full, headOnly validator.Validator
	// libopenapi-validator's caches are meant to be shared, but its
	// thread safety is not documented: one check at a time.
	mu sync.Mutex
}

var (
	parsedMu sync.Mutex
	parsed   = map[[sha256.Size]byte]*Doc{}
)

// Parse parses and builds an OpenAPI document, or returns the one already
// built from the same bytes.
func Parse(doc []byte) (*Doc, error) {
	key := sha256.Sum256(doc)
	parsedMu.Lock()
	defer parsedMu.Unlock()
	if d, ok := parsed[key]; ok {
		return d, nil
	}
	document, err := libopenapi.NewDocument(doc)
	if err != nil {
		return nil, fmt.Errorf("openapicheck: parse: %w", err)
	}
	m, err := document.BuildV3Model()
	if err != nil {
		return nil, fmt.Errorf("openapicheck: build model: %w", err)
	}
	full, errs := validator.NewValidator(document, config.WithFormatAssertions())
	if len(errs) > 0 {
		return nil, fmt.Errorf("openapicheck: %v", errs)
	}
	d := &Doc{
		raw:      slices.Clone(doc),
		model:    &m.Model,
		full:     full,
		headOnly: validator.NewValidatorFromV3Model(&m.Model, config.WithFormatAssertions(), config.WithoutResponseBodyValidation()),
	}
	if ok, errs := d.full.ValidateDocument(); !ok {
		return nil, fmt.Errorf("openapicheck: the document is not valid OpenAPI: %s", describe(errs))
	}
	parsed[key] = d
	return d, nil
}

// Load is Parse of the file at path.
func Load(path string) (*Doc, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("openapicheck: %w", err)
	}
	return Parse(b)
}

// Exchange is one request and the response it got, both read completely.
type Exchange struct {
	Method string
	URL    *url.URL // path and query; scheme and host are ignored
	Header http.Header
	Body   []byte

	Status         int
	ResponseHeader http.Header
	ResponseBody   []byte

	// CredentialsHidden says the request's credentials are not in Header
	// (a browser's cookies, as DevTools reports a request): the security
	// requirement is then not checked.
	CredentialsHidden bool
}

// Check returns what is wrong with x according to the document, one line
// per difference; nothing when x is outside Prefix or is right.
func (d *Doc) Check(x Exchange) []string {
	if !strings.HasPrefix(x.URL.Path, Prefix) {
		return nil
	}
	req := &http.Request{
		Method: x.Method, URL: &url.URL{Path: x.URL.Path, RawPath: x.URL.RawPath, RawQuery: x.URL.RawQuery},
		Header: x.Header, Body: io.NopCloser(bytes.NewReader(x.Body)), ContentLength: int64(len(x.Body)),
	}
	if req.Header == nil {
		req.Header = http.Header{}
	}
	res := &http.Response{
		StatusCode: x.Status, Header: x.ResponseHeader,
		Body: io.NopCloser(bytes.NewReader(x.ResponseBody)), ContentLength: int64(len(x.ResponseBody)), Request: req,
	}
	if res.Header == nil {
		res.Header = http.Header{}
	}
	v := d.full
	if x.Method == http.MethodHead {
		v = d.headOnly
	}

	d.mu.Lock()
	defer d.mu.Unlock()
	path, item, op := d.operation(req)
	if op == nil {
		return d.checkUnmatched(x)
	}
	_, errs := v.GetResponseBodyValidator().ValidateResponseBodyWithPathItem(req, res, item, path)
	if x.Method != http.MethodHead {
		errs = append(errs, emptyWhenNoContent(op, x)...)
	}
	if x.Status < 400 {
		req.Body = io.NopCloser(bytes.NewReader(x.Body))
		_, reqErrs := v.ValidateHttpRequestSyncWithPathItem(req, item, path)
		for _, e := range reqErrs {
			if x.CredentialsHidden && e.ValidationType == helpers.SecurityValidation {
				continue
			}
			e.Message = "request: " + e.Message
			errs = append(errs, e)
		}
	}
	return lines(errs)
}

// emptyWhenNoContent reports a body on a documented status that declares
// no content (the validator only checks bodies the document describes).
func emptyWhenNoContent(op *v3.Operation, x Exchange) []*liberrors.ValidationError {
	if len(bytes.TrimSpace(x.ResponseBody)) == 0 || op.Responses == nil {
		return nil
	}
	r := op.Responses.Codes.GetOrZero(strconv.Itoa(x.Status))
	if r == nil {
		r = op.Responses.Default
	}
	if r == nil || (r.Content != nil && r.Content.Len() > 0) {
		return nil
	}
	return []*liberrors.ValidationError{{
		Message: fmt.Sprintf("%d response has a body (%s) but the document declares no content for it", x.Status, x.ResponseHeader.Get("Content-Type")),
	}}
}

// operation finds req's documented operation as net/http.ServeMux would
// route it: segment by segment, HEAD as GET, and among the paths that fit,
// the one with the fewest {templated} segments (GET /api/rooms/quick-join
// is GET /api/rooms/{id} when quick-join has only POST). The validator's
// own lookup differs in such cases, so this one decides.
func (d *Doc) operation(req *http.Request) (path string, item *v3.PathItem, op *v3.Operation) {
	method := strings.ToLower(req.Method)
	if req.Method == http.MethodHead {
		method = "get"
	}
	best := -1
	for template, it := range d.model.Paths.PathItems.FromOldest() {
		wild, ok := templateMatches(template, req.URL.Path)
		if !ok || (best >= 0 && wild >= best) {
			continue
		}
		if o, ok := it.GetOperations().Get(method); ok {
			path, item, op, best = template, it, o, wild
		}
	}
	return path, item, op
}

// templateMatches reports whether path fits template, each {name} standing
// for one non-empty segment, and how many segments were such wildcards.
func templateMatches(template, path string) (wildcards int, ok bool) {
	ts, ps := strings.Split(template, "/"), strings.Split(path, "/")
	if len(ts) != len(ps) {
		return 0, false
	}
	for i, t := range ts {
		if strings.HasPrefix(t, "{") && strings.HasSuffix(t, "}") {
			if ps[i] == "" {
				return 0, false
			}
			wildcards++
		} else if t != ps[i] {
			return 0, false
		}
	}
	return wildcards, true
}

// checkUnmatched: a method and path the document does not describe must
// get the catch-all's answer, a Problem with 401, 404 or 405 (and Allow).
func (d *Doc) checkUnmatched(x Exchange) []string {
	var out []string
	switch x.Status {
	case http.StatusUnauthorized, http.StatusNotFound:
	case http.StatusMethodNotAllowed:
		if x.ResponseHeader.Get("Allow") == "" {
			out = append(out, "405 without an Allow header")
		}
	default:
		return []string{fmt.Sprintf("%s %s is not in the document, yet it answered %d (only the catch-all's 401, 404 and 405 may answer undocumented routes)", x.Method, x.URL.Path, x.Status)}
	}
	if ct := x.ResponseHeader.Get("Content-Type"); ct != "application/problem+json" {
		out = append(out, fmt.Sprintf("%d to an undocumented route has Content-Type %q, want application/problem+json", x.Status, ct))
	}
	if x.Method != http.MethodHead {
		out = append(out, d.validateSchema("#/components/schemas/Problem", x.ResponseBody)...)
	}
	return out
}

// lines formats validation errors, with each schema failure's location.
func lines(errs []*liberrors.ValidationError) []string {
	var out []string
	for _, e := range errs {
		s := e.Message
		if e.Reason != "" && e.Reason != e.Message {
			s += ": " + e.Reason
		}
		for _, f := range e.SchemaValidationErrors {
			s += fmt.Sprintf("\n\t%s at %q (schema %s)", f.Reason, f.FieldPath, f.KeywordLocation)
		}
		out = append(out, s)
	}
	return out
}

func describe(errs []*liberrors.ValidationError) string {
	return strings.Join(lines(errs), "; ")
}

package openapicheck

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
)

// maxRecorded bounds how much of a body is kept for checking; the API
// refuses bodies over 64 KiB, and tests send little more than that.
const maxRecorded = 1 << 20

// Recorder checks the exchanges of one test against a document and, when
// the test ends, fails it with every difference found. Exchanges happen on
// server goroutines, which must not call t themselves (the test may have
// finished); so they are only recorded, and reported at cleanup.
type Recorder struct {
	doc *Doc
	t   testing.TB

	mu       sync.Mutex
	problems []string
	checked  int
}

// maxReported bounds the failures printed per test; the rest are counted.
const maxReported = 25

// Record returns a Recorder for t. Register it before whatever serves or
// sends the traffic, so that its cleanup, which reports, runs after theirs
// (cleanups run last-in first-out, and httptest.Server.Close waits for
// requests in flight).
func Record(t testing.TB, doc *Doc) *Recorder {
	r := &Recorder{doc: doc, t: t}
	t.Cleanup(r.report)
	return r
}

// Wrap is Record(t, doc).Handler(h).
func Wrap(t testing.TB, doc *Doc, h http.Handler) http.Handler {
	return Record(t, doc).Handler(h)
}

func (r *Recorder) report() {
	r.t.Helper()
	r.mu.Lock()
	defer r.mu.Unlock()
	for i, p := range r.problems {
		if i == maxReported {
			r.t.Errorf("openapi: and %d more differences", len(r.problems)-maxReported)
			break
		}
		r.t.Errorf("openapi: %s", p)
	}
}

// Checked is how many exchanges have been checked so far.
func (r *Recorder) Checked() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.checked
}

// Add checks x and records what is wrong with it.
func (r *Recorder) Add(x Exchange) {
	if !strings.HasPrefix(x.URL.Path, Prefix) {
		return
	}
	problems := r.doc.Check(x)
	r.mu.Lock()
	defer r.mu.Unlock()
	r.checked++
	for _, p := range problems {
		r.problems = append(r.problems, fmt.Sprintf("%s %s → %d: %s", x.Method, x.URL.RequestURI(), x.Status, p))
	}
}

// Handler returns h with every /api/ exchange it serves checked. The
// request body is recorded as the handler reads it (a body it never reads
// is not checked: only request bodies of answers below 400 are, and the
// API reads every body it accepts).
func (r *Recorder) Handler(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		if !strings.HasPrefix(req.URL.Path, Prefix) {
			h.ServeHTTP(w, req)
			return
		}
		body := &teeBody{ReadCloser: req.Body}
		req.Body = body
		cw := &captureWriter{ResponseWriter: w}
		// The handler may change the request's header map; keep ours.
		header := req.Header.Clone()
		h.ServeHTTP(cw, req)
		r.Add(Exchange{
			Method: req.Method, URL: req.URL, Header: header, Body: body.buf.Bytes(),
			Status: cw.statusOrOK(), ResponseHeader: cw.header, ResponseBody: cw.body.Bytes(),
		})
	})
}

// Transport returns base (http.DefaultTransport when nil) with every /api/
// exchange it carries checked; for tests whose client calls a server they
// cannot wrap.
func (r *Recorder) Transport(base http.RoundTripper) http.RoundTripper {
	if base == nil {
		base = http.DefaultTransport
	}
	return roundTripper(func(req *http.Request) (*http.Response, error) {
		if !strings.HasPrefix(req.URL.Path, Prefix) {
			return base.RoundTrip(req)
		}
		var body []byte
		if req.Body != nil && req.GetBody != nil {
			if rc, err := req.GetBody(); err == nil {
				body, _ = io.ReadAll(io.LimitReader(rc, maxRecorded))
				rc.Close()
			}
		}
		res, err := base.RoundTrip(req)
		if err != nil {
			return res, err
		}
		b, err := io.ReadAll(res.Body)
		res.Body.Close()
		res.Body = io.NopCloser(bytes.NewReader(b))
		if err != nil {
			return res, nil // the caller will see a short body; nothing to check
		}
		r.Add(Exchange{
			Method: req.Method, URL: req.URL, Header: req.Header, Body: body,
			Status: res.StatusCode, ResponseHeader: res.Header, ResponseBody: b,
		})
		return res, nil
	})
}

type roundTripper func(*http.Request) (*http.Response, error)

func (f roundTripper) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// teeBody keeps what is read of a request body (up to maxRecorded).
type teeBody struct {
	io.ReadCloser
	buf bytes.Buffer
}

func (b *teeBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	if room := maxRecorded - b.buf.Len(); room > 0 {
		b.buf.Write(p[:min(n, room)])
	}
	return n, err
}

// captureWriter passes a response through and keeps a copy: the status,
// the header as it was when written, and the body.
type captureWriter struct {
	http.ResponseWriter
	status int
	header http.Header
	body   bytes.Buffer
}

func (w *captureWriter) WriteHeader(code int) {
	if w.status == 0 && code >= 200 {
		w.status = code
		w.header = w.ResponseWriter.Header().Clone()
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *captureWriter) Write(p []byte) (int, error) {
	if w.status == 0 {
		w.WriteHeader(http.StatusOK)
	}
	if room := maxRecorded - w.body.Len(); room > 0 {
		w.body.Write(p[:min(len(p), room)])
	}
	return w.ResponseWriter.Write(p)
}

func (w *captureWriter) statusOrOK() int {
	if w.status == 0 {
		w.header = w.ResponseWriter.Header().Clone()
		return http.StatusOK
	}
	return w.status
}

// Unwrap lets http.ResponseController reach the underlying writer.
func (w *captureWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

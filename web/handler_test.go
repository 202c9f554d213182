package web

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"testing/fstest"
)

const indexHTML = `<!doctype html><html lang="en"><title>Body Double</title>`

func testFS() fstest.MapFS {
	return fstest.MapFS{
		"index.html":              {Data: []byte(indexHTML)},
		"sw.js":                   {Data: []byte("self.addEventListener('fetch', () => {})")},
		"registerSW.js":           {Data: []byte("navigator.serviceWorker.register('/sw.js')")},
		"manifest.webmanifest":    {Data: []byte(`{"name":"Body Double"}`)},
		"icons/icon-192.png":      {Data: []byte("\x89PNG\r\n\x1a\n")},
		"assets/index-abc123.js":  {Data: []byte("console.log('app')")},
		"assets/index-abc123.css": {Data: []byte("body{margin:0}")},
	}
}

func TestHandler(t *testing.T) {
	t.Parallel()
	h := Handler(testFS())
	tests := []struct {
		name        string
		method      string
		path        string
		status      int
		cache       string
		contentType string // prefix
		body        string // substring
		csp         bool
	}{
		{name: "root is the app", path: "/", status: 200, cache: "no-cache", contentType: "text/html", body: indexHTML, csp: true},
		{name: "index.html itself", path: "/index.html", status: 200, cache: "no-cache", contentType: "text/html", body: indexHTML, csp: true},
		{name: "app route falls back", path: "/room/5f0c", status: 200, cache: "no-cache", contentType: "text/html", body: indexHTML, csp: true},
		{name: "nested unknown path falls back", path: "/history/", status: 200, cache: "no-cache", contentType: "text/html", body: indexHTML, csp: true},
		{name: "directory falls back", path: "/icons", status: 200, cache: "no-cache", contentType: "text/html", body: indexHTML, csp: true},
		{name: "hashed script is immutable", path: "/assets/index-abc123.js", status: 200, cache: "public, max-age=31536000, immutable", contentType: "text/javascript", body: "console.log"},
		{name: "hashed style is immutable", path: "/assets/index-abc123.css", status: 200, cache: "public, max-age=31536000, immutable", contentType: "text/css", body: "margin"},
		{name: "missing asset is not the app", path: "/assets/index-old.js", status: 404, contentType: "application/problem+json", body: "not_found"},
		{name: "service worker revalidates", path: "/sw.js", status: 200, cache: "no-cache", contentType: "text/javascript", body: "addEventListener"},
		{name: "register script revalidates", path: "/registerSW.js", status: 200, cache: "no-cache", contentType: "text/javascript"},
		{name: "manifest revalidates", path: "/manifest.webmanifest", status: 200, cache: "no-cache", contentType: "application/manifest+json", body: "Body Double"},
		{name: "icon revalidates", path: "/icons/icon-192.png", status: 200, cache: "no-cache", contentType: "image/png"},
		{name: "api path is never the app", path: "/api/x", status: 404, contentType: "application/problem+json", body: "not_found"},
		{name: "api root is never the app", path: "/api", status: 404, contentType: "application/problem+json"},
		{name: "websocket path is never the app", path: "/ws", status: 404, contentType: "application/problem+json"},
		{name: "under websocket path is never the app", path: "/ws/x", status: 404, contentType: "application/problem+json"},
		{name: "a path that only starts like api is the app", path: "/apiary", status: 200, contentType: "text/html", body: indexHTML, csp: true},
		{name: "HEAD works", method: http.MethodHead, path: "/", status: 200, cache: "no-cache", contentType: "text/html", csp: true},
		{name: "POST is refused", method: http.MethodPost, path: "/", status: 405},
		{name: "POST to a file is refused", method: http.MethodPost, path: "/sw.js", status: 405},
		{name: "POST to an unknown path is not the app", method: http.MethodPost, path: "/room/5f0c", status: 404, contentType: "application/problem+json", body: "not_found"},
		{name: "PUT to an unknown path is not the app", method: http.MethodPut, path: "/wp-admin", status: 404, contentType: "application/problem+json"},
		{name: "missing file with an extension is not the app", path: "/favicon.ico", status: 404, contentType: "application/problem+json", body: "not_found"},
		{name: "missing script is not the app", path: "/wp-login.php", status: 404, contentType: "application/problem+json"},
		{name: "nested missing file is not the app", path: "/icons/icon-512.png", status: 404, contentType: "application/problem+json"},
		{name: "healthz is never the app", path: "/healthz", status: 404, contentType: "application/problem+json"},
		{name: "readyz is never the app", path: "/readyz", status: 404, contentType: "application/problem+json"},
		{name: "metrics is never the app", path: "/metrics", status: 404, contentType: "application/problem+json"},
		{name: "under metrics is never the app", path: "/metrics/x", status: 404, contentType: "application/problem+json"},
		{name: "a path that only starts like a probe is the app", path: "/healthzone", status: 200, contentType: "text/html", body: indexHTML, csp: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			method := tc.method
			if method == "" {
				method = http.MethodGet
			}
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, httptest.NewRequest(method, tc.path, nil))
			res := rec.Result()

			if res.StatusCode != tc.status {
				t.Fatalf("status = %d, want %d", res.StatusCode, tc.status)
			}
			if got := res.Header.Get("X-Content-Type-Options"); got != "nosniff" {
				t.Errorf("X-Content-Type-Options = %q, want nosniff", got)
			}
			if got := res.Header.Get("Referrer-Policy"); got != "no-referrer" {
				t.Errorf("Referrer-Policy = %q, want no-referrer", got)
			}
			if tc.cache != "" {
				if got := res.Header.Get("Cache-Control"); got != tc.cache {
					t.Errorf("Cache-Control = %q, want %q", got, tc.cache)
				}
			}
			if got := res.Header.Get("Content-Type"); !strings.HasPrefix(got, tc.contentType) {
				t.Errorf("Content-Type = %q, want prefix %q", got, tc.contentType)
			}
			csp := res.Header.Get("Content-Security-Policy")
			if tc.csp && csp != ContentSecurityPolicy {
				t.Errorf("Content-Security-Policy = %q, want %q", csp, ContentSecurityPolicy)
			}
			if !tc.csp && csp != "" {
				t.Errorf("non-HTML response has Content-Security-Policy %q", csp)
			}
			if !strings.Contains(rec.Body.String(), tc.body) {
				t.Errorf("body = %q, want it to contain %q", rec.Body.String(), tc.body)
			}
		})
	}
}

func TestHandlerRevalidation(t *testing.T) {
	t.Parallel()
	h := Handler(testFS())
	first := httptest.NewRecorder()
	h.ServeHTTP(first, httptest.NewRequest(http.MethodGet, "/", nil))
	tag := first.Header().Get("ETag")
	if tag == "" {
		t.Fatal("index.html has no ETag")
	}

	req := httptest.NewRequest(http.MethodGet, "/lobby", nil)
	req.Header.Set("If-None-Match", tag)
	again := httptest.NewRecorder()
	h.ServeHTTP(again, req)
	if again.Code != http.StatusNotModified {
		t.Fatalf("revalidating index.html: status %d, want 304", again.Code)
	}
}

func TestCSPAllowsNothingInline(t *testing.T) {
	t.Parallel()
	for _, banned := range []string{"unsafe-inline", "unsafe-eval", "*"} {
		if strings.Contains(ContentSecurityPolicy, banned) {
			t.Errorf("CSP contains %q", banned)
		}
	}
	for _, want := range []string{"default-src 'self'", "frame-ancestors 'none'", "style-src 'self'", "script-src 'self'"} {
		if !strings.Contains(ContentSecurityPolicy, want) {
			t.Errorf("CSP lacks %q", want)
		}
	}
}

func TestHandlerNilDist(t *testing.T) {
	t.Parallel()
	rec := httptest.NewRecorder()
	Handler(nil).ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/", nil))
	if rec.Code != http.StatusNotFound {
		t.Fatalf("status = %d, want 404", rec.Code)
	}
}

// TestEmbeddedDist checks the committed build: the app shell and the files
// the service worker and manifest need are in the binary.
func TestEmbeddedDist(t *testing.T) {
	t.Parallel()
	if Dist == nil {
		t.Skip("built with -tags noweb")
	}
	h := Handler(Dist)
	for _, p := range []string{"/", "/sw.js", "/registerSW.js", "/manifest.webmanifest", "/icons/icon-192.png", "/icons/icon-512.png", "/icons/maskable-512.png"} {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, p, nil))
		if rec.Code != http.StatusOK {
			t.Errorf("GET %s: status %d, want 200", p, rec.Code)
		}
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/", nil))
	body := rec.Body.String()
	for _, tag := range strings.Split(body, "<script")[1:] {
		if open, _, _ := strings.Cut(tag, ">"); !strings.Contains(open, "src=") {
			t.Errorf("index.html has an inline script, which the CSP blocks: <script%s>", open)
		}
	}
	for _, inline := range []string{"<style", " style="} {
		if strings.Contains(body, inline) {
			t.Errorf("index.html contains inline %q, which the CSP blocks", inline)
		}
	}
}

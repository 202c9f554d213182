// Package web serves the Body Double progressive web app: the files Vite
// builds into dist/, embedded in the binary (embed.go), with the caching and
// security headers listed in web/README.md.
package web

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"io"
	"io/fs"
	"net/http"
	"path"
	"strings"
	"time"
)

// ContentSecurityPolicy is sent with every HTML response. Nothing inline is
// allowed, scripts and styles included; the app only talks to its own origin.
const ContentSecurityPolicy = "default-src 'self'; img-src 'self' data: blob:; media-src 'self' blob:; " +
	"connect-src 'self' ws: wss:; style-src 'self'; script-src 'self'; worker-src 'self'; " +
	"manifest-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"

const (
	cacheImmutable  = "public, max-age=31536000, immutable"
	cacheRevalidate = "no-cache"
	indexFile       = "index.html"
)

// Handler serves the app in dist:
//   - files under /assets/ (content-hashed by Vite) are cached for a year;
//     a missing one is a 404, never the app, so a stale page fails loudly
//     and reloads instead of running HTML as a script;
//   - every other file (index.html, sw.js, the manifest, icons) must be
//     revalidated (no-cache, with an ETag so that costs a 304);
//   - any other GET or HEAD of a path without a file extension is a
//     navigation to a page of the single-page app: index.html;
//   - anything else unknown is a 404 problem, never the app: paths under
//     /api/ and /ws, the probes and metrics (/healthz, /readyz, /metrics,
//     answered by their own handlers when they are there), a missing file
//     (/favicon.ico, /wp-login.php) and other methods than GET and HEAD.
//
// Every response carries X-Content-Type-Options and Referrer-Policy, every
// HTML response the Content-Security-Policy. A nil dist serves only 404s.
func Handler(dist fs.FS) http.Handler {
	return &handler{dist: dist}
}

type handler struct {
	dist fs.FS
}

func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	hdr := w.Header()
	hdr.Set("X-Content-Type-Options", "nosniff")
	hdr.Set("Referrer-Policy", "no-referrer")

	p := r.URL.Path
	if !strings.HasPrefix(p, "/") {
		p = "/" + p
	}
	if isReserved(p) || h.dist == nil {
		notFound(w)
		return
	}
	name := strings.TrimPrefix(path.Clean(p), "/")
	if name == "" {
		name = indexFile
	}
	data, err := h.read(name)
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		if err != nil {
			notFound(w) // not a file: nothing here takes other methods
			return
		}
		hdr.Set("Allow", "GET, HEAD")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	switch {
	case err == nil:
	case strings.HasPrefix(name, "assets/"), path.Ext(name) != "":
		notFound(w) // a file that is not there, never the app
		return
	default:
		name = indexFile // a route of the app, such as /room/abc
		if data, err = h.read(name); err != nil {
			notFound(w)
			return
		}
	}
	h.serve(w, r, name, data)
}

// isReserved reports whether p belongs to the API, the WebSocket
// endpoint, the health probes or the metrics.
func isReserved(p string) bool {
	for _, prefix := range []string{"/api", "/ws", "/healthz", "/readyz", "/metrics"} {
		if p == prefix || strings.HasPrefix(p, prefix+"/") {
			return true
		}
	}
	return false
}

// read returns the contents of a regular file of dist (directories are not files).
func (h *handler) read(name string) ([]byte, error) {
	if !fs.ValidPath(name) {
		return nil, fs.ErrNotExist
	}
	f, err := h.dist.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if !info.Mode().IsRegular() {
		return nil, errors.New("web: not a regular file")
	}
	return io.ReadAll(f)
}

func (h *handler) serve(w http.ResponseWriter, r *http.Request, name string, data []byte) {
	hdr := w.Header()
	if strings.HasPrefix(name, "assets/") {
		hdr.Set("Cache-Control", cacheImmutable)
	} else {
		hdr.Set("Cache-Control", cacheRevalidate)
		hdr.Set("ETag", etag(data))
	}
	if ct := contentType(name); ct != "" {
		hdr.Set("Content-Type", ct)
	}
	if strings.HasSuffix(name, ".html") {
		hdr.Set("Content-Security-Policy", ContentSecurityPolicy)
	}
	http.ServeContent(w, r, name, time.Time{}, bytes.NewReader(data))
}

// etag names a file's contents; the revalidated files are small.
func etag(data []byte) string {
	sum := sha256.Sum256(data)
	return `"` + base64.RawURLEncoding.EncodeToString(sum[:12]) + `"`
}

// contentType covers what Go's mime table may lack; "" lets ServeContent decide.
func contentType(name string) string {
	switch path.Ext(name) {
	case ".webmanifest":
		return "application/manifest+json"
	case ".js", ".mjs":
		return "text/javascript; charset=utf-8"
	case ".html":
		return "text/html; charset=utf-8"
	}
	return ""
}

func notFound(w http.ResponseWriter) {
	hdr := w.Header()
	hdr.Set("Content-Type", "application/problem+json")
	hdr.Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusNotFound)
	_, _ = io.WriteString(w, `{"code":"not_found","message":"Not found."}`)
}

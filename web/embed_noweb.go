//go:build noweb

package web

import "io/fs"

// Dist is nil in an API-only binary (built with -tags noweb).
var Dist fs.FS

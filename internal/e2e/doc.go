// Package e2e holds the browser end-to-end tests of Body Double: each test
// starts the whole server (internal/app) on a random loopback port with a
// fresh SQLite directory and drives Debian's Chromium through chromedp, one
// fresh profile per simulated person.
//
// The tests skip when /usr/bin/chromium is missing (apt-get install
// chromium); the axe-core checks need web/node_modules/axe-core (npm ci in
// web/). With BODYDOUBLE_SCREENSHOTS=1 they save a screenshot of every
// screen to docs/screenshots/.
package e2e

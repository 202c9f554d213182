// Package deploytest holds the tests of the packaging files: the
// Dockerfile and .dockerignore, deploy/compose.yaml and deploy/Caddyfile,
// the systemd unit deploy/bodydouble.service (checked with systemd-analyze
// when it is installed, and its system call filter against what the
// release binary really calls, under strace), and scripts/release. It has
// no code of its own.
package deploytest

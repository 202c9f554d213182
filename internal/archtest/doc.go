// Package archtest holds no code, only a test that keeps the package graph
// one-way: it lists every package's imports with `go list` and fails when
// one crosses a line drawn in docs/architecture.md (a transport reaching
// for the store, the store reaching up into the domain, the model
// depending on anything).
package archtest

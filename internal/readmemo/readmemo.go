// Package readmemo carries one request's memo of what a store read, so a
// store can look once per request at whether its database changed. A
// transport puts one in each request's context; stores may use it; nothing
// else needs to know. It is one of the caches on the lobby path, listed in
// docs/performance.md "Caches".
package readmemo

import (
	"context"
	"sync"
)

// Memo lets a store look once per request at whether its database
// changed, instead of once per read: a transport puts one in each request's
// context (With), and a store may keep there what it saw at the
// request's first read and answer the request's later reads from it, as
// long as nothing it could have missed was written since. The request then
// reads the database as of one moment after it began, which is all a
// request can tell apart. Stores that need no such thing ignore it.
type Memo struct {
	mu    sync.Mutex
	owner any
	value any
}

type readMemoKey struct{}

// With returns ctx carrying a fresh, empty Memo. Use one per
// request; never share one between requests.
func With(ctx context.Context) context.Context {
	return context.WithValue(ctx, readMemoKey{}, &Memo{})
}

// From returns ctx's Memo, or nil.
func From(ctx context.Context) *Memo {
	m, _ := ctx.Value(readMemoKey{}).(*Memo)
	return m
}

// Load returns what owner (a store) kept, if it kept anything.
func (m *Memo) Load(owner any) (any, bool) {
	if m == nil {
		return nil, false
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.owner != owner {
		return nil, false
	}
	return m.value, true
}

// Keep stores owner's value, replacing whatever was kept.
func (m *Memo) Keep(owner, value any) {
	if m == nil {
		return
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	m.owner, m.value = owner, value
}

package store

import (
	"context"
	"sync"
)

// ReadMemo lets a store look once per request at whether its database
// changed, instead of once per read: a transport puts one in each request's
// context (WithReadMemo), and a store may keep there what it saw at the
// request's first read and answer the request's later reads from it, as
// long as nothing it could have missed was written since. The request then
// reads the database as of one moment after it began, which is all a
// request can tell apart. Stores that need no such thing ignore it.
type ReadMemo struct {
	mu    sync.Mutex
	owner any
	value any
}

type readMemoKey struct{}

// WithReadMemo returns ctx carrying a fresh, empty ReadMemo. Use one per
// request; never share one between requests.
func WithReadMemo(ctx context.Context) context.Context {
	return context.WithValue(ctx, readMemoKey{}, &ReadMemo{})
}

// ReadMemoFrom returns ctx's ReadMemo, or nil.
func ReadMemoFrom(ctx context.Context) *ReadMemo {
	m, _ := ctx.Value(readMemoKey{}).(*ReadMemo)
	return m
}

// Load returns what owner (a store) kept, if it kept anything.
func (m *ReadMemo) Load(owner any) (any, bool) {
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
func (m *ReadMemo) Keep(owner, value any) {
	if m == nil {
		return
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	m.owner, m.value = owner, value
}

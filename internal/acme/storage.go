package acme

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/caddyserver/certmagic"
)

// Backend is the database under Storage: sqlstore's ACME tables (keys
// and values, and locks as leases), on SQLite or PostgreSQL.
type Backend interface {
	Put(ctx context.Context, key string, value []byte, now time.Time) error
	Get(ctx context.Context, key string) (value []byte, modified time.Time, ok bool, err error)
	Stat(ctx context.Context, key string) (size int64, modified time.Time, ok bool, err error)
	Delete(ctx context.Context, key string) error
	Keys(ctx context.Context, prefix string, limit int) ([]string, error)
	TryLock(ctx context.Context, name, owner string, now time.Time, ttl time.Duration) (bool, error)
	RenewLock(ctx context.Context, name, owner string, until time.Time) (bool, error)
	Unlock(ctx context.Context, name, owner string) error
}

// Lock leases: a held lock is renewed every LockLease/3 for another
// LockLease, so a holder that crashed frees it at most LockLease later;
// a waiting Lock tries again every lockPoll.
const (
	LockLease = 2 * time.Minute
	lockPoll  = time.Second
)

// Storage is a certmagic.Storage (with TryLocker and LockLeaseRenewer)
// over a Backend, so that every instance on one database shares the
// ACME account, the certificates and the locks around obtaining them.
//
// Keys are files; a "directory" is any prefix of keys, up to a slash,
// and exists while a key below it does.
type Storage struct {
	db  Backend
	log *slog.Logger
	// owner names this Storage's leases; each Storage (each process) has
	// its own.
	owner string
	// lease and poll are LockLease and lockPoll; tests shorten them.
	lease, poll time.Duration

	mu sync.Mutex
	// held stops the renewal of each lock this Storage holds.
	held map[string]context.CancelFunc
}

var (
	_ certmagic.Storage          = (*Storage)(nil)
	_ certmagic.TryLocker        = (*Storage)(nil)
	_ certmagic.LockLeaseRenewer = (*Storage)(nil)
)

// NewStorage returns a Storage over db; log hears of renewals that fail.
func NewStorage(db Backend, log *slog.Logger) *Storage {
	b := make([]byte, 8)
	rand.Read(b)
	return &Storage{
		db: db, log: log, owner: hex.EncodeToString(b),
		lease: LockLease, poll: lockPoll, held: map[string]context.CancelFunc{},
	}
}

// String names the storage in certmagic's logs.
func (s *Storage) String() string { return "bodydouble database" }

// Store puts value at key.
func (s *Storage) Store(ctx context.Context, key string, value []byte) error {
	if err := checkKey(key); err != nil {
		return err
	}
	return s.db.Put(ctx, key, value, time.Now())
}

// Load returns the value at key, or fs.ErrNotExist.
func (s *Storage) Load(ctx context.Context, key string) ([]byte, error) {
	v, _, ok, err := s.db.Get(ctx, key)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, fmt.Errorf("acme storage: %s: %w", key, fs.ErrNotExist)
	}
	return v, nil
}

// Delete removes key, or everything below it if it is a directory.
func (s *Storage) Delete(ctx context.Context, key string) error {
	return s.db.Delete(ctx, key)
}

// Exists reports whether key is a file or a directory.
func (s *Storage) Exists(ctx context.Context, key string) bool {
	_, err := s.Stat(ctx, key)
	return err == nil
}

// Stat describes key as a file or a directory, or returns fs.ErrNotExist.
func (s *Storage) Stat(ctx context.Context, key string) (certmagic.KeyInfo, error) {
	size, modified, ok, err := s.db.Stat(ctx, key)
	if err != nil {
		return certmagic.KeyInfo{}, err
	}
	if ok {
		return certmagic.KeyInfo{Key: key, Modified: modified, Size: size, IsTerminal: true}, nil
	}
	below, err := s.db.Keys(ctx, key, 1)
	if err != nil {
		return certmagic.KeyInfo{}, err
	}
	if len(below) == 0 {
		return certmagic.KeyInfo{}, fmt.Errorf("acme storage: %s: %w", key, fs.ErrNotExist)
	}
	return certmagic.KeyInfo{Key: key, IsTerminal: false}, nil
}

// List returns the keys directly below dir (files and directories), or
// with recursive every file and directory below it, as FileStorage does;
// fs.ErrNotExist when nothing is below dir.
func (s *Storage) List(ctx context.Context, dir string, recursive bool) ([]string, error) {
	dir = strings.Trim(dir, "/")
	keys, err := s.db.Keys(ctx, dir, 0)
	if err != nil {
		return nil, err
	}
	if len(keys) == 0 {
		return nil, fmt.Errorf("acme storage: %s: %w", dir, fs.ErrNotExist)
	}
	base := ""
	if dir != "" {
		base = dir + "/"
	}
	var out []string
	seen := map[string]bool{}
	add := func(k string) {
		if !seen[k] {
			seen[k] = true
			out = append(out, k)
		}
	}
	for _, k := range keys {
		rest := strings.TrimPrefix(k, base)
		if !recursive {
			first, _, _ := strings.Cut(rest, "/")
			add(base + first)
			continue
		}
		// Every directory on the way down, then the file.
		for i := range len(rest) {
			if rest[i] == '/' {
				add(base + rest[:i])
			}
		}
		add(k)
	}
	return out, nil
}

// Lock takes the lock name, waiting while another holds it (in this
// process or another) until ctx ends. A held lock is renewed in the
// background until Unlock.
func (s *Storage) Lock(ctx context.Context, name string) error {
	for {
		ok, err := s.TryLock(ctx, name)
		if err != nil || ok {
			return err
		}
		t := time.NewTimer(s.poll)
		select {
		case <-ctx.Done():
			t.Stop()
			return ctx.Err()
		case <-t.C:
		}
	}
}

// TryLock takes the lock name if it is free (or its holder's lease ran
// out) and reports whether it did.
func (s *Storage) TryLock(ctx context.Context, name string) (bool, error) {
	s.mu.Lock()
	_, mine := s.held[name]
	s.mu.Unlock()
	if mine {
		return false, nil // held here already: not re-entrant
	}
	ok, err := s.db.TryLock(ctx, name, s.owner, time.Now(), s.lease)
	if err != nil || !ok {
		return false, err
	}
	renew, stop := context.WithCancel(context.WithoutCancel(ctx))
	s.mu.Lock()
	s.held[name] = stop
	s.mu.Unlock()
	go s.renew(renew, name)
	return true, nil
}

// renew keeps the lease on name until ctx ends (Unlock).
func (s *Storage) renew(ctx context.Context, name string) {
	t := time.NewTicker(s.lease / 3)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		ok, err := s.db.RenewLock(ctx, name, s.owner, time.Now().Add(s.lease))
		switch {
		case ctx.Err() != nil:
			return
		case err != nil:
			s.log.Warn("acme: cannot renew the lease of a lock", "lock", name, "err", err)
		case !ok:
			s.log.Warn("acme: lost a lock whose lease ran out", "lock", name)
			return
		}
	}
}

// RenewLockLease extends the lease of a lock this Storage holds to d from
// now (certmagic asks before a long retry).
func (s *Storage) RenewLockLease(ctx context.Context, name string, d time.Duration) error {
	ok, err := s.db.RenewLock(ctx, name, s.owner, time.Now().Add(max(d, s.lease)))
	if err != nil {
		return err
	}
	if !ok {
		return fmt.Errorf("acme storage: lock %q is not held", name)
	}
	return nil
}

// Unlock releases the lock name. Releasing a lock this Storage does not
// hold (Close released it already) does nothing.
func (s *Storage) Unlock(ctx context.Context, name string) error {
	s.mu.Lock()
	stop, mine := s.held[name]
	delete(s.held, name)
	s.mu.Unlock()
	if !mine {
		return nil
	}
	stop()
	return s.db.Unlock(ctx, name, s.owner)
}

// Close releases every lock this Storage still holds (at shutdown, so
// that another instance need not wait for the leases to run out).
func (s *Storage) Close(ctx context.Context) error {
	s.mu.Lock()
	names := make([]string, 0, len(s.held))
	for name := range s.held {
		names = append(names, name)
	}
	s.mu.Unlock()
	var errs []error
	for _, name := range names {
		errs = append(errs, s.Unlock(ctx, name))
	}
	return errors.Join(errs...)
}

// checkKey refuses keys certmagic never makes: empty, or with an empty
// path component.
func checkKey(key string) error {
	if key == "" || strings.HasPrefix(key, "/") || strings.HasSuffix(key, "/") || strings.Contains(key, "//") {
		return fmt.Errorf("acme storage: bad key %q", key)
	}
	return nil
}

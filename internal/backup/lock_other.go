//go:build !unix

package backup

import "errors"

// Lock is a lock on a data directory. Without flock (not a unix system)
// servers take none, and restore refuses to run.
type Lock struct{}

// LockShared takes nothing here.
func LockShared(dir string) (*Lock, error) { return &Lock{}, nil }

// LockExclusive cannot tell whether a server runs here.
func LockExclusive(dir string) (*Lock, error) {
	return nil, errors.New("backup: restore needs file locks (flock), which this system lacks; stop every server and copy the database by hand")
}

// Close does nothing.
func (l *Lock) Close() error { return nil }

//go:build unix

package backup

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"syscall"
)

// Lock is a lock on a data directory, held until Close.
type Lock struct{ f *os.File }

// LockShared takes the shared lock every server (and every backup) on an
// SQLite data directory holds while it runs: any number of them may hold
// it at once, but not while a restore holds the exclusive one. It creates
// dir (0700) and the empty lock file if needed. A restore under way is
// ErrRestoring.
func LockShared(dir string) (*Lock, error) {
	return lock(dir, syscall.LOCK_SH, ErrRestoring)
}

// LockExclusive takes the lock a restore holds: only when no server,
// backup or other restore holds the directory. Otherwise ErrInUse.
func LockExclusive(dir string) (*Lock, error) {
	return lock(dir, syscall.LOCK_EX, ErrInUse)
}

func lock(dir string, how int, busy error) (*Lock, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("data directory %q cannot be created: %w", dir, err)
	}
	// Read only and readable by all (it is empty): flock needs no more,
	// and a lock file first made by another user (root running a backup)
	// does not keep the server's user out.
	f, err := os.OpenFile(filepath.Join(dir, LockFile), os.O_RDONLY|os.O_CREATE, 0o644)
	if err != nil {
		// Worded like the store's own check of the directory, which a
		// server start would otherwise have reported.
		if errors.Is(err, syscall.ENOSPC) || errors.Is(err, syscall.EDQUOT) {
			return nil, fmt.Errorf("data directory %q is full: %w", dir, err)
		}
		return nil, fmt.Errorf("data directory %q is not writable: %w", dir, err)
	}
	// flock locks belong to the open file, so two opens in one process
	// conflict like two processes do; the descriptor is close-on-exec.
	for {
		err = syscall.Flock(int(f.Fd()), how|syscall.LOCK_NB)
		if !errors.Is(err, syscall.EINTR) {
			break
		}
	}
	if err != nil {
		f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, fmt.Errorf("%w (data directory %s)", busy, dir)
		}
		return nil, fmt.Errorf("backup: lock %s: %w", filepath.Join(dir, LockFile), err)
	}
	return &Lock{f: f}, nil
}

// Close releases the lock.
func (l *Lock) Close() error {
	if l == nil || l.f == nil {
		return nil
	}
	err := l.f.Close() // closing the last descriptor releases the flock
	l.f = nil
	return err
}

package app

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/bodydouble/bodydouble/internal/auth"
	"github.com/bodydouble/bodydouble/internal/store"
)

// secretFile holds the generated token secret of an SQLite deployment.
const secretFile = "secret"

// loadSecret returns the configured secret, or the one kept for this
// deployment, generating it the first time: in the data directory (mode
// 0600) for SQLite, in the database for PostgreSQL, so every instance
// and every restart signs with the same key.
func loadSecret(ctx context.Context, given, dataDir string, postgres bool, st store.Store) (string, error) {
	if given != "" {
		return given, nil
	}
	if postgres {
		return st.Secret(ctx, auth.GenerateSecret)
	}
	return fileSecret(dataDir)
}

// fileSecret reads dir/secret, creating it atomically if missing: the new
// secret is written to a temporary file and linked into place, so two
// processes starting together agree on one value.
func fileSecret(dir string) (string, error) {
	path := filepath.Join(dir, secretFile)
	if b, err := os.ReadFile(path); err == nil {
		return strings.TrimSpace(string(b)), nil
	} else if !errors.Is(err, fs.ErrNotExist) {
		return "", fmt.Errorf("app: read secret: %w", err)
	}
	tmp, err := os.CreateTemp(dir, ".secret-*")
	if err != nil {
		return "", fmt.Errorf("app: create secret: %w", err)
	}
	defer os.Remove(tmp.Name())
	if err := tmp.Chmod(0o600); err != nil {
		tmp.Close()
		return "", fmt.Errorf("app: create secret: %w", err)
	}
	if _, err := tmp.WriteString(auth.GenerateSecret() + "\n"); err != nil {
		tmp.Close()
		return "", fmt.Errorf("app: write secret: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return "", fmt.Errorf("app: write secret: %w", err)
	}
	if err := os.Link(tmp.Name(), path); err != nil && !errors.Is(err, fs.ErrExist) {
		return "", fmt.Errorf("app: store secret: %w", err)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return "", fmt.Errorf("app: read secret: %w", err)
	}
	return strings.TrimSpace(string(b)), nil
}

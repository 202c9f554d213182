package app

import (
	"fmt"
	"log/slog"
	"os"

	"github.com/bodydouble/bodydouble/internal/blob"
	"github.com/bodydouble/bodydouble/internal/config"
)

// openBlobs opens the store of uploaded avatars (--blob-url). It is
// opened even with uploads off, so that pictures uploaded earlier are
// still served and removed with their owners; then a store that cannot be
// opened is only a warning. With PostgreSQL (possibly several instances)
// the data directory is this instance's alone, so uploads without
// --blob-url are warned about: use an S3 bucket there.
func openBlobs(cfg config.Config, postgres bool, log *slog.Logger) (blob.Store, error) {
	b, err := blob.Open(cfg.BlobURL, cfg.DataDir, os.Getenv)
	if err != nil {
		if cfg.AvatarUploads || cfg.BlobURL != "" {
			return nil, fmt.Errorf("app: --blob-url: %w", err)
		}
		log.Warn("no blob store: pictures uploaded earlier cannot be served", "err", err)
		return nil, nil
	}
	if cfg.AvatarUploads && postgres && cfg.BlobURL == "" {
		log.Warn("avatar uploads are kept in this instance's data directory: with several instances, set --blob-url to an S3 bucket they share")
	}
	if cfg.AvatarUploads {
		log.Info("avatar uploads on", "store", b.Kind())
	}
	return b, nil
}

// Package backup makes and restores backups of an SQLite deployment's data
// directory (`bodydouble backup` and `bodydouble restore`), and holds the
// lock that tells a restore whether a server runs on the directory.
//
// A backup file is a tar archive, age-encrypted when made for a recipient:
//
//	manifest.json   what the file is: format, time, schema version, contents
//	bodydouble.db   a consistent copy of the database (VACUUM INTO)
//	secret          the generated token secret, when the directory has one
//	keyring.json    the keyring, only when asked for (and only encrypted)
//	blobs/<key>     uploaded avatars of a file blob store
//	checksums       SHA-256 of every entry above, last: a file cut short lacks it
//
// A restore reads the whole file into a private directory beside the
// database, checks the checksums, the database's integrity, its schema
// (not newer than this binary) and that the keyring opens every sealed
// value, and only then moves anything into place.
package backup

import (
	"errors"
	"time"
)

// Format names a bodydouble backup in its manifest.
const Format = "bodydouble-backup"

// FormatVersion is the version of the layout this package writes and the
// newest it reads.
const FormatVersion = 1

// LockFile is the lock file in a data directory (see LockShared).
const LockFile = "bodydouble.lock"

// The entries of a backup file.
const (
	manifestName  = "manifest.json"
	databaseName  = "bodydouble.db" // sqlstore.SQLiteFile
	secretName    = "secret"
	keyringName   = "keyring.json"
	blobsPrefix   = "blobs/"
	checksumsName = "checksums"
)

// Manifest is the first entry of a backup file.
type Manifest struct {
	Format  string    `json:"format"`
	Version int       `json:"version"`
	Created time.Time `json:"created"`
	// SchemaVersion is the newest migration applied to the database.
	SchemaVersion int `json:"schemaVersion"`
	// Secret, Keyring: whether the file holds them. The blobs are those
	// the checksums list.
	Secret  bool `json:"secret"`
	Keyring bool `json:"keyring"`
}

// Errors a caller may tell apart.
var (
	// ErrInUse: a restore found a server (or a backup) running on the
	// data directory.
	ErrInUse = errors.New("a bodydouble server (or backup) is running on this data directory: stop every server using it before restoring")
	// ErrRestoring: a server or backup found a restore under way.
	ErrRestoring = errors.New("a restore is under way on this data directory: start again when it has finished")
	// ErrEncrypted: the file is encrypted and no identity was given.
	ErrEncrypted = errors.New("the backup is encrypted with age: give --age-identity FILE, the identity of a recipient it was made for")
	// ErrNotBackup: the file is not a bodydouble backup, or is damaged.
	ErrNotBackup = errors.New("not a bodydouble backup, or a damaged one")
	// ErrNewerSchema: the database was made by a newer bodydouble.
	ErrNewerSchema = errors.New("the backup's database has a newer schema than this bodydouble knows: restore it with the version that made it, or a newer one")
	// ErrMissingKeys: the keyring does not open every sealed value.
	ErrMissingKeys = errors.New("the keyring cannot read the backup's encrypted goals, achievements and report notes")
)

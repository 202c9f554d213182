-- The version of each user's avatar: 16 hex digits of the SHA-256 of
-- avatar_url, NULL without one. Room snapshots and profiles read it instead
-- of the picture (up to 32 KB) to build the avatar's URL. Written with
-- avatar_url by every write; existing avatars get theirs from a Go step
-- that runs right after this file, in the same transaction (migrate.go):
-- SQLite has no SHA-256 of its own.
ALTER TABLE users ADD COLUMN avatar_version TEXT;

-- Goals and achievements are stored sealed (encrypted at rest, see
-- docs/operations.md "Keys and encryption"): a sealed value is text, not
-- JSON, so the columns become TEXT. Values written before keep their JSON
-- text and are still read; the background re-encryption seals them.
ALTER TABLE focus_sessions
    ALTER COLUMN goals DROP DEFAULT,
    ALTER COLUMN goals TYPE TEXT USING goals::text,
    ALTER COLUMN goals SET DEFAULT '[]',
    ALTER COLUMN achievements DROP DEFAULT,
    ALTER COLUMN achievements TYPE TEXT USING achievements::text,
    ALTER COLUMN achievements SET DEFAULT '[]';

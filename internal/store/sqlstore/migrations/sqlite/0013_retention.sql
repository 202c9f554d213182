-- Retention (docs/operations.md "Retention"). active_at is when a person
-- was last active (joined a room); NULL means never since they were made,
-- so their created_at counts. It is bumped at most once a day.
ALTER TABLE users ADD COLUMN active_at INTEGER;
UPDATE users SET active_at = MAX(created_at,
    COALESCE((SELECT MAX(started_at) FROM focus_sessions s WHERE s.user_id = users.id), 0),
    COALESCE((SELECT MAX(joined_at) FROM room_participants p WHERE p.user_id = users.id), 0));
CREATE INDEX users_last_active ON users (COALESCE(active_at, created_at));

-- One row per retention run (the job's id): what it dropped, counted in
-- the same transaction as each batch, so a run cut short and run again
-- counts every row once.
CREATE TABLE retention_runs (
    id         TEXT PRIMARY KEY,
    started_at INTEGER NOT NULL,
    revoked    INTEGER NOT NULL DEFAULT 0,
    audit      INTEGER NOT NULL DEFAULT 0
) STRICT;
-- The stand-ins a run chose before erasing each person: a person's
-- erasure counts once its stand-in exists (EraseUser makes it in the
-- erasure's own transaction). Holds no id of the erased person.
CREATE TABLE retention_erasures (
    stand_in TEXT PRIMARY KEY,
    run_id   TEXT NOT NULL REFERENCES retention_runs (id) ON DELETE CASCADE
) STRICT;
CREATE INDEX retention_erasures_run ON retention_erasures (run_id);

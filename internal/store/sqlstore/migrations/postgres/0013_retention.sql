-- Retention (docs/operations.md "Retention"). active_at is when a person
-- was last active (joined a room); NULL means never since they were made,
-- so their created_at counts. It is bumped at most once a day.
ALTER TABLE users ADD COLUMN active_at TIMESTAMPTZ;
UPDATE users SET active_at = GREATEST(created_at,
    (SELECT MAX(started_at) FROM focus_sessions s WHERE s.user_id = users.id),
    (SELECT MAX(joined_at) FROM room_participants p WHERE p.user_id = users.id));
CREATE INDEX users_last_active ON users ((COALESCE(active_at, created_at)));

-- One row per retention run (the job's id): what it dropped, counted in
-- the same transaction as each batch, so a run cut short and run again
-- counts every row once.
CREATE TABLE retention_runs (
    id         TEXT COLLATE "C" PRIMARY KEY,
    started_at TIMESTAMPTZ NOT NULL,
    revoked    BIGINT NOT NULL DEFAULT 0,
    audit      BIGINT NOT NULL DEFAULT 0
);
-- The stand-ins a run chose before erasing each person: a person's
-- erasure counts once its stand-in exists (EraseUser makes it in the
-- erasure's own transaction). Holds no id of the erased person.
CREATE TABLE retention_erasures (
    stand_in TEXT COLLATE "C" PRIMARY KEY,
    run_id   TEXT COLLATE "C" NOT NULL REFERENCES retention_runs (id) ON DELETE CASCADE
);
CREATE INDEX retention_erasures_run ON retention_erasures (run_id);

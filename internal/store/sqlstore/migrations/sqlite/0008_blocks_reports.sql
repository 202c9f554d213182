-- Who blocked whom: the server keeps the two apart (no signalling, no
-- quick-join into one room) and marks the blocked person for the blocker.
CREATE TABLE blocks (
    blocker_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    blocked_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (blocker_id, blocked_id),
    CHECK (blocker_id <> blocked_id)
) STRICT;
-- Who blocks a given person (the other direction of the pair).
CREATE INDEX blocks_blocked ON blocks (blocked_id);

-- Reports of one person about another, for moderators.
CREATE TABLE reports (
    id               TEXT PRIMARY KEY,
    reporter_id      TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    reported_user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    room_id          TEXT REFERENCES rooms (id) ON DELETE SET NULL,
    reason           TEXT NOT NULL,
    note             TEXT NOT NULL DEFAULT '',
    status           TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'resolved')),
    created_at       INTEGER NOT NULL,
    resolved_at      INTEGER,
    resolved_by      TEXT,
    resolution       TEXT
) STRICT;
-- The same pair's latest report (repeat reports), and the reporter's rate.
CREATE INDEX reports_pair ON reports (reporter_id, reported_user_id, created_at);
-- The moderators' queue, newest first per status.
CREATE INDEX reports_status ON reports (status, created_at, id);

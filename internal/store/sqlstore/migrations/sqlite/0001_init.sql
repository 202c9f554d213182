-- Body Double schema, SQLite dialect.
-- Times are INTEGER Unix milliseconds (UTC): they compare and sort as numbers.
-- Lists and settings are JSON text. Booleans are 0/1. Tables are STRICT so a
-- value of the wrong type is an error instead of being silently stored.

CREATE TABLE users (
    id           TEXT PRIMARY KEY,
    anonymous_id TEXT NOT NULL UNIQUE,
    display_name TEXT NOT NULL,
    avatar_url   TEXT,
    created_at   INTEGER NOT NULL,
    updated_at   INTEGER NOT NULL
) STRICT;

CREATE TABLE rooms (
    id           TEXT PRIMARY KEY,
    name         TEXT NOT NULL,
    description  TEXT,
    category     TEXT NOT NULL,
    max_capacity INTEGER NOT NULL DEFAULT 8 CHECK (max_capacity > 0),
    mic_policy   TEXT NOT NULL DEFAULT 'muted',
    is_active    INTEGER NOT NULL DEFAULT 1,
    created_by   TEXT REFERENCES users (id) ON DELETE SET NULL,
    created_at   INTEGER NOT NULL,
    updated_at   INTEGER NOT NULL
) STRICT;

-- ListRooms pages by (created_at, id), with or without a category.
CREATE INDEX rooms_created ON rooms (created_at, id);
CREATE INDEX rooms_category_created ON rooms (category, created_at, id);

-- One row per (room, user): a rejoin reactivates the row. Active means left_at IS NULL.
CREATE TABLE room_participants (
    room_id    TEXT NOT NULL REFERENCES rooms (id) ON DELETE CASCADE,
    user_id    TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    status     TEXT NOT NULL DEFAULT 'working' CHECK (status IN ('working', 'break', 'away')),
    joined_at  INTEGER NOT NULL,
    left_at    INTEGER,
    seen_until INTEGER NOT NULL,
    PRIMARY KEY (room_id, user_id)
) STRICT;

-- A user is active in at most one room; also finds a user's current room.
CREATE UNIQUE INDEX room_participants_one_room ON room_participants (user_id) WHERE left_at IS NULL;
-- Active participants of a room, oldest join first (and the capacity count).
CREATE INDEX room_participants_active ON room_participants (room_id, joined_at) WHERE left_at IS NULL;
-- Presence sweeps: active participants whose hold ran out.
CREATE INDEX room_participants_seen ON room_participants (seen_until) WHERE left_at IS NULL;

CREATE TABLE focus_sessions (
    id               TEXT PRIMARY KEY,
    room_id          TEXT NOT NULL REFERENCES rooms (id) ON DELETE CASCADE,
    user_id          TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    started_at       INTEGER NOT NULL,
    ended_at         INTEGER,
    duration_minutes INTEGER,
    goals            TEXT NOT NULL DEFAULT '[]',
    achievements     TEXT NOT NULL DEFAULT '[]',
    progress         INTEGER NOT NULL DEFAULT 0,
    rating           INTEGER,
    share_goals      INTEGER NOT NULL DEFAULT 0,
    is_completed     INTEGER NOT NULL DEFAULT 0
) STRICT;

-- At most one open session per user, enforced by the database.
CREATE UNIQUE INDEX focus_sessions_one_open ON focus_sessions (user_id) WHERE ended_at IS NULL;
-- History and streaks: a user's sessions by start time.
CREATE INDEX focus_sessions_user_started ON focus_sessions (user_id, started_at, id);
-- Open sessions of a room.
CREATE INDEX focus_sessions_open_room ON focus_sessions (room_id) WHERE ended_at IS NULL;

CREATE TABLE user_preferences (
    user_id                   TEXT PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    work_style                TEXT NOT NULL,
    preferred_room_categories TEXT NOT NULL DEFAULT '[]',
    notification_settings     TEXT NOT NULL DEFAULT '{}',
    accessibility_settings    TEXT NOT NULL DEFAULT '{}',
    created_at                INTEGER NOT NULL,
    updated_at                INTEGER NOT NULL
) STRICT;

CREATE TABLE room_timers (
    room_id   TEXT PRIMARY KEY REFERENCES rooms (id) ON DELETE CASCADE,
    state     TEXT NOT NULL CHECK (state IN ('idle', 'running', 'paused')),
    type      TEXT NOT NULL DEFAULT '',
    duration  INTEGER NOT NULL DEFAULT 0,
    remaining INTEGER NOT NULL DEFAULT 0,
    ends_at   INTEGER,
    by_user   TEXT,
    version   INTEGER NOT NULL
) STRICT;

CREATE INDEX room_timers_running ON room_timers (room_id) WHERE state = 'running';

CREATE TABLE revoked_tokens (
    token_id   TEXT PRIMARY KEY,
    expires_at INTEGER NOT NULL
) STRICT;

CREATE INDEX revoked_tokens_expires ON revoked_tokens (expires_at);

-- Small process-wide values, such as the token-signing secret.
CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
) STRICT;

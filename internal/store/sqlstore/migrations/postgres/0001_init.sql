-- Body Double schema, PostgreSQL dialect.
-- Times are timestamptz (UTC, written at millisecond precision). Lists and
-- settings are jsonb. Ids are text, as in SQLite, so a malformed id is simply
-- not found instead of being a type error; their collation is "C" so they
-- sort bytewise, as in SQLite, whatever the database's locale.

CREATE TABLE users (
    id           TEXT COLLATE "C" PRIMARY KEY,
    anonymous_id TEXT COLLATE "C" NOT NULL UNIQUE,
    display_name TEXT NOT NULL,
    avatar_url   TEXT,
    created_at   TIMESTAMPTZ NOT NULL,
    updated_at   TIMESTAMPTZ NOT NULL
);

CREATE TABLE rooms (
    id           TEXT COLLATE "C" PRIMARY KEY,
    name         TEXT NOT NULL,
    description  TEXT,
    category     TEXT NOT NULL,
    max_capacity INTEGER NOT NULL DEFAULT 8 CHECK (max_capacity > 0),
    mic_policy   TEXT NOT NULL DEFAULT 'muted',
    is_active    BOOLEAN NOT NULL DEFAULT TRUE,
    created_by   TEXT COLLATE "C" REFERENCES users (id) ON DELETE SET NULL,
    created_at   TIMESTAMPTZ NOT NULL,
    updated_at   TIMESTAMPTZ NOT NULL
);

-- ListRooms pages by (created_at, id), with or without a category.
CREATE INDEX rooms_created ON rooms (created_at, id);
CREATE INDEX rooms_category_created ON rooms (category, created_at, id);

-- One row per (room, user): a rejoin reactivates the row. Active means left_at IS NULL.
CREATE TABLE room_participants (
    room_id    TEXT COLLATE "C" NOT NULL REFERENCES rooms (id) ON DELETE CASCADE,
    user_id    TEXT COLLATE "C" NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    status     TEXT NOT NULL DEFAULT 'working' CHECK (status IN ('working', 'break', 'away')),
    joined_at  TIMESTAMPTZ NOT NULL,
    left_at    TIMESTAMPTZ,
    seen_until TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (room_id, user_id)
);

-- A user is active in at most one room; also finds a user's current room.
CREATE UNIQUE INDEX room_participants_one_room ON room_participants (user_id) WHERE left_at IS NULL;
-- Active participants of a room, oldest join first (and the capacity count).
CREATE INDEX room_participants_active ON room_participants (room_id, joined_at) WHERE left_at IS NULL;
-- Presence sweeps: active participants whose hold ran out.
CREATE INDEX room_participants_seen ON room_participants (seen_until) WHERE left_at IS NULL;

CREATE TABLE focus_sessions (
    id               TEXT COLLATE "C" PRIMARY KEY,
    room_id          TEXT COLLATE "C" NOT NULL REFERENCES rooms (id) ON DELETE CASCADE,
    user_id          TEXT COLLATE "C" NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    started_at       TIMESTAMPTZ NOT NULL,
    ended_at         TIMESTAMPTZ,
    duration_minutes INTEGER,
    goals            JSONB NOT NULL DEFAULT '[]',
    achievements     JSONB NOT NULL DEFAULT '[]',
    progress         INTEGER NOT NULL DEFAULT 0,
    rating           INTEGER,
    share_goals      BOOLEAN NOT NULL DEFAULT FALSE,
    is_completed     BOOLEAN NOT NULL DEFAULT FALSE
);

-- At most one open session per user, enforced by the database.
CREATE UNIQUE INDEX focus_sessions_one_open ON focus_sessions (user_id) WHERE ended_at IS NULL;
-- History and streaks: a user's sessions by start time.
CREATE INDEX focus_sessions_user_started ON focus_sessions (user_id, started_at, id);
-- Open sessions of a room.
CREATE INDEX focus_sessions_open_room ON focus_sessions (room_id) WHERE ended_at IS NULL;

CREATE TABLE user_preferences (
    user_id                   TEXT COLLATE "C" PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    work_style                TEXT NOT NULL,
    preferred_room_categories JSONB NOT NULL DEFAULT '[]',
    notification_settings     JSONB NOT NULL DEFAULT '{}',
    accessibility_settings    JSONB NOT NULL DEFAULT '{}',
    created_at                TIMESTAMPTZ NOT NULL,
    updated_at                TIMESTAMPTZ NOT NULL
);

CREATE TABLE room_timers (
    room_id   TEXT COLLATE "C" PRIMARY KEY REFERENCES rooms (id) ON DELETE CASCADE,
    state     TEXT NOT NULL CHECK (state IN ('idle', 'running', 'paused')),
    type      TEXT NOT NULL DEFAULT '',
    duration  INTEGER NOT NULL DEFAULT 0,
    remaining INTEGER NOT NULL DEFAULT 0,
    ends_at   TIMESTAMPTZ,
    by_user   TEXT COLLATE "C",
    version   BIGINT NOT NULL
);

CREATE INDEX room_timers_running ON room_timers (room_id) WHERE state = 'running';

CREATE TABLE revoked_tokens (
    token_id   TEXT COLLATE "C" PRIMARY KEY,
    expires_at TIMESTAMPTZ NOT NULL
);

CREATE INDEX revoked_tokens_expires ON revoked_tokens (expires_at);

-- Small process-wide values, such as the token-signing secret.
CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

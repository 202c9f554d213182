-- What each participant shares, and which of their connections carries it.
ALTER TABLE room_participants
    ADD COLUMN media_camera BOOLEAN NOT NULL DEFAULT FALSE,
    ADD COLUMN media_mic BOOLEAN NOT NULL DEFAULT FALSE,
    ADD COLUMN media_watching BOOLEAN NOT NULL DEFAULT FALSE,
    ADD COLUMN media_conn TEXT NOT NULL DEFAULT '';

-- People a room's creator removed, and until when they may not rejoin.
CREATE TABLE room_bans (
    room_id TEXT NOT NULL REFERENCES rooms (id) ON DELETE CASCADE,
    user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    until   TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (room_id, user_id)
);

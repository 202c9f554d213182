-- What each participant shares, and which of their connections carries it.
ALTER TABLE room_participants ADD COLUMN media_camera INTEGER NOT NULL DEFAULT 0;
ALTER TABLE room_participants ADD COLUMN media_mic INTEGER NOT NULL DEFAULT 0;
ALTER TABLE room_participants ADD COLUMN media_watching INTEGER NOT NULL DEFAULT 0;
ALTER TABLE room_participants ADD COLUMN media_conn TEXT NOT NULL DEFAULT '';

-- People a room's creator removed, and until when they may not rejoin.
CREATE TABLE room_bans (
    room_id TEXT NOT NULL REFERENCES rooms (id) ON DELETE CASCADE,
    user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    until   INTEGER NOT NULL,
    PRIMARY KEY (room_id, user_id)
) STRICT;

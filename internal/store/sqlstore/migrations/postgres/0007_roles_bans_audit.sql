-- Roles, site-wide bans and the audit log (docs/api.md "Moderation").
-- role: member, moderator or admin; read on every moderation request.
ALTER TABLE users ADD COLUMN role TEXT NOT NULL DEFAULT 'member'
    CHECK (role IN ('member', 'moderator', 'admin'));

-- Site-wide bans. until NULL: until lifted. Lifting deletes the row (the
-- audit log keeps the history).
CREATE TABLE user_bans (
    id         TEXT PRIMARY KEY,
    user_id    TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    reason     TEXT NOT NULL,
    until      TIMESTAMPTZ,
    created_by TEXT,
    created_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX user_bans_user ON user_bans (user_id);

-- Every moderation action, role change, ban and unban: who, on what, why,
-- when. No addresses. Pages go newest first by id.
CREATE TABLE audit_log (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at          TIMESTAMPTZ NOT NULL,
    actor_id    TEXT NOT NULL,
    action      TEXT NOT NULL,
    target_type TEXT NOT NULL,
    target_id   TEXT NOT NULL,
    reason      TEXT NOT NULL DEFAULT ''
);
CREATE INDEX audit_log_at ON audit_log (at);

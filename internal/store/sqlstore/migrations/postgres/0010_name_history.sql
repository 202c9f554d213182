-- A person's earlier display names, so that moderators judging a report
-- recognise someone who changed their name (or had it reset). Written on
-- every change of a name; only the latest few are kept, and they go with
-- the account.
CREATE TABLE user_names (
    user_id      TEXT COLLATE "C" NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    display_name TEXT NOT NULL,
    changed_at   TIMESTAMPTZ NOT NULL,
    seq          BIGSERIAL,
    PRIMARY KEY (user_id, seq)
);

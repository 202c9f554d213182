-- Server instances and how long each is known to be alive. An instance
-- renews its lease while it runs; one that stops renewing is presumed gone.
CREATE TABLE instances (
    id          TEXT PRIMARY KEY,
    lease_until INTEGER NOT NULL
) STRICT;

-- A user with a live socket in a room on an instance. Their seat is held
-- for as long as that instance's lease lasts, so a live socket costs the
-- database nothing while it stays open.
CREATE TABLE seat_holds (
    user_id     TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    instance_id TEXT NOT NULL,
    PRIMARY KEY (user_id, instance_id)
) STRICT;
CREATE INDEX seat_holds_instance ON seat_holds (instance_id);

-- Unlisted rooms: found only through their link. ListRooms and QuickJoin
-- skip them; joining by id works as for any room. Existing rooms stay
-- listed.
ALTER TABLE rooms ADD COLUMN unlisted BOOLEAN NOT NULL DEFAULT FALSE;

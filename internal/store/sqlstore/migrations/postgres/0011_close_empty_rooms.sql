-- The open rooms a person made, by age: CloseEmptyRooms looks among them
-- for the ones nobody has been in for a day (starter rooms, with no
-- creator, never close). Small: each person may keep only a few open.
CREATE INDEX rooms_open_user_made ON rooms (created_at) WHERE is_active AND created_by IS NOT NULL;

-- The room rhythm and personal blocks (docs/api.md "Rooms", "Focus sessions").
-- timer_control: who may control a room's timer when it has no cycle,
-- owner (the creator) or anyone. cycle_work and cycle_break: the room's
-- clock-aligned cycle in minutes, both NULL for a room without one.
-- Starter rooms and rooms quick-join created (created_by IS NULL) get
-- their category's cycle; rooms people created keep a timer anyone may
-- control, the rule they were created under.
ALTER TABLE rooms ADD COLUMN timer_control TEXT NOT NULL DEFAULT 'owner';
ALTER TABLE rooms ADD COLUMN cycle_work INTEGER;
ALTER TABLE rooms ADD COLUMN cycle_break INTEGER;
UPDATE rooms SET timer_control = 'anyone' WHERE created_by IS NOT NULL;
UPDATE rooms SET
    cycle_work = CASE category WHEN 'deep-work' THEN 50 ELSE 25 END,
    cycle_break = CASE category WHEN 'deep-work' THEN 10 ELSE 5 END
WHERE created_by IS NULL;
-- planned_minutes: the length of the person's own block, 5-240, or NULL.
ALTER TABLE focus_sessions ADD COLUMN planned_minutes INTEGER;

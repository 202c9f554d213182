// What the lobby lists and what it says about each room's rhythm. Pure, so
// the arithmetic is tested without a clock (lobby-rooms.test.ts).
import type { Cycle, Room } from '../lib/types';

const MINUTE = 60_000;

/**
 * listed is the rooms the lobby shows: an empty room a person created is
 * left out (nobody is there to work with), unless this viewer created it.
 */
export function listed(rooms: Room[], viewerId: string | undefined): Room[] {
  return rooms.filter(
    (r) => r.isActive && r.visibility !== 'unlisted' && !r.unlisted && (r.createdBy === null || r.currentCapacity > 0 || r.createdBy === viewerId),
  );
}

/** mergeRooms appends a page, leaving out rooms already listed (a room whose count changed between pages may come again). */
export function mergeRooms(rooms: Room[], page: Room[]): Room[] {
  const seen = new Set(rooms.map((r) => r.id));
  return rooms.concat(page.filter((r) => !seen.has(r.id)));
}

/** busyFirst orders rooms with people first (most people first); otherwise the list's order holds. */
export function busyFirst(rooms: Room[]): Room[] {
  return rooms
    .map((r, i) => ({ r, i }))
    .sort((a, b) => b.r.currentCapacity - a.r.currentCapacity || a.i - b.i)
    .map((x) => x.r);
}

/** splitByActivity puts the rooms where people work now (busiest first) apart from the quiet ones. */
export function splitByActivity(rooms: Room[]): { busy: Room[]; quiet: Room[] } {
  return {
    busy: busyFirst(rooms.filter((r) => r.currentCapacity > 0)),
    quiet: rooms.filter((r) => r.currentCapacity === 0),
  };
}

/** Phase is where a cycle stands at a moment: a block running, or the break before the next. */
export type Phase =
  | { kind: 'work'; endsAt: number; minutesLeft: number }
  | { kind: 'break'; nextBlockAt: number };

/**
 * phaseAt places `now` (Unix ms) in a cycle: work phases start at every whole
 * multiple of work+break minutes since the Unix epoch, breaks `work` minutes
 * later (the server's rule, so every screen agrees).
 */
export function phaseAt(cycle: Cycle, now: number): Phase {
  const period = (cycle.work + cycle.break) * MINUTE;
  const start = Math.floor(now / period) * period;
  const workEnd = start + cycle.work * MINUTE;
  if (now < workEnd) return { kind: 'work', endsAt: workEnd, minutesLeft: Math.ceil((workEnd - now) / MINUTE) };
  return { kind: 'break', nextBlockAt: start + period };
}

const clockTime = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit' });

/** rhythmText is the lobby's line for a room with a cycle: "block running · 12 min left" or "next block 14:00" (local time). */
export function rhythmText(cycle: Cycle, now: number, format: (t: number) => string = (t) => clockTime.format(t)): string {
  const p = phaseAt(cycle, now);
  return p.kind === 'work' ? `block running · ${p.minutesLeft} min left` : `next block ${format(p.nextBlockAt)}`;
}

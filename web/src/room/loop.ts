// The focus loop, as pure functions: what will you work on → your block →
// its end → what got done → a short break → another block? The signals that
// drive it live in room/loopState.ts; the components only render a phase.
//
// Times are server milliseconds (rt.clock.now()), so a block ends at the
// same moment on every screen, and a reload picks it up where it was.
import type { Cycle, Participant, Room, Timer } from '../lib/types';

export const MIN_PLANNED = 5;
export const MAX_PLANNED = 240;
/** The lengths a person can pick for a block of their own. */
export const OWN_LENGTHS = [25, 50, 75] as const;
export const BREAK_MINUTES = 5;
const MINUTE = 60_000;

/** Length is the block's length as chosen: the room's work phase, or minutes of one's own. */
export type Length = 'room' | (typeof OWN_LENGTHS)[number];

/** clampPlanned makes a whole number of minutes the server accepts (5–240). */
export function clampPlanned(minutes: number): number {
  if (!Number.isFinite(minutes)) return MIN_PLANNED;
  return Math.min(MAX_PLANNED, Math.max(MIN_PLANNED, Math.round(minutes)));
}

/**
 * roomBlockMinutes is the block that ends with the room's current work phase
 * (a cycle's, or a running focus timer's), clamped to 5–240; null when the
 * room is not in a work phase.
 */
export function roomBlockMinutes(timer: Timer, serverNow: number): number | null {
  if (timer.state !== 'running' || timer.type !== 'work' || timer.endsAt === null) return null;
  const left = timer.endsAt - serverNow;
  return left > 0 ? clampPlanned(left / MINUTE) : null;
}

/** plannedFor is the plannedMinutes sent for a chosen length (25 when the room's phase is gone). */
export function plannedFor(length: Length, roomMinutes: number | null): number {
  if (length === 'room') return roomMinutes ?? OWN_LENGTHS[0];
  return length;
}

/** defaultLength keeps the last choice when it is still possible, else follows the room's phase when there is one. */
export function defaultLength(last: Length | null, roomMinutes: number | null): Length {
  if (last === 'room') return roomMinutes !== null ? 'room' : OWN_LENGTHS[0];
  if (last !== null) return last;
  return roomMinutes !== null ? 'room' : OWN_LENGTHS[0];
}

/** blockEndsAt is startedAt + plannedMinutes in server ms; null for an open-ended block. */
export function blockEndsAt(block: { startedAt: string; plannedMinutes?: number | null }): number | null {
  const planned = block.plannedMinutes;
  if (!planned) return null;
  const start = Date.parse(block.startedAt);
  return Number.isFinite(start) ? start + planned * MINUTE : null;
}

/** secondsUntil rounds up, so "0:01" shows until the very end. */
export function secondsUntil(endsAt: number, serverNow: number): number {
  return Math.max(0, Math.ceil((endsAt - serverNow) / 1000));
}

export type Phase =
  | 'plan' // no block: what will you work on, and for how long?
  | 'block' // working, the block counting down
  | 'done' // the block's time is up: "Block done" and the check-in
  | 'checkin' // the check-in before the end (finishing early, leaving)
  | 'break' // after a check-in: a short break
  | 'again'; // "Another block?", the last goals filled in

/** Loop is what the tab remembers of the loop beyond the session itself. */
export interface Loop {
  /** The check-in was asked for before the block's end. */
  checkin: boolean;
  /** Leave the room once the check-in is saved. */
  leaveAfter: boolean;
  /** When the break after a completed block ends (server ms); null: no break. */
  breakEndsAt: number | null;
  /** A block was completed here, so the form asks "Another block?". */
  finished: boolean;
  /** What the last block was about, for the next one. */
  goals: string[];
  share: boolean;
  length: Length | null;
}

export const INITIAL_LOOP: Loop = {
  checkin: false, leaveAfter: false, breakEndsAt: null, finished: false, goals: [], share: false, length: null,
};

/** OpenBlock is the part of an open session the loop reads. */
export interface OpenBlock {
  startedAt: string;
  plannedMinutes?: number | null;
}

/** phase is where the loop is, from my open session (if any), what the tab remembers and the time. */
export function phase(block: OpenBlock | null, loop: Loop, serverNow: number): Phase {
  if (block) {
    const end = blockEndsAt(block);
    if (end !== null && serverNow >= end) return 'done';
    return loop.checkin ? 'checkin' : 'block';
  }
  if (loop.breakEndsAt !== null && serverNow < loop.breakEndsAt) return 'break';
  return loop.finished ? 'again' : 'plan';
}

export type LoopEvent =
  | { type: 'started'; goals: string[]; share: boolean; length: Length }
  | { type: 'check-in'; leaveAfter?: boolean }
  | { type: 'not-yet' }
  | { type: 'completed'; at: number }
  | { type: 'skip-break' }
  | { type: 'ended' }; // the session ended without a check-in (another tab, leaving)

/** step applies one thing the person did (or the server said) to the loop. */
export function step(loop: Loop, e: LoopEvent): Loop {
  switch (e.type) {
    case 'started':
      return { ...loop, checkin: false, leaveAfter: false, breakEndsAt: null, goals: e.goals, share: e.share, length: e.length };
    case 'check-in':
      return { ...loop, checkin: true, leaveAfter: e.leaveAfter === true };
    case 'not-yet':
      return { ...loop, checkin: false, leaveAfter: false };
    case 'completed':
      return { ...loop, checkin: false, leaveAfter: false, finished: true, breakEndsAt: e.at + BREAK_MINUTES * MINUTE };
    case 'skip-break':
      return { ...loop, breakEndsAt: null };
    case 'ended':
      return { ...loop, checkin: false, leaveAfter: false };
  }
}

/**
 * shouldAlert tells whether the block's end is news to this tab: the block
 * was seen running and is now done. A reload after the end shows the end
 * without chiming again.
 */
export function shouldAlert(prev: Phase | null, cur: Phase): boolean {
  return cur === 'done' && (prev === 'block' || prev === 'checkin');
}

// ---- the room's timer ---------------------------------------------------

/**
 * TimerRule is who controls the room's timer, as this person sees it:
 * "cycle": nobody, the room keeps its rhythm; "watch": someone else (the
 * creator) does; "control": I may.
 */
export type TimerRule = 'cycle' | 'watch' | 'control';

export function timerRule(room: Room, meId: string): TimerRule {
  if (room.cycle) return 'cycle';
  // A server without timerControl lets anyone control the timer.
  if ((room.timerControl ?? 'anyone') === 'owner') return room.createdBy === meId ? 'control' : 'watch';
  return 'control';
}

/**
 * needsConfirm: changing the timer would change it under other people who
 * are working with it (a running focus timer, and someone else here), in a
 * room where anyone may change it.
 */
export function needsConfirm(room: Room, timer: Timer, participants: Participant[], meId: string): boolean {
  if (room.cycle || room.timerControl !== 'anyone') return false;
  if (timer.state !== 'running' || timer.type !== 'work') return false;
  return participants.some((p) => p.id !== meId);
}

/** nextBlockAt is the start of a cycle's next work phase after serverNow (ms since the epoch). */
export function nextBlockAt(cycle: Cycle, serverNow: number): number {
  const period = (cycle.work + cycle.break) * MINUTE;
  return (Math.floor(serverNow / period) + 1) * period;
}

/** rhythmText: "This room keeps a 50/10 rhythm". */
export function rhythmText(cycle: Cycle): string {
  return `This room keeps a ${cycle.work}/${cycle.break} rhythm`;
}

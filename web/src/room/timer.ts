// The shared timer as a person sees it: seconds left, the clock face, and the
// few moments worth announcing to a screen reader.
import type { Timer, TimerType } from '../lib/types';

/** remainingMs is the time left at server time `serverNow`. */
function remainingMs(t: Timer, serverNow: number): number {
  if (t.state === 'running' && t.endsAt !== null) return Math.max(0, t.endsAt - serverNow);
  if (t.state === 'paused') return Math.max(0, t.remaining * 1000);
  return 0;
}

/** remainingSeconds rounds up, so "0:01" shows until the very end. */
export function remainingSeconds(t: Timer, serverNow: number): number {
  return Math.ceil(remainingMs(t, serverNow) / 1000);
}

/** formatClock shows M:SS, or H:MM:SS from an hour up. */
export function formatClock(seconds: number): string {
  const s = Math.max(0, Math.floor(seconds));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const ss = String(s % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${ss}` : `${String(m).padStart(2, '0')}:${ss}`;
}

/** spokenDuration says a number of seconds in words ("25 minutes", "1 hour 30 minutes"). */
export function spokenDuration(seconds: number): string {
  if (seconds < 60) return `${seconds} ${seconds === 1 ? 'second' : 'seconds'}`;
  const total = Math.round(seconds / 60);
  const h = Math.floor(total / 60);
  const m = total % 60;
  const parts: string[] = [];
  if (h) parts.push(`${h} ${h === 1 ? 'hour' : 'hours'}`);
  if (m) parts.push(`${m} ${m === 1 ? 'minute' : 'minutes'}`);
  return parts.join(' ');
}

export type Milestone = 'halfway' | 'one-minute';

/**
 * milestone tells which milestone, if any, the countdown crossed between two
 * readings of the seconds left. The first reading after joining or
 * reconnecting (prev null) crosses nothing, so nothing is announced late.
 */
export function milestone(prev: number | null, cur: number, duration: number): Milestone | null {
  if (prev === null || cur >= prev) return null;
  if (duration >= 120 && prev > 60 && cur <= 60 && cur > 0) return 'one-minute';
  const half = duration / 2;
  if (duration >= 240 && prev > half && cur <= half) return 'halfway';
  return null;
}

export function milestoneText(m: Milestone): string {
  return m === 'halfway' ? 'Halfway there.' : 'One minute left.';
}

export function startedText(type: TimerType | null, duration: number): string {
  return `${type === 'break' ? 'Break' : 'Focus'} timer started: ${spokenDuration(duration)}.`;
}

/** phaseText is what a room with a cycle says when a phase starts: the room's, not anyone's block. */
export function phaseText(type: TimerType | null, duration: number): string {
  return type === 'break' ? `The room's break started: ${spokenDuration(duration)}.` : `The room's next block started: ${spokenDuration(duration)}.`;
}

export function doneText(type: TimerType | null): string {
  return type === 'break' ? "Break's over. Ready when you are." : 'Time is up. Nice work.';
}

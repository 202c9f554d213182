// What a tile says about a person beyond their status: how long their block
// has left, whether they just arrived or just finished, and the silent
// reactions with their calm-down. Pure: times are passed in (server ms).
import type { Focus, Participant, ReactionKind } from '../lib/types';

const MINUTE = 60_000;
/** How long "just joined" shows after someone arrives. */
export const JOINED_MS = 2 * MINUTE;
/** How long "finished a block" shows after someone completes one. */
export const FINISHED_MS = 5 * MINUTE;
/** How long a reaction stays on a tile. */
export const REACTION_MS = 4_000;

export const REACTIONS: Array<{ kind: ReactionKind; emoji: string; label: string }> = [
  { kind: 'clap', emoji: '👏', label: 'Clap' },
  { kind: 'strong', emoji: '💪', label: 'You got this' },
  { kind: 'coffee', emoji: '☕', label: 'Coffee' },
];

export function emojiOf(kind: string): string {
  return REACTIONS.find((r) => r.kind === kind)?.emoji ?? '';
}

export function isReaction(kind: unknown): kind is ReactionKind {
  return REACTIONS.some((r) => r.kind === kind);
}

/**
 * blockText is the time left in someone's block: "12 min left" from
 * startedAt + plannedMinutes; an open-ended block, or one past its planned
 * end, is just "in a block" (a tile never shows who is behind).
 */
export function blockText(focus: Focus, now: number): string {
  const planned = focus.plannedMinutes;
  if (!planned) return 'in a block';
  const left = Date.parse(focus.startedAt) + planned * MINUTE - now;
  if (!(left > 0)) return 'in a block';
  return `${Math.ceil(left / MINUTE)} min left`;
}

export type Mark = 'joined' | 'finished' | null;

/** markOf is the calm note on a tile: "finished a block" first, then "just joined". */
export function markOf(p: Participant, finishedAt: number | undefined, now: number): Mark {
  if (finishedAt !== undefined && now - finishedAt < FINISHED_MS) return 'finished';
  const joined = Date.parse(p.joinedAt);
  if (now - joined < JOINED_MS && now >= joined - MINUTE) return 'joined';
  return null;
}

/**
 * Bucket mirrors the server's reaction limit (a burst of 3, then one every
 * 5 s), so the buttons calm down before the server has to refuse.
 */
export interface Bucket {
  tokens: number;
  at: number;
}

export const BURST = 3;
export const REFILL_MS = 5_000;

export function fullBucket(now: number): Bucket {
  return { tokens: BURST, at: now };
}

function refill(b: Bucket, now: number): Bucket {
  const gained = Math.max(0, now - b.at) / REFILL_MS;
  return { tokens: Math.min(BURST, b.tokens + gained), at: now };
}

/** take spends one reaction if there is one; calmUntil is when the next one is there (now when ok). */
export function take(b: Bucket, now: number): { ok: boolean; bucket: Bucket; calmUntil: number } {
  const cur = refill(b, now);
  if (cur.tokens >= 1) {
    const bucket = { tokens: cur.tokens - 1, at: now };
    return { ok: true, bucket, calmUntil: bucket.tokens >= 1 ? now : now + Math.ceil((1 - bucket.tokens) * REFILL_MS) };
  }
  return { ok: false, bucket: cur, calmUntil: now + Math.ceil((1 - cur.tokens) * REFILL_MS) };
}

/** refused is the bucket after the server said rate_limited: empty, so the buttons rest a full refill. */
export function refused(now: number): { bucket: Bucket; calmUntil: number } {
  return { bucket: { tokens: 0, at: now }, calmUntil: now + REFILL_MS };
}

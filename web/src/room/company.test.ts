import { describe, expect, it } from 'vitest';
import type { Participant } from '../lib/types';
import { BURST, FINISHED_MS, JOINED_MS, REFILL_MS, blockText, fullBucket, markOf, refused, take } from './company';

const MIN = 60_000;
const T0 = Date.parse('2026-03-01T10:00:00Z');

describe('blockText', () => {
  const focus = { sessionId: 's', startedAt: '2026-03-01T10:00:00Z', progress: 0 };
  it('counts down the planned block, rounding up to the minute', () => {
    expect(blockText({ ...focus, plannedMinutes: 25 }, T0)).toBe('25 min left');
    expect(blockText({ ...focus, plannedMinutes: 25 }, T0 + 13 * MIN + 1)).toBe('12 min left');
    expect(blockText({ ...focus, plannedMinutes: 25 }, T0 + 25 * MIN - 1)).toBe('1 min left');
  });
  it('says "in a block" without a planned length, and once it is past (never who is behind)', () => {
    expect(blockText(focus, T0 + 5 * MIN)).toBe('in a block');
    expect(blockText({ ...focus, plannedMinutes: null }, T0)).toBe('in a block');
    expect(blockText({ ...focus, plannedMinutes: 25 }, T0 + 25 * MIN)).toBe('in a block');
    expect(blockText({ ...focus, plannedMinutes: 25 }, T0 + 90 * MIN)).toBe('in a block');
  });
});

describe('markOf', () => {
  const p = { joinedAt: '2026-03-01T10:00:00Z' } as Participant;
  it('marks a newcomer for a couple of minutes', () => {
    expect(markOf(p, undefined, T0 + 1000)).toBe('joined');
    expect(markOf(p, undefined, T0 + JOINED_MS - 1)).toBe('joined');
    expect(markOf(p, undefined, T0 + JOINED_MS)).toBe(null);
  });
  it('prefers "finished a block" for a few minutes after a completion', () => {
    const done = T0 + 30 * MIN;
    expect(markOf(p, done, done + 1)).toBe('finished');
    expect(markOf(p, done, done + FINISHED_MS - 1)).toBe('finished');
    expect(markOf(p, done, done + FINISHED_MS)).toBe(null);
    expect(markOf(p, T0 + 10_000, T0 + 20_000)).toBe('finished');
  });
});

describe('reaction calm-down', () => {
  it('allows a burst of three, then rests until one refills', () => {
    let b = fullBucket(T0);
    for (let i = 0; i < BURST; i++) {
      const r = take(b, T0);
      expect(r.ok).toBe(true);
      b = r.bucket;
    }
    const last = take(b, T0);
    expect(last.ok).toBe(false);
    expect(last.calmUntil).toBe(T0 + REFILL_MS);
    expect(take(b, T0 + REFILL_MS - 1).ok).toBe(false);
    expect(take(b, T0 + REFILL_MS).ok).toBe(true);
  });
  it('says when the third in a burst empties the bucket', () => {
    let b = fullBucket(T0);
    b = take(b, T0).bucket;
    expect(take(b, T0).calmUntil).toBe(T0); // one is left
    b = take(b, T0).bucket;
    expect(take(b, T0).calmUntil).toBe(T0 + REFILL_MS);
  });
  it('refills one every five seconds, never past the burst', () => {
    const empty = { tokens: 0, at: T0 };
    expect(take(empty, T0 + 2 * REFILL_MS).bucket.tokens).toBe(1);
    expect(take(empty, T0 + 100 * REFILL_MS).bucket.tokens).toBe(BURST - 1);
  });
  it('rests a full refill after the server refuses', () => {
    const r = refused(T0);
    expect(r.calmUntil).toBe(T0 + REFILL_MS);
    expect(take(r.bucket, T0 + 1).ok).toBe(false);
    expect(take(r.bucket, T0 + REFILL_MS).ok).toBe(true);
  });
});

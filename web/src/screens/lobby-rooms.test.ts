import { describe, expect, it } from 'vitest';
import type { Room } from '../lib/types';
import { busyFirst, listed, mergeRooms, phaseAt, rhythmText, splitByActivity } from './lobby-rooms';

const MIN = 60_000;

function room(id: string, over: Partial<Room> = {}): Room {
  return {
    id, name: id, description: null, category: 'study', maxCapacity: 8, currentCapacity: 0, micPolicy: 'muted',
    isActive: true, createdBy: null, createdAt: '2026-01-01T00:00:00Z', ...over,
  };
}

describe('phaseAt', () => {
  const c25 = { work: 25, break: 5 };
  it('runs a block from each whole period since the epoch', () => {
    const start = 1000 * 30 * MIN; // a multiple of 30 minutes
    expect(phaseAt(c25, start)).toEqual({ kind: 'work', endsAt: start + 25 * MIN, minutesLeft: 25 });
    expect(phaseAt(c25, start + 13 * MIN + 1)).toEqual({ kind: 'work', endsAt: start + 25 * MIN, minutesLeft: 12 });
  });
  it('is a break from work minutes on, until the next period', () => {
    const start = 1000 * 30 * MIN;
    expect(phaseAt(c25, start + 25 * MIN)).toEqual({ kind: 'break', nextBlockAt: start + 30 * MIN });
    expect(phaseAt(c25, start + 30 * MIN - 1)).toEqual({ kind: 'break', nextBlockAt: start + 30 * MIN });
  });
  it('aligns a 50/10 cycle to the hour, a 45/15 one too', () => {
    const hour = 490_000 * 60 * MIN;
    expect(phaseAt({ work: 50, break: 10 }, hour + 55 * MIN)).toEqual({ kind: 'break', nextBlockAt: hour + 60 * MIN });
    expect(phaseAt({ work: 45, break: 15 }, hour + 10 * MIN)).toMatchObject({ kind: 'work', minutesLeft: 35 });
  });
  it('counts from the epoch, not the hour, for periods that do not divide it', () => {
    const period = 7 * MIN; // 5 + 2
    const n = 123_456;
    expect(phaseAt({ work: 5, break: 2 }, n * period + 6 * MIN)).toEqual({ kind: 'break', nextBlockAt: (n + 1) * period });
  });
});

describe('rhythmText', () => {
  it('says how long the block has left, or when the next one starts', () => {
    const start = 1000 * 30 * MIN;
    expect(rhythmText({ work: 25, break: 5 }, start + 13 * MIN)).toBe('block running · 12 min left');
    expect(rhythmText({ work: 25, break: 5 }, start + 26 * MIN, (t) => String(t))).toBe(`next block ${start + 30 * MIN}`);
  });
});

describe('listed', () => {
  it('hides empty rooms people created, except from their creator', () => {
    const rooms = [
      room('starter'),
      room('mine-empty', { createdBy: 'me' }),
      room('theirs-empty', { createdBy: 'sam' }),
      room('theirs-busy', { createdBy: 'sam', currentCapacity: 2 }),
    ];
    expect(listed(rooms, 'me').map((r) => r.id)).toEqual(['starter', 'mine-empty', 'theirs-busy']);
    expect(listed(rooms, 'sam').map((r) => r.id)).toEqual(['starter', 'theirs-empty', 'theirs-busy']);
    expect(listed(rooms, undefined).map((r) => r.id)).toEqual(['starter', 'theirs-busy']);
  });
  it('leaves out inactive and unlisted rooms', () => {
    const rooms = [room('a', { isActive: false }), room('b', { visibility: 'unlisted', currentCapacity: 1 }), room('c')];
    expect(listed(rooms, 'me').map((r) => r.id)).toEqual(['c']);
  });
});

describe('busyFirst and splitByActivity', () => {
  const rooms = [room('a'), room('b', { currentCapacity: 1 }), room('c', { currentCapacity: 3 }), room('d'), room('e', { currentCapacity: 1 })];
  it('orders rooms with people first, the busiest first, stable otherwise', () => {
    expect(busyFirst(rooms).map((r) => r.id)).toEqual(['c', 'b', 'e', 'a', 'd']);
  });
  it('splits busy rooms from quiet ones', () => {
    const { busy, quiet } = splitByActivity(rooms);
    expect(busy.map((r) => r.id)).toEqual(['c', 'b', 'e']);
    expect(quiet.map((r) => r.id)).toEqual(['a', 'd']);
  });
});

describe('mergeRooms', () => {
  it('appends a page in its order, leaving out rooms already listed', () => {
    const first = [room('a', { currentCapacity: 3 }), room('b', { currentCapacity: 1 })];
    // b gained people between pages and came again; c and d are new.
    const next = [room('c'), room('b', { currentCapacity: 2 }), room('d')];
    expect(mergeRooms(first, next).map((r) => r.id)).toEqual(['a', 'b', 'c', 'd']);
    expect(mergeRooms([], next).map((r) => r.id)).toEqual(['c', 'b', 'd']);
    expect(mergeRooms(first, []).map((r) => r.id)).toEqual(['a', 'b']);
  });
});

import { describe, expect, it } from 'vitest';
import type { Participant, Room, Timer } from '../lib/types';
import {
  INITIAL_LOOP, blockEndsAt, clampPlanned, defaultLength, needsConfirm, nextBlockAt, phase, plannedFor,
  roomBlockMinutes, secondsUntil, shouldAlert, step, timerRule, type Loop, type Phase,
} from './loop';

const MIN = 60_000;
const T0 = Date.parse('2026-01-01T10:00:00.000Z');

const room = (extra: Partial<Room> = {}): Room => ({
  id: 'r1', name: 'Room', description: null, category: 'admin', maxCapacity: 8, currentCapacity: 2, micPolicy: 'muted',
  isActive: true, createdBy: 'owner', createdAt: '2026-01-01T00:00:00.000Z', timerControl: 'owner', cycle: null, ...extra,
});
const timer = (extra: Partial<Timer> = {}): Timer => ({
  state: 'running', type: 'work', duration: 1500, remaining: 1500, endsAt: T0 + 25 * MIN, by: null, version: 1, ...extra,
});
const person = (id: string): Participant => ({
  id, displayName: id, avatarUrl: null, status: 'working', joinedAt: '2026-01-01T00:00:00.000Z', focus: null,
  media: { camera: false, mic: false, watching: false },
});

describe('the length of a block', () => {
  it('clamps what is sent to 5–240 whole minutes', () => {
    expect([0, 3, 4.4, 5, 24.6, 240, 241, NaN].map(clampPlanned)).toEqual([5, 5, 5, 5, 25, 240, 240, 5]);
  });

  it("follows the room's work phase to its end, never below 5 minutes", () => {
    expect(roomBlockMinutes(timer(), T0)).toBe(25);
    expect(roomBlockMinutes(timer({ endsAt: T0 + 14 * MIN + 20_000 }), T0)).toBe(14);
    expect(roomBlockMinutes(timer({ endsAt: T0 + 2 * MIN }), T0)).toBe(5);
    expect(roomBlockMinutes(timer({ endsAt: T0 + 300 * MIN }), T0)).toBe(240);
  });

  it('has no room length outside a running work phase', () => {
    expect(roomBlockMinutes(timer({ type: 'break' }), T0)).toBeNull();
    expect(roomBlockMinutes(timer({ state: 'paused' }), T0)).toBeNull();
    expect(roomBlockMinutes(timer({ state: 'idle', endsAt: null }), T0)).toBeNull();
    expect(roomBlockMinutes(timer({ endsAt: T0 }), T0)).toBeNull();
  });

  it('sends the chosen minutes, 25 when the room phase is gone', () => {
    expect(plannedFor('room', 14)).toBe(14);
    expect(plannedFor('room', null)).toBe(25);
    expect(plannedFor(50, 14)).toBe(50);
  });

  it("defaults to the room's phase, then to the last choice that is still possible", () => {
    expect(defaultLength(null, 14)).toBe('room');
    expect(defaultLength(null, null)).toBe(25);
    expect(defaultLength(75, 14)).toBe(75);
    expect(defaultLength('room', null)).toBe(25);
  });
});

describe('my block', () => {
  const start = new Date(T0).toISOString();

  it('ends at startedAt + plannedMinutes, whatever the room timer does', () => {
    expect(blockEndsAt({ startedAt: start, plannedMinutes: 25 })).toBe(T0 + 25 * MIN);
    expect(blockEndsAt({ startedAt: start, plannedMinutes: null })).toBeNull();
    expect(blockEndsAt({ startedAt: start })).toBeNull();
    expect(secondsUntil(T0 + 25 * MIN, T0 + 1)).toBe(1500);
    expect(secondsUntil(T0, T0 + 5)).toBe(0);
  });
});

describe('the loop', () => {
  const block = { startedAt: new Date(T0).toISOString(), plannedMinutes: 25 };
  const end = T0 + 25 * MIN;

  it('goes plan → block → done → break → again → block, goals kept for the next one', () => {
    let loop: Loop = INITIAL_LOOP;
    const seen: Phase[] = [phase(null, loop, T0)];
    loop = step(loop, { type: 'started', goals: ['Write the intro'], share: true, length: 25 });
    seen.push(phase(block, loop, T0 + MIN));
    seen.push(phase(block, loop, end));
    loop = step(loop, { type: 'completed', at: end + MIN });
    seen.push(phase(null, loop, end + 2 * MIN));
    seen.push(phase(null, loop, end + 6 * MIN)); // the 5-minute break is over
    expect(seen).toEqual(['plan', 'block', 'done', 'break', 'again']);
    expect(loop).toMatchObject({ goals: ['Write the intro'], share: true, length: 25, finished: true });
    loop = step(loop, { type: 'started', goals: ['Write the intro'], share: true, length: 25 });
    expect(phase(block, loop, T0)).toBe('block');
  });

  it('checks in early and goes back with "not yet"; the end wins over an early check-in', () => {
    let loop = step(INITIAL_LOOP, { type: 'started', goals: [], share: false, length: 25 });
    loop = step(loop, { type: 'check-in', leaveAfter: true });
    expect(phase(block, loop, T0 + MIN)).toBe('checkin');
    expect(loop.leaveAfter).toBe(true);
    expect(phase(block, loop, end)).toBe('done');
    loop = step(loop, { type: 'not-yet' });
    expect(phase(block, loop, T0 + MIN)).toBe('block');
    expect(loop.leaveAfter).toBe(false);
  });

  it('skips the break straight to "another block?"', () => {
    let loop = step(INITIAL_LOOP, { type: 'completed', at: T0 });
    expect(phase(null, loop, T0 + MIN)).toBe('break');
    loop = step(loop, { type: 'skip-break' });
    expect(phase(null, loop, T0 + MIN)).toBe('again');
  });

  it('never ends an open-ended block by itself', () => {
    expect(phase({ startedAt: block.startedAt, plannedMinutes: null }, INITIAL_LOOP, end + 600 * MIN)).toBe('block');
  });

  it('alerts only when the block is seen ending, not on a reload after it', () => {
    expect(shouldAlert('block', 'done')).toBe(true);
    expect(shouldAlert('checkin', 'done')).toBe(true);
    expect(shouldAlert(null, 'done')).toBe(false);
    expect(shouldAlert('done', 'done')).toBe(false);
    expect(shouldAlert('block', 'block')).toBe(false);
  });
});

describe("the room's timer", () => {
  it('has no controls in a room with a cycle, whoever I am', () => {
    expect(timerRule(room({ cycle: { work: 50, break: 10 }, timerControl: 'anyone' }), 'me')).toBe('cycle');
    expect(timerRule(room({ cycle: { work: 50, break: 10 }, createdBy: 'me' }), 'me')).toBe('cycle');
  });

  it('gives the controls of an owner-only room to its creator alone', () => {
    expect(timerRule(room(), 'owner')).toBe('control');
    expect(timerRule(room(), 'me')).toBe('watch');
    expect(timerRule(room({ createdBy: null }), 'me')).toBe('watch');
  });

  it('gives everyone the controls of an "anyone" room', () => {
    expect(timerRule(room({ timerControl: 'anyone' }), 'me')).toBe('control');
  });

  it('asks first only when others work under a running focus timer', () => {
    const anyone = room({ timerControl: 'anyone' });
    const both = [person('me'), person('ben')];
    expect(needsConfirm(anyone, timer(), both, 'me')).toBe(true);
    expect(needsConfirm(anyone, timer(), [person('me')], 'me')).toBe(false);
    expect(needsConfirm(anyone, timer({ type: 'break' }), both, 'me')).toBe(false);
    expect(needsConfirm(anyone, timer({ state: 'idle' }), both, 'me')).toBe(false);
    expect(needsConfirm(room({ createdBy: 'me' }), timer(), both, 'me')).toBe(false);
  });

  it("says when a cycle's next block starts, aligned to the clock", () => {
    const cycle = { work: 50, break: 10 };
    // 10:00 UTC is a whole number of hours since the epoch: a block starts then.
    expect(nextBlockAt(cycle, T0)).toBe(T0 + 60 * MIN);
    expect(nextBlockAt(cycle, T0 + 55 * MIN)).toBe(T0 + 60 * MIN);
    expect(nextBlockAt({ work: 25, break: 5 }, T0 + 31 * MIN)).toBe(T0 + 60 * MIN);
  });
});

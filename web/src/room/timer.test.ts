import { describe, expect, it } from 'vitest';
import type { Timer } from '../lib/types';
import { formatClock, milestone, phaseText, remainingSeconds, spokenDuration } from './timer';

const base: Timer = { state: 'running', type: 'work', duration: 1500, remaining: 1500, endsAt: 100_000, by: null, version: 1 };

describe('remainingSeconds', () => {
  it('counts down to endsAt on the server clock, rounding up', () => {
    expect(remainingSeconds(base, 100_000 - 1_500_000)).toBe(1500);
    expect(remainingSeconds(base, 100_000 - 59_001)).toBe(60);
    expect(remainingSeconds(base, 100_000 - 1)).toBe(1);
    expect(remainingSeconds(base, 100_000)).toBe(0);
    expect(remainingSeconds(base, 200_000)).toBe(0);
  });

  it('gives the same reading on two devices whose clocks differ, once each applies its offset', () => {
    // Device A runs 3 s behind the server, device B 2 s ahead; each knows its offset.
    const server = 40_000;
    const a = { local: server - 3_000, offset: 3_000 };
    const b = { local: server + 2_000, offset: -2_000 };
    expect(remainingSeconds(base, a.local + a.offset)).toBe(remainingSeconds(base, b.local + b.offset));
  });

  it('holds still while paused, and is zero when idle', () => {
    expect(remainingSeconds({ ...base, state: 'paused', endsAt: null, remaining: 421 }, 0)).toBe(421);
    expect(remainingSeconds({ ...base, state: 'idle', endsAt: null }, 0)).toBe(0);
  });
});

describe('formatClock', () => {
  it('formats minutes and hours', () => {
    expect(formatClock(0)).toBe('00:00');
    expect(formatClock(59)).toBe('00:59');
    expect(formatClock(25 * 60)).toBe('25:00');
    expect(formatClock(3600 + 5 * 60 + 7)).toBe('1:05:07');
  });
});

describe('spokenDuration', () => {
  it('says durations in words', () => {
    expect(spokenDuration(25 * 60)).toBe('25 minutes');
    expect(spokenDuration(60)).toBe('1 minute');
    expect(spokenDuration(90 * 60)).toBe('1 hour 30 minutes');
    expect(spokenDuration(30)).toBe('30 seconds');
  });
});

describe('milestone', () => {
  it('announces halfway and the last minute when the countdown crosses them', () => {
    expect(milestone(751, 750, 1500)).toBe('halfway');
    expect(milestone(61, 60, 1500)).toBe('one-minute');
    expect(milestone(800, 700, 1500)).toBe('halfway'); // a throttled tab skipped seconds
  });

  it('stays quiet otherwise', () => {
    expect(milestone(1000, 999, 1500)).toBeNull();
    expect(milestone(750, 749, 1500)).toBeNull();
    expect(milestone(null, 60, 1500)).toBeNull(); // first reading after joining late
    expect(milestone(60, 61, 1500)).toBeNull(); // time went up (a restart)
    expect(milestone(1, 0, 1500)).toBeNull(); // the end is announced by timer-completed
  });

  it('leaves out milestones that would crowd a short timer', () => {
    expect(milestone(31, 30, 60)).toBeNull();
    expect(milestone(61, 60, 90)).toBeNull();
    expect(milestone(61, 60, 120)).toBe('one-minute');
    expect(milestone(91, 90, 180)).toBeNull();
  });
});

describe('phaseText', () => {
  it("says a cycle's phase is the room's", () => {
    expect(phaseText('break', 600)).toBe("The room's break started: 10 minutes.");
    expect(phaseText('work', 3000)).toBe("The room's next block started: 50 minutes.");
  });
});

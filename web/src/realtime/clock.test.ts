import { describe, expect, it } from 'vitest';
import { Clock } from './clock';

describe('Clock', () => {
  it('starts at zero offset', () => {
    expect(new Clock().offset).toBe(0);
  });

  it('uses the largest lower bound from one-way frames', () => {
    // True offset +1000 ms; frames arrive 40, 5 and 80 ms after being stamped.
    const c = new Clock();
    c.observe(11_000, 10_040);
    c.observe(12_000, 11_005);
    c.observe(13_000, 12_080);
    expect(c.offset).toBe(995); // within the smallest delay of the truth
  });

  it('takes the midpoint of the reply with the smallest round trip', () => {
    const c = new Clock();
    // Server is 2000 ms ahead. Reply 1: sent 0, stamped at local 100 (server 2100), received 400 (rtt 400).
    c.observe(2_100, 400, 0);
    // Reply 2: sent 1000, stamped at local 1010 (server 3010), received 1020 (rtt 20).
    c.observe(3_010, 1_020, 1_000);
    expect(Math.abs(c.offset - 2_000)).toBeLessThanOrEqual(10);
    expect(c.now(5_000)).toBeCloseTo(5_000 + c.offset);
  });

  it('keeps the estimate inside the bounds one-way frames prove', () => {
    const c = new Clock();
    // An asymmetric reply: the midpoint says 1500, but a later one-way frame proves at least 1900.
    c.observe(2_000, 1_000, 0);
    c.observe(3_900, 2_000);
    expect(c.offset).toBe(1_900);
  });

  it('forgets old samples so a changed device clock is followed', () => {
    const c = new Clock(4, 60_000);
    c.observe(5_000, 1_000); // offset ≥ 4000
    // The device clock jumps forward by an hour; later frames say offset ≈ 4000 − 3 600 000.
    const jump = 3_600_000;
    for (let i = 1; i <= 5; i++) c.observe(5_000 + i * 1000, 1_000 + jump + i * 1000);
    expect(c.offset).toBe(4_000 - jump);
  });

  it('ignores a frame without a usable serverTime', () => {
    const c = new Clock();
    c.observe(Number.NaN, 1_000);
    expect(c.offset).toBe(0);
  });
});

import { describe, expect, it } from 'vitest';
import { backoffDelay } from './backoff';

describe('backoffDelay', () => {
  it('grows exponentially and stays between half and all of the step', () => {
    expect(backoffDelay(0, () => 0)).toBe(250);
    expect(backoffDelay(0, () => 1)).toBe(500);
    expect(backoffDelay(1, () => 0)).toBe(500);
    expect(backoffDelay(3, () => 1)).toBe(4_000);
  });

  it('is capped', () => {
    expect(backoffDelay(30, () => 1)).toBe(10_000);
    expect(backoffDelay(30, () => 0)).toBe(5_000);
  });

  it('spreads clients that dropped together', () => {
    const delays = new Set(Array.from({ length: 20 }, (_, i) => backoffDelay(4, () => i / 20)));
    expect(delays.size).toBe(20);
  });
});

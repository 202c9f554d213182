import { describe, expect, it } from 'vitest';
import { dateText, untilText } from './when';

describe('ban and block dates', () => {
  it('say "until lifted" for a ban without an end', () => {
    expect(untilText(null)).toBe('until lifted');
    expect(untilText(undefined)).toBe('until lifted');
  });

  it('give a ban with an end its date', () => {
    const text = untilText('2025-03-13T09:00:00.000Z', 'en-GB');
    expect(text.startsWith('until ')).toBe(true);
    expect(text).toContain('2025');
    expect(text).toContain('Mar');
  });

  it('show text that is no date as it is', () => {
    expect(dateText('soon')).toBe('soon');
  });
});

import { describe, expect, it } from 'vitest';
import { isDark } from './display';

describe('isDark', () => {
  it.each([
    ['system', false, false],
    ['system', true, true],
    ['light', true, false],
    ['light', false, false],
    ['dark', false, true],
    ['dark', true, true],
    // Preferences cached before the theme existed follow the device.
    [undefined, true, true],
  ] as const)('theme %s on a device preferring dark=%s draws dark=%s', (theme, system, want) => {
    expect(isDark(theme, system)).toBe(want);
  });
});

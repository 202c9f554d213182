import { describe, expect, it } from 'vitest';
import { displayClasses } from './display';

describe('displayClasses', () => {
  it('leaves motion to the system by default', () => {
    expect(displayClasses({ reducedMotion: 'system', highContrast: false, largerText: false })).toEqual({
      hc: false, 'text-large': false, 'reduce-motion': false, 'allow-motion': false,
    });
  });

  it('turns each setting into its class', () => {
    expect(displayClasses({ reducedMotion: 'reduce', highContrast: true, largerText: true })).toEqual({
      hc: true, 'text-large': true, 'reduce-motion': true, 'allow-motion': false,
    });
    expect(displayClasses({ reducedMotion: 'no-preference', highContrast: false, largerText: false })['allow-motion']).toBe(true);
  });
});

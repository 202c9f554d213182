// applyDisplay turns the accessibility settings into classes on <html>;
// styles.css does the rest (and follows the system for reduced motion and
// colour scheme by itself).
import type { Preferences } from './types';

export function displayClasses(a: Preferences['accessibilitySettings']): Record<string, boolean> {
  return {
    hc: a.highContrast,
    'text-large': a.largerText,
    'reduce-motion': a.reducedMotion === 'reduce',
    'allow-motion': a.reducedMotion === 'no-preference',
  };
}

export function applyDisplay(a: Preferences['accessibilitySettings'], root: Element = document.documentElement): void {
  for (const [cls, on] of Object.entries(displayClasses(a))) root.classList.toggle(cls, on);
}

// applyDisplay turns the accessibility settings into classes on <html>;
// styles.css does the rest (and follows the system for reduced motion by
// itself). The theme is resolved here, not in CSS, so that one set of dark
// tokens serves both "dark" and "system" on a dark device.
import type { Preferences, Theme } from './types';

type Display = Preferences['accessibilitySettings'];

export function displayClasses(a: Omit<Display, 'theme'>): Record<string, boolean> {
  return {
    hc: a.highContrast,
    'text-large': a.largerText,
    'reduce-motion': a.reducedMotion === 'reduce',
    'allow-motion': a.reducedMotion === 'no-preference',
  };
}

/** isDark says whether the theme draws dark, given whether the device prefers dark. */
export function isDark(theme: Theme | undefined, systemDark: boolean): boolean {
  return theme === 'dark' || (theme !== 'light' && systemDark);
}

const darkQuery = typeof matchMedia === 'function' ? matchMedia('(prefers-color-scheme: dark)') : null;
let current: Display | null = null;

export function applyDisplay(a: Display, root: Element = document.documentElement): void {
  for (const [cls, on] of Object.entries(displayClasses(a))) root.classList.toggle(cls, on);
  const dark = isDark(a.theme, darkQuery?.matches ?? false);
  root.classList.toggle('dark', dark);
  // The browser's own bar follows the theme chosen here, not the device's.
  const bg = getComputedStyle(root).getPropertyValue('--bd-bg').trim();
  if (bg) for (const m of document.querySelectorAll('meta[name="theme-color"]')) m.setAttribute('content', bg);
  current = a;
}

// "system" follows the device live: re-apply when it switches.
darkQuery?.addEventListener('change', () => {
  if (current) applyDisplay(current);
});

import { describe, expect, it } from 'vitest';
import css from './styles.css?raw';

// Reads the colour tokens of every theme out of styles.css and checks the
// pairs the app actually draws against WCAG 2.x AA: 4.5:1 for text, 3:1 for
// control borders, focus rings and the progress ring.

function themes(): Map<string, Record<string, string>> {
  const out = new Map<string, Record<string, string>>();
  const marker = /\/\* @tokens ([\w-]+) \*\//g;
  for (const m of css.matchAll(marker)) {
    const open = css.indexOf('{', m.index);
    const close = css.indexOf('}', open);
    const vars: Record<string, string> = {};
    for (const v of css.slice(open, close).matchAll(/--bd-([\w-]+):\s*(#[0-9a-f]{6})/gi)) {
      vars[v[1]!] = v[2]!;
    }
    out.set(m[1]!, vars);
  }
  return out;
}

function luminance(hex: string): number {
  const channel = (i: number) => {
    const c = parseInt(hex.slice(i, i + 2), 16) / 255;
    return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  };
  return 0.2126 * channel(1) + 0.7152 * channel(3) + 0.0722 * channel(5);
}

function contrast(a: string, b: string): number {
  const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x) as [number, number];
  return (hi + 0.05) / (lo + 0.05);
}

const TEXT: Array<[string, string]> = [
  ['text', 'bg'], ['text', 'surface'], ['text', 'surface-2'], ['text', 'accent-soft'],
  ['muted', 'bg'], ['muted', 'surface'], ['muted', 'surface-2'],
  ['accent', 'bg'], ['accent', 'surface'], ['accent', 'accent-soft'],
  ['on-accent', 'accent'], ['on-accent', 'accent-strong'],
  ['working', 'surface'], ['working', 'surface-2'], ['break', 'surface'], ['break', 'surface-2'],
  ['away', 'surface'], ['away', 'surface-2'],
  ['danger', 'surface'], ['danger', 'bg'], ['on-danger', 'danger'],
];
const NON_TEXT: Array<[string, string]> = [
  ['field', 'surface'], ['field', 'bg'], ['focus', 'bg'], ['focus', 'surface'],
  ['accent', 'surface-2'], ['danger', 'surface'],
];

describe('design tokens', () => {
  const all = themes();

  it('defines the four themes with the same tokens', () => {
    expect([...all.keys()].sort()).toEqual(['dark', 'dark-hc', 'light', 'light-hc']);
    const names = Object.keys(all.get('light')!).sort();
    for (const vars of all.values()) expect(Object.keys(vars).sort()).toEqual(names);
  });

  for (const [theme, vars] of all) {
    const min = theme.endsWith('-hc') ? 7 : 4.5;
    it.each(TEXT)(`${theme}: text %s on %s is at least ${min}:1`, (fg, bg) => {
      expect(contrast(vars[fg]!, vars[bg]!)).toBeGreaterThanOrEqual(min);
    });
    it.each(NON_TEXT)(`${theme}: %s against %s is at least 3:1`, (fg, bg) => {
      expect(contrast(vars[fg]!, vars[bg]!)).toBeGreaterThanOrEqual(3);
    });
  }
});

describe('contrast', () => {
  it('matches the WCAG reference values', () => {
    expect(contrast('#000000', '#ffffff')).toBeCloseTo(21, 5);
    expect(contrast('#777777', '#ffffff')).toBeCloseTo(4.48, 2);
  });
});

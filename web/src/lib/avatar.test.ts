import { describe, expect, it } from 'vitest';
import { AVATAR_COLOURS, avatarColour, initials, safeAvatarUrl } from './avatar';

function luminance(hex: string): number {
  const c = (i: number) => {
    const v = parseInt(hex.slice(i, i + 2), 16) / 255;
    return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4;
  };
  return 0.2126 * c(1) + 0.7152 * c(3) + 0.0722 * c(5);
}

describe('avatars', () => {
  it('take initials from the first and last words', () => {
    expect(initials('Calm Otter')).toBe('CO');
    expect(initials('  jolly  yak  ')).toBe('JY');
    expect(initials('Ada Lovelace Byron')).toBe('AB');
    expect(initials('Zed')).toBe('Z');
    expect(initials('')).toBe('?');
    expect(initials('émile zola')).toBe('ÉZ');
  });

  it('keep a person on one colour', () => {
    expect(avatarColour('f5c0a048-c2ef')).toBe(avatarColour('f5c0a048-c2ef'));
    const used = new Set(Array.from({ length: 64 }, (_, i) => avatarColour(`user-${i}`)));
    expect(used.size).toBeGreaterThan(4);
  });

  it('use colours with AA contrast for white initials', () => {
    for (const c of AVATAR_COLOURS) expect((1.05 / (luminance(c) + 0.05))).toBeGreaterThanOrEqual(4.5);
  });

  it('only load pictures the CSP allows', () => {
    expect(safeAvatarUrl('/uploads/a.png')).toBe('/uploads/a.png');
    expect(safeAvatarUrl('data:image/png;base64,AAAA')).toBe('data:image/png;base64,AAAA');
    expect(safeAvatarUrl('https://elsewhere.example/a.png')).toBeNull();
    expect(safeAvatarUrl('//elsewhere.example/a.png')).toBeNull();
    expect(safeAvatarUrl('javascript:alert(1)')).toBeNull();
    expect(safeAvatarUrl(null)).toBeNull();
  });
});

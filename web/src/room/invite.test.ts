import { describe, expect, it } from 'vitest';
import { copyInvite, inviteLink } from './invite';

describe('inviteLink', () => {
  it('is the room page on this origin', () => {
    expect(inviteLink('https://bd.example', 'a75b859c-e030-4d92-94fa-d452ffd817ca')).toBe(
      'https://bd.example/room/a75b859c-e030-4d92-94fa-d452ffd817ca',
    );
  });
  it('escapes an id that is not a plain path segment', () => {
    expect(inviteLink('http://127.0.0.1:8080', 'a/b?c')).toBe('http://127.0.0.1:8080/room/a%2Fb%3Fc');
  });
});

describe('copyInvite', () => {
  const cases: { name: string; clipboard: Pick<Clipboard, 'writeText'> | undefined; want: string }[] = [
    { name: 'copies when the clipboard takes it', clipboard: { writeText: () => Promise.resolve() }, want: 'copied' },
    { name: 'falls back without a clipboard', clipboard: undefined, want: 'manual' },
    { name: 'falls back when writing is refused', clipboard: { writeText: () => Promise.reject(new DOMException('denied', 'NotAllowedError')) }, want: 'manual' },
  ];
  for (const tc of cases) {
    it(tc.name, async () => {
      expect(await copyInvite('https://bd.example/room/x', tc.clipboard)).toBe(tc.want);
    });
  }
  it('writes exactly the link', async () => {
    const written: string[] = [];
    await copyInvite('https://bd.example/room/x', { writeText: async (s: string) => void written.push(s) });
    expect(written).toEqual(['https://bd.example/room/x']);
  });
});

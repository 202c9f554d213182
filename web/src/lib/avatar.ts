// Generated avatars: initials on a colour picked from the user id, so a
// person keeps their colour wherever they appear.

/** Each has at least 4.5:1 contrast with white text (checked in avatar.test.ts). */
export const AVATAR_COLOURS = [
  '#3d6584', '#6a4f8a', '#8a4a5c', '#2f6b4f', '#7a5518', '#4b5a8c', '#8a4a2c', '#2f5f6b',
];

export function initials(name: string): string {
  const words = name.trim().split(/\s+/).filter(Boolean);
  const letters = words.length > 1 ? [words[0]!, words[words.length - 1]!] : words;
  return letters.map((w) => [...w][0]!.toUpperCase()).join('') || '?';
}

export function avatarColour(id: string): string {
  let h = 2166136261;
  for (let i = 0; i < id.length; i++) {
    h ^= id.charCodeAt(i);
    h = Math.imul(h, 16777619);
  }
  return AVATAR_COLOURS[(h >>> 0) % AVATAR_COLOURS.length]!;
}

/**
 * safeAvatarUrl keeps only URLs the Content-Security-Policy lets an image
 * load from (this origin, data: and blob:), so a foreign avatar never causes
 * a blocked request; the generated avatar is shown instead.
 */
export function safeAvatarUrl(url: string | null | undefined): string | null {
  if (!url) return null;
  if (/^(data:image\/|blob:)/i.test(url)) return url;
  if (url.startsWith('/') && !url.startsWith('//') && !url.startsWith('/\\')) return url;
  return null;
}

// The rules of Settings' "Your picture" (AvatarUpload.tsx): what may be
// uploaded (PUT /api/users/me/avatar), checked before sending so that a
// wrong file gets a plain answer at once. The server checks again.

/** The types the server accepts. */
export const AVATAR_TYPES = ['image/png', 'image/jpeg', 'image/webp'] as const;

/** The largest file the server accepts: 2 MB. */
export const AVATAR_MAX_BYTES = 2 << 20;

/** uploadProblem says why a file cannot be uploaded, or null when it may be. */
export function uploadProblem(file: { type: string; size: number }): string | null {
  if (!(AVATAR_TYPES as readonly string[]).includes(file.type)) return 'Pick a PNG, JPEG or WebP picture.';
  if (file.size > AVATAR_MAX_BYTES) return 'Pick a picture of at most 2 MB.';
  if (file.size === 0) return 'That file is empty. Pick another picture.';
  return null;
}

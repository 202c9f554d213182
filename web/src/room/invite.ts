/** The link that brings a friend straight into a room: the room's own page. */
export function inviteLink(origin: string, roomId: string): string {
  return `${origin}/room/${encodeURIComponent(roomId)}`;
}

/** How the invite link reached the person: copied, or shown to copy by hand. */
export type CopyOutcome = 'copied' | 'manual';

/**
 * copyInvite puts link on the clipboard when the browser allows it; without
 * a clipboard (an insecure origin, an old browser) or when writing is
 * refused, it answers 'manual' so the link is shown, selected, to copy.
 */
export async function copyInvite(link: string, clipboard: Pick<Clipboard, 'writeText'> | undefined): Promise<CopyOutcome> {
  if (!clipboard) return 'manual';
  try {
    await clipboard.writeText(link);
    return 'copied';
  } catch {
    return 'manual';
  }
}

/** How long "Link copied" stays before the button reads as before. */
export const COPIED_FOR_MS = 4000;

import { useEffect, useRef, useState } from 'preact/hooks';
import { COPIED_FOR_MS, type CopyOutcome, copyInvite, inviteLink } from './invite';

/**
 * InviteLink is the room's "Copy invite link" button. It says "Link copied"
 * for a few seconds; when the clipboard is out of reach it shows the link
 * in a read-only field, selected, for the person to copy themselves.
 */
export function InviteLink({ roomId, unlisted }: { roomId: string; unlisted: boolean }) {
  const link = inviteLink(location.origin, roomId);
  const [outcome, setOutcome] = useState<CopyOutcome | null>(null);
  const field = useRef<HTMLInputElement>(null);

  useEffect(() => {
    if (outcome === 'manual') field.current?.select();
    if (outcome !== 'copied') return;
    const t = setTimeout(() => setOutcome(null), COPIED_FOR_MS);
    return () => clearTimeout(t);
  }, [outcome]);

  async function copy() {
    setOutcome(await copyInvite(link, navigator.clipboard));
  }

  return (
    <div class="mt-1 flex min-w-0 flex-wrap items-center gap-x-3 gap-y-1">
      <button type="button" class="link min-h-11 text-sm" data-testid="copy-invite" onClick={copy}>
        Copy invite link
      </button>
      {unlisted && !outcome && (
        <span class="text-sm text-muted" data-testid="room-unlisted">Only people with the link can find this room.</span>
      )}
      <span role="status" class="text-sm text-muted" data-testid="invite-status">
        {outcome === 'copied' ? 'Link copied' : outcome === 'manual' ? 'Copy this link to invite a friend:' : ''}
      </span>
      {outcome === 'manual' && (
        <input
          ref={field}
          class="field w-full min-w-0 text-sm"
          readOnly
          value={link}
          aria-label="Invite link"
          data-testid="invite-link"
          onFocus={(e) => e.currentTarget.select()}
        />
      )}
    </div>
  );
}

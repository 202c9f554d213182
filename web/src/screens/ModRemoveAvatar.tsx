import { useState } from 'preact/hooks';
import { UserText } from '../components/UserText';
import { ApiError, api } from '../lib/api';
import type { ModReport } from '../lib/types';
import { Ask } from '../room/Ask';
import { failure, failureText } from './reach';

/**
 * ModRemoveAvatar is a report card's "Remove the picture…": it asks first,
 * then removes the reported person's avatar (DELETE
 * /api/mod/users/{id}/avatar, audited); they show their generated avatar
 * from then on. A failure stays in the question.
 */
export function ModRemoveAvatar({ r }: { r: ModReport }) {
  const [asking, setAsking] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [done, setDone] = useState(false);
  const person = r.reportedUser?.displayName ?? null;
  if (!person) return null;
  const title = `mod-avatar-title-${r.id}`;

  async function remove() {
    setBusy(true);
    setError(null);
    try {
      await api.modRemoveAvatar(r.reportedUserId);
      setAsking(false);
      setDone(true);
    } catch (e) {
      setError(e instanceof ApiError ? e.message : failureText(failure(e)));
    } finally {
      setBusy(false);
    }
  }

  return (
    <div class="mt-2 flex flex-wrap items-center gap-2">
      <button type="button" class="btn btn-quiet" data-testid="mod-remove-avatar" aria-label={`Remove the picture of ${person}`} onClick={() => { setError(null); setAsking(true); }}>
        Remove the picture…
      </button>
      <p role="status" class="text-sm text-muted" data-testid="mod-remove-avatar-status">{done ? 'Picture removed.' : ''}</p>
      <Ask open={asking} onCancel={() => !busy && setAsking(false)} labelledBy={title} testId="mod-remove-avatar-dialog">
        <h2 id={title} class="mb-2 text-xl font-bold">
          Remove the picture of <UserText text={person} />?
        </h2>
        <p class="mb-3">They show their initials instead, everywhere at once. They can set a new picture later.</p>
        {error && <p role="alert" class="field-error">{error}</p>}
        <div class="mt-5 flex flex-wrap justify-end gap-2">
          <button type="button" class="btn btn-quiet" disabled={busy} onClick={() => setAsking(false)}>Keep it</button>
          <button type="button" class="btn btn-danger" data-testid="mod-remove-avatar-confirm" disabled={busy} onClick={() => void remove()}>
            {busy ? 'Removing…' : 'Remove the picture'}
          </button>
        </div>
      </Ask>
    </div>
  );
}

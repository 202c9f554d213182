import { useEffect, useState } from 'preact/hooks';
import { Avatar } from '../components/Avatar';
import { ApiError, NetworkError, api } from '../lib/api';
import { user } from '../state/user';
import { AVATAR_TYPES, uploadProblem } from './avatar-upload-rules';

/**
 * AvatarUpload is Settings' "Your picture": shown only when the server
 * takes uploads (GET /api/config `avatarUploads`). It previews your
 * avatar, uploads a picture (PUT /api/users/me/avatar; the server crops it
 * to a 256 × 256 square and keeps no metadata) and removes it.
 */
export function AvatarUpload() {
  const [enabled, setEnabled] = useState(false);
  const [busy, setBusy] = useState(false);
  const [status, setStatus] = useState<{ ok: boolean; text: string } | null>(null);
  useEffect(() => {
    let live = true;
    api.config().then((c) => live && setEnabled(c.avatarUploads), () => {});
    return () => {
      live = false;
    };
  }, []);
  const me = user.value;
  if (!enabled || !me) return null;

  const problemOf = (e: unknown) =>
    e instanceof NetworkError ? "Couldn't reach Body Double. Please try again." : e instanceof ApiError ? e.message : "That didn't work. Please try again.";

  async function upload(input: HTMLInputElement) {
    const file = input.files?.[0];
    input.value = '';
    if (!file) return;
    const problem = uploadProblem(file);
    if (problem) {
      setStatus({ ok: false, text: problem });
      return;
    }
    setBusy(true);
    setStatus(null);
    try {
      user.value = await api.uploadAvatar(file);
      setStatus({ ok: true, text: 'Picture saved.' });
    } catch (e) {
      setStatus({ ok: false, text: problemOf(e) });
    } finally {
      setBusy(false);
    }
  }

  async function remove() {
    setBusy(true);
    setStatus(null);
    try {
      user.value = await api.removeAvatar();
      setStatus({ ok: true, text: 'Picture removed.' });
    } catch (e) {
      setStatus({ ok: false, text: problemOf(e) });
    } finally {
      setBusy(false);
    }
  }

  return (
    <section aria-labelledby="picture-title" class="card mb-4 p-4 sm:p-5" data-testid="avatar-upload">
      <h2 id="picture-title" class="mb-3 text-lg font-bold">Your picture</h2>
      <div class="flex flex-wrap items-center gap-4">
        <Avatar id={me.id} name={me.displayName} url={me.avatarUrl} size={64} />
        <div class="flex flex-wrap gap-2">
          <label class={`btn ${busy ? 'opacity-60' : ''}`}>
            {busy ? 'Saving…' : 'Upload a picture'}
            <input
              type="file"
              class="sr-only"
              accept={AVATAR_TYPES.join(',')}
              disabled={busy}
              data-testid="avatar-file"
              onChange={(e) => void upload(e.currentTarget)}
            />
          </label>
          {me.avatarUrl && (
            <button type="button" class="btn btn-quiet" disabled={busy} data-testid="avatar-remove" onClick={() => void remove()}>
              Remove picture
            </button>
          )}
        </div>
      </div>
      <p class="mt-2 text-sm text-muted">PNG, JPEG or WebP, up to 2 MB. It is cropped to a square; nothing else in the file is kept.</p>
      <p role="status" class={`mt-1 text-sm ${status && !status.ok ? 'text-danger' : ''}`} data-testid="avatar-status">{status?.text ?? ''}</p>
    </section>
  );
}

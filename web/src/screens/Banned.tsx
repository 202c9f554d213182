import { useEffect, useState } from 'preact/hooks';
import { LockIcon } from '../components/icons';
import { UserText } from '../components/UserText';
import { untilText } from '../lib/when';
import { banned, type BanInfo } from '../state/banned';
import { bootstrap, signOut } from '../state/session';
import { useTitle } from '../state/title';

/**
 * Banned is the whole screen for someone banned from the site: calm, why,
 * and until when. Nothing reconnects meanwhile; signing out still works.
 *
 * Links to download or erase one's data belong here once the server has
 * those routes (GET /api/users/me/export, DELETE /api/users/me), which a
 * banned person may still use; it does not have them yet.
 */
export function Banned({ ban }: { ban: BanInfo }) {
  useTitle('Account paused');
  const [busy, setBusy] = useState(false);
  useEffect(() => {
    document.querySelector<HTMLElement>('main h1')?.focus();
  }, []);
  useEffect(() => whenOver(ban.until), [ban.until]);
  return (
    <main class="mx-auto flex min-h-dvh max-w-md flex-col items-center justify-center px-5 text-center" data-testid="banned">
      <span class="mb-4 text-muted"><LockIcon size={40} /></span>
      <h1 tabIndex={-1} class="mb-3 text-2xl font-bold">You can't use Body Double right now</h1>
      <p class="mb-2">A moderator has paused your account.</p>
      {ban.reason && (
        <p class="mb-2">
          Reason: <UserText as="strong" text={ban.reason} data-testid="banned-reason" />
        </p>
      )}
      <p class="mb-6" data-testid="banned-until">
        {ban.until === undefined ? 'Checking how long it lasts…' : `This lasts ${untilText(ban.until)}.`}
      </p>
      <button
        type="button"
        class="btn"
        data-testid="banned-sign-out"
        disabled={busy}
        onClick={() => {
          setBusy(true);
          void signOut().catch(() => setBusy(false));
        }}
      >
        Sign out
      </button>
      <p class="hint mt-2">Signing out of an anonymous account ends it for good.</p>
    </main>
  );
}

/** The longest delay setTimeout keeps (about 24.8 days); a longer ban is checked again then. */
const MAX_DELAY = 2 ** 31 - 1;

/** whenOver starts the app again once a ban with an end is over (the server has the last word); it returns the cancel. */
function whenOver(until: string | null | undefined): (() => void) | undefined {
  if (!until) return undefined;
  const end = Date.parse(until);
  if (Number.isNaN(end)) return undefined;
  let t: ReturnType<typeof setTimeout>;
  const wait = () => {
    t = setTimeout(() => {
      if (Date.now() < end) return wait();
      banned.value = null;
      void bootstrap();
    }, Math.min(Math.max(end - Date.now(), 0) + 1000, MAX_DELAY));
  };
  wait();
  return () => clearTimeout(t);
}

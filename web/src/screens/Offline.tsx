import { useEffect } from 'preact/hooks';
import { OfflineIcon, ResetIcon } from '../components/icons';
import { SCREEN, networkOnline, probeServer, retryUntilReachable } from '../realtime/connectivity';
import { bootstrap } from '../state/session';
import { useTitle } from '../state/title';

/**
 * useRetry probes the server with backoff (and at once when the network
 * comes back) and starts the app again when it answers, so that the screen
 * goes away by itself. Probing first, rather than calling bootstrap each
 * time, keeps this screen up instead of flashing "Loading…".
 */
function useRetry() {
  useEffect(() => {
    const r = retryUntilReachable({
      probe: () => probeServer(),
      onReachable: () => void bootstrap(),
      isOnline: () => navigator.onLine,
      events: window,
    });
    return () => r.stop();
  }, []);
}

function Calm({ title, body, testId, reason }: { title: string; body: string; testId: string; reason: 'offline' | 'unreachable' | 'error' }) {
  useRetry();
  return (
    <main
      class="mx-auto flex min-h-dvh max-w-md flex-col items-center justify-center px-5 text-center"
      data-testid={testId}
      data-reason={reason}
    >
      {/* A network that is gone, or a server being retried: the icon says which too. */}
      <span class="mb-4 text-muted">{reason === 'offline' ? <OfflineIcon size={40} /> : <ResetIcon size={40} />}</span>
      <div role="status" aria-live="polite" aria-atomic="true">
        <h1 tabIndex={-1} class="mb-2 text-2xl font-bold">{title}</h1>
        <p class="mb-6">{body}</p>
      </div>
      <button type="button" class="btn btn-primary" data-testid="offline-retry" onClick={() => void bootstrap()}>
        Try again
      </button>
    </main>
  );
}

/**
 * Offline is shown when the app shell opened (from the service worker) but
 * the server gave no answer: either the device is offline or, while it is
 * online, Body Double can't be reached. It says which, and retries by itself.
 */
export function Offline() {
  const reason = networkOnline.value ? 'unreachable' : 'offline';
  const text = SCREEN[reason];
  useTitle(text.pageTitle);
  return <Calm testId="offline" reason={reason} title={text.title} body={text.body} />;
}

/** BootError is shown when the server answered the first request with an error; it retries by itself too. */
export function BootError() {
  useTitle('Something went wrong');
  return (
    <Calm
      testId="boot-error"
      reason="error"
      title="Body Double is having trouble."
      body="It's not you. We'll try again in a moment."
    />
  );
}

import { useEffect } from 'preact/hooks';
import { OfflineIcon } from '../components/icons';
import { bootstrap } from '../state/session';
import { useTitle } from '../state/title';

function Calm({ title, body, testId }: { title: string; body: string; testId: string }) {
  useEffect(() => {
    const retry = () => void bootstrap();
    addEventListener('online', retry);
    return () => removeEventListener('online', retry);
  }, []);
  return (
    <main class="mx-auto flex min-h-dvh max-w-md flex-col items-center justify-center px-5 text-center" data-testid={testId}>
      <span class="mb-4 text-muted"><OfflineIcon size={40} /></span>
      <h1 tabIndex={-1} class="mb-2 text-2xl font-bold">{title}</h1>
      <p class="mb-6">{body}</p>
      <button type="button" class="btn btn-primary" data-testid="offline-retry" onClick={() => void bootstrap()}>
        Try again
      </button>
    </main>
  );
}

/** Offline is shown when the app shell opened from the service worker but the server can't be reached. */
export function Offline() {
  useTitle('Offline');
  return <Calm testId="offline" title="You're offline." body="Body Double will reconnect when you're back." />;
}

/** BootError is shown when the server answered the first request with an error. */
export function BootError() {
  useTitle('Something went wrong');
  return <Calm testId="boot-error" title="Body Double is having trouble." body="It's not you. Please try again in a moment." />;
}

import { useState } from 'preact/hooks';
import { Logo } from '../components/icons';
import { Link } from '../components/Link';
import { NetworkError } from '../lib/api';
import { path, navigate } from '../lib/router';
import { startAnonymous } from '../state/session';
import { useTitle } from '../state/title';

export function Landing() {
  useTitle('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  async function start() {
    setBusy(true);
    setError(null);
    try {
      await startAnonymous();
      // A shared room link brought them here: go there; otherwise the lobby.
      if (path.value === '/' || path.value === '') navigate('/lobby', { replace: true });
    } catch (e) {
      setError(e instanceof NetworkError ? "We couldn't reach Body Double. Check your connection and try again." : 'That didn\'t work. Please try again.');
      setBusy(false);
    }
  }

  return (
    <main class="mx-auto flex min-h-dvh max-w-xl flex-col justify-center px-5 py-10">
      <div class="mb-8 flex items-center gap-3 text-lg font-bold">
        <Logo size={40} />
        Body Double
      </div>
      <h1 tabIndex={-1} class="mb-4 text-3xl font-bold leading-tight sm:text-4xl">
        Work alongside someone, quietly.
      </h1>
      <p class="mb-3 text-lg">
        Body doubling means working while someone else works too. Their quiet company makes it easier to start, and to keep going.
      </p>
      <p class="mb-8 text-muted">No sign-up, no email, no camera needed. You get a random name you can change.</p>
      <button type="button" class="btn btn-primary btn-lg w-full sm:w-auto" data-testid="start-anon" disabled={busy} onClick={start}>
        {busy ? 'Starting…' : 'Start anonymously'}
      </button>
      <div aria-live="polite">{error && <p class="field-error mt-3">{error}</p>}</div>
      <footer class="mt-10 text-sm text-muted"><Link href="/privacy" class="inline-block underline" data-testid="privacy-link">Privacy: what we store</Link></footer>
    </main>
  );
}

import { useState } from 'preact/hooks';
import { Dialog } from '../components/Dialog';
import { Field, FormError } from '../components/Field';
import { api, ApiError, NetworkError } from '../lib/api';
import { signedOut } from '../state/session';
import { ERASE_GOES, ERASE_STAYS, ERASE_WORD, EXPORT_URL, eraseConfirmed, exportFileName } from './your-data-rules';

/**
 * YourData is Settings' "Your data": download everything Body Double
 * stores about you (GET /api/users/me/export, a file named with the day),
 * and erase it all (DELETE /api/users/me) behind a typed confirmation,
 * after which the app is back at its start, signed out.
 */
export function YourData() {
  const [open, setOpen] = useState(false);
  const [typed, setTyped] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  function close() {
    setOpen(false);
    setTyped('');
    setError(null);
  }

  async function erase(e: Event) {
    e.preventDefault();
    if (!eraseConfirmed(typed)) {
      setError(`Type ${ERASE_WORD} to confirm.`);
      return;
    }
    setBusy(true);
    setError(null);
    try {
      await api.eraseMe();
      signedOut();
    } catch (err) {
      setError(
        err instanceof NetworkError
          ? "Couldn't erase: can't reach Body Double right now. Nothing was erased; please try again."
          : err instanceof ApiError ? err.message : "Couldn't erase. Please try again.",
      );
      setBusy(false);
    }
  }

  return (
    <section aria-labelledby="your-data-title" class="card mb-4 p-4 sm:p-5" data-testid="your-data">
      <h2 id="your-data-title" class="mb-1 text-lg font-bold">Your data</h2>
      <p class="mb-3 text-sm">
        Download everything Body Double stores about you as one file, or erase it all for good.
      </p>
      <div class="flex flex-wrap gap-2">
        <a class="btn" href={EXPORT_URL} download={exportFileName(new Date())} data-testid="download-data">Download my data</a>
        <button type="button" class="btn btn-danger" data-testid="erase-open" onClick={() => setOpen(true)}>Erase everything</button>
      </div>
      <Dialog open={open} onClose={close} labelledBy="erase-title" testId="erase-dialog">
        <form noValidate onSubmit={erase}>
          <h2 id="erase-title" class="mb-3 text-xl font-bold">Erase everything about you?</h2>
          <p class="mb-1">This can't be undone. Gone for good:</p>
          <ul class="mb-3 list-disc ps-5 text-sm">
            {ERASE_GOES.map((t) => <li key={t}>{t}</li>)}
          </ul>
          <p class="mb-1">What stays:</p>
          <ul class="mb-4 list-disc ps-5 text-sm">
            {ERASE_STAYS.map((t) => <li key={t}>{t}</li>)}
          </ul>
          <Field id="erase-confirm" label={<>Type <strong>{ERASE_WORD}</strong> to confirm</>}>
            {(a) => (
              <input
                {...a}
                class="field"
                value={typed}
                autoComplete="off"
                autoCapitalize="characters"
                spellcheck={false}
                data-testid="erase-confirm"
                onInput={(e) => { setTyped(e.currentTarget.value); setError(null); }}
              />
            )}
          </Field>
          <FormError message={error} />
          <div class="flex flex-wrap justify-end gap-2">
            <button type="button" class="btn" onClick={close}>Keep my data</button>
            <button type="submit" class="btn btn-danger" disabled={busy || !eraseConfirmed(typed)} data-testid="erase-submit">
              {busy ? 'Erasing…' : 'Erase everything'}
            </button>
          </div>
        </form>
      </Dialog>
    </section>
  );
}

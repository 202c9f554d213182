import { useEffect, useState } from 'preact/hooks';
import { UserText } from '../components/UserText';
import { api } from '../lib/api';
import type { Block } from '../lib/types';
import { dateText } from '../lib/when';
import { unblockPerson } from '../state/blocks';
import { failure, failureText, useRetryUntilAnswered } from './reach';

/**
 * BlockedPeople is Settings' list of the people this person blocked, each
 * with "Unblock". Without an answer it loads again by itself.
 */
export function BlockedPeople() {
  const [blocks, setBlocks] = useState<Block[] | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const [busy, setBusy] = useState<string | null>(null);
  const retry = useRetryUntilAnswered();

  useEffect(() => {
    async function load(): Promise<boolean> {
      try {
        setBlocks((await api.blocks()).blocks);
        setProblem(null);
        return true;
      } catch (e) {
        setProblem(failure(e));
        return false;
      }
    }
    void load().then((ok) => ok || retry(load));
  }, []);

  async function unblock(b: Block) {
    setBusy(b.userId);
    setProblem(null);
    try {
      await unblockPerson(b.userId);
      setBlocks((list) => (list ?? []).filter((x) => x.userId !== b.userId));
    } catch (e) {
      setProblem(failure(e));
    } finally {
      setBusy(null);
    }
  }

  return (
    <section aria-labelledby="blocked-title" class="card mb-4 p-4 sm:p-5" data-testid="blocked-people">
      <h2 id="blocked-title" class="mb-1 text-lg font-bold">People you've blocked</h2>
      <p class="mb-3 text-sm text-muted">They're hidden from you, can't reach you, and are never seated with you. They aren't told.</p>
      {problem && <p role="alert" class="field-error mb-2" data-testid="blocked-problem">{failureText(problem)}</p>}
      {blocks === null && !problem && <p class="text-sm text-muted">Loading…</p>}
      {blocks?.length === 0 && <p class="text-sm" data-testid="blocked-empty">You haven't blocked anyone.</p>}
      {blocks && blocks.length > 0 && (
        <ul class="divide-y divide-border">
          {blocks.map((b) => (
            <li key={b.userId} class="flex flex-wrap items-center gap-x-3 gap-y-1 py-2" data-testid="blocked-person" data-user-id={b.userId}>
              <span class="min-w-0 flex-1">
                <UserText as="strong" text={b.displayName} />
                <span class="block text-xs text-muted">Blocked {dateText(b.createdAt)}</span>
              </span>
              <button type="button" class="btn btn-quiet" data-testid="unblock" disabled={busy === b.userId} onClick={() => void unblock(b)}>
                Unblock<span class="sr-only"> <UserText text={b.displayName} /></span>
              </button>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

import { useState } from 'preact/hooks';
import { UserText } from '../components/UserText';
import { ApiError, api } from '../lib/api';
import type { ModReport } from '../lib/types';
import { Ask } from '../room/Ask';
import { REASON_MAX, closedText, reasonProblem, renamedText, roomName } from './moderation-rules';
import { failure, failureText } from './reach';

/**
 * ReportActions are a report card's actions that do not resolve the report:
 * closing the room it names (POST /api/mod/rooms/{id}/close, with a reason)
 * and resetting the reported person's display name (POST
 * /api/mod/users/{id}/reset-name). Each asks first; what it did is told by
 * the caller's status line, and a failure stays in the question.
 */
export function ReportActions({ r, cardReason, roomClosed, onClosed, onRenamed }: {
  r: ModReport;
  /** The reason typed on the card, offered as the closing's reason. */
  cardReason: string;
  /** The room was closed from this page already. */
  roomClosed: boolean;
  onClosed: (roomId: string, text: string) => void;
  onRenamed: (userId: string, newName: string, text: string) => void;
}) {
  const [asking, setAsking] = useState<'close' | 'rename' | null>(null);
  const [reason, setReason] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const room = roomName(r);
  const person = r.reportedUser?.displayName ?? null;
  const fieldId = `mod-close-reason-${r.id}`;
  const canClose = r.roomId !== null && r.roomId !== undefined && !roomClosed;
  if (!canClose && !person) return null;

  function ask(what: 'close' | 'rename') {
    setError(null);
    if (what === 'close') setReason(cardReason);
    setAsking(what);
  }
  const cancel = () => {
    if (!busy) setAsking(null);
  };
  const problemOf = (e: unknown) => (e instanceof ApiError ? (e.fields.reason ?? e.message) : failureText(failure(e)));

  async function closeRoom() {
    const problem = reasonProblem(reason);
    if (problem) {
      setError(problem);
      document.getElementById(fieldId)?.focus();
      return;
    }
    setBusy(true);
    setError(null);
    try {
      await api.closeRoom(r.roomId!, reason.trim());
      setAsking(null);
      onClosed(r.roomId!, closedText(room));
    } catch (e) {
      setError(problemOf(e));
    } finally {
      setBusy(false);
    }
  }

  async function resetName() {
    setBusy(true);
    setError(null);
    try {
      const u = await api.resetName(r.reportedUserId);
      setAsking(null);
      onRenamed(r.reportedUserId, u.displayName, renamedText(person ?? 'The person', u.displayName));
    } catch (e) {
      setError(problemOf(e));
    } finally {
      setBusy(false);
    }
  }

  const closeTitle = `mod-close-title-${r.id}`;
  const renameTitle = `mod-rename-title-${r.id}`;
  return (
    <div class="mt-3 flex flex-wrap gap-2 border-t border-border pt-3">
      {canClose && (
        <button type="button" class="btn btn-quiet" data-testid="mod-close-room" aria-label={`Close the room ${room ?? ''}`.trim()} onClick={() => ask('close')}>
          Close the room…
        </button>
      )}
      {person && (
        <button type="button" class="btn btn-quiet" data-testid="mod-reset-name" aria-label={`Reset the name of ${person}`} onClick={() => ask('rename')}>
          Reset the name…
        </button>
      )}
      <Ask open={asking === 'close'} onCancel={cancel} labelledBy={closeTitle} testId="mod-close-room-dialog">
        <h2 id={closeTitle} class="mb-2 text-xl font-bold">
          Close {room !== null ? <UserText text={room} /> : 'this room'} for everyone?
        </h2>
        <p class="mb-3">Everyone in it leaves at once and nobody can join it again. This can't be undone.</p>
        <label for={fieldId} class="label">Reason (kept in the audit log)</label>
        <input
          id={fieldId}
          class="field"
          dir="auto"
          maxLength={REASON_MAX}
          value={reason}
          data-testid="mod-close-reason"
          aria-invalid={error ? 'true' : undefined}
          aria-describedby={error ? `${fieldId}-error` : undefined}
          onInput={(e) => setReason(e.currentTarget.value)}
        />
        {error && <p id={`${fieldId}-error`} role="alert" class="field-error" data-testid="mod-close-error">{error}</p>}
        <div class="mt-5 flex flex-wrap justify-end gap-2">
          <button type="button" class="btn btn-quiet" data-testid="mod-close-room-cancel" disabled={busy} onClick={cancel}>Keep it open</button>
          <button type="button" class="btn btn-danger" data-testid="mod-close-room-confirm" disabled={busy} onClick={() => void closeRoom()}>
            {busy ? 'Closing…' : 'Close the room'}
          </button>
        </div>
      </Ask>
      <Ask open={asking === 'rename'} onCancel={cancel} labelledBy={renameTitle} testId="mod-reset-name-dialog">
        <h2 id={renameTitle} class="mb-2 text-xl font-bold">
          Reset the name of {person !== null ? <UserText text={person} /> : 'this person'}?
        </h2>
        <p class="mb-3">They get a new generated name, shown everywhere at once. Their current name stays among their recent names here.</p>
        {error && <p role="alert" class="field-error" data-testid="mod-reset-name-error">{error}</p>}
        <div class="mt-5 flex flex-wrap justify-end gap-2">
          <button type="button" class="btn btn-quiet" data-testid="mod-reset-name-cancel" disabled={busy} onClick={cancel}>Keep the name</button>
          <button type="button" class="btn btn-danger" data-testid="mod-reset-name-confirm" disabled={busy} onClick={() => void resetName()}>
            {busy ? 'Resetting…' : 'Reset the name'}
          </button>
        </div>
      </Ask>
    </div>
  );
}

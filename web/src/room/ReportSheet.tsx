import { useEffect, useRef, useState } from 'preact/hooks';
import { FormError } from '../components/Field';
import { UserText } from '../components/UserText';
import { ApiError, NetworkError } from '../lib/api';
import type { Participant, ReportReason } from '../lib/types';
import { blockPerson, lastBlock, outcomeText, reportPerson } from '../state/blocks';
import { room } from '../state/room';
import { Ask } from './Ask';
import { NOTE_MAX, REASONS, cleanNote, noteProblem } from './report';

function failText(e: unknown): string {
  if (e instanceof NetworkError) return "Can't reach Body Double right now. Please try again in a moment.";
  if (e instanceof ApiError && e.code === 'rate_limited') return "You've sent a lot of reports. Please wait a few minutes, or just block them for now.";
  return e instanceof ApiError ? e.message : 'Something went wrong. Please try again.';
}

/**
 * ReportSheet reports someone to the moderators (which also blocks them) or
 * just blocks them. Either way they are hidden at once, and their tile says
 * what happens next.
 */
export function ReportSheet({ p, roomId, open, onClose }: { p: Participant; roomId: string; open: boolean; onClose: () => void }) {
  const [reason, setReason] = useState<ReportReason | null>(null);
  const [note, setNote] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [reasonError, setReasonError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const tooLong = noteProblem(note);

  async function act(run: () => Promise<void>) {
    setBusy(true);
    setError(null);
    try {
      await run();
      onClose();
    } catch (e) {
      setError(failText(e));
    } finally {
      setBusy(false);
    }
  }

  function report(e: Event) {
    e.preventDefault();
    if (!reason) {
      setReasonError('Pick what happened, or choose “Just block”.');
      return;
    }
    if (tooLong) return;
    const n = cleanNote(note);
    void act(() => reportPerson({ userId: p.id, roomId, reason, ...(n ? { note: n } : {}) }));
  }

  return (
    <Ask open={open} onCancel={onClose} labelledBy={`report-title-${p.id}`} testId="report-sheet">
      <form onSubmit={report} noValidate>
        <h2 id={`report-title-${p.id}`} class="mb-1 text-xl font-bold">
          Report or block <UserText text={p.displayName} />
        </h2>
        <p class="mb-4 text-sm text-muted">Either way, they're hidden from you and can't reach you. They aren't told.</p>
        <fieldset class="mb-3" aria-describedby={reasonError ? 'report-reason-error' : undefined}>
          <legend class="label">What happened?</legend>
          {REASONS.map((r) => (
            <label key={r.value} class="choice">
              <input
                type="radio"
                name={`report-reason-${p.id}`}
                checked={reason === r.value}
                data-testid={`report-reason-${r.value}`}
                onChange={() => {
                  setReason(r.value);
                  setReasonError(null);
                }}
              />
              {r.label}
            </label>
          ))}
          {reasonError && <p id="report-reason-error" class="field-error">{reasonError}</p>}
        </fieldset>
        <label for={`report-note-${p.id}`} class="label">Anything the moderators should know? <span class="font-normal text-muted">(optional)</span></label>
        <textarea
          id={`report-note-${p.id}`}
          class="field mb-1"
          dir="auto"
          rows={3}
          maxLength={NOTE_MAX}
          value={note}
          data-testid="report-note"
          aria-invalid={tooLong ? 'true' : undefined}
          aria-describedby={`report-note-${p.id}-hint`}
          onInput={(e) => setNote(e.currentTarget.value)}
        />
        <p id={`report-note-${p.id}-hint`} class={tooLong ? 'field-error mb-4' : 'hint mb-4'}>
          {tooLong ?? `Up to ${NOTE_MAX} characters. Only moderators read it.`}
        </p>
        <FormError message={error} />
        <div class="flex flex-col-reverse gap-2 sm:flex-row sm:justify-end">
          <button type="button" class="btn btn-quiet" data-testid="report-cancel" onClick={onClose}>Cancel</button>
          <button type="button" class="btn" data-testid="report-block" disabled={busy} onClick={() => void act(() => blockPerson(p.id))}>Just block</button>
          <button type="submit" class="btn btn-primary" data-testid="report-submit" disabled={busy}>Report</button>
        </div>
      </form>
    </Ask>
  );
}

/** FlagIcon is decorative: the button's text carries the meaning. */
function FlagIcon({ size = 20 }: { size?: number }) {
  return (
    <svg viewBox="0 0 24 24" width={size} height={size} fill="none" stroke="currentColor" stroke-width="2" stroke-linecap="round" stroke-linejoin="round" aria-hidden="true" focusable="false" class="shrink-0">
      <path d="M5 21V4" /><path d="M5 4h11l-2 4 2 4H5" />
    </svg>
  );
}

/** ReportAction is the quiet "Report or block" button on another person's tile, and its sheet. */
export function ReportAction({ p }: { p: Participant }) {
  const [open, setOpen] = useState(false);
  const roomId = room.value?.room.id;
  if (!roomId) return null;
  return (
    <>
      <button type="button" class="btn btn-quiet self-start px-2 text-sm text-muted" data-testid="report-open" onClick={() => setOpen(true)}>
        <FlagIcon size={18} /> Report or block<span class="sr-only"> <UserText text={p.displayName} /></span>
      </button>
      <ReportSheet p={p} roomId={roomId} open={open} onClose={() => setOpen(false)} />
    </>
  );
}

/**
 * BlockedTile stands in for someone this person blocked: no name, goals,
 * video or reactions, and no way to show them here (Settings unblocks).
 * Right after a report or block it says what happens next.
 */
export function BlockedTile({ p }: { p: Participant }) {
  const outcome = lastBlock.value?.id === p.id ? lastBlock.value : null;
  const ref = useRef<HTMLParagraphElement>(null);
  // The sheet that was open is gone with the tile: the outcome takes the focus.
  useEffect(() => {
    if (outcome) ref.current?.focus();
  }, [outcome]);
  return (
    <li class="card flex flex-col gap-1 p-3" data-testid="participant-tile" data-participant-id={p.id} data-hidden="true" data-blocked="true">
      <span class="text-sm text-muted">Someone you blocked</span>
      {outcome && (
        <p ref={ref} tabIndex={-1} role="status" class="text-sm" data-testid="block-outcome">{outcomeText(outcome.reported)}</p>
      )}
    </li>
  );
}

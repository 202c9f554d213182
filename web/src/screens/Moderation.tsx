import { useEffect, useState } from 'preact/hooks';
import { UserText } from '../components/UserText';
import { ApiError, NetworkError, api } from '../lib/api';
import type { AuditEntry, ModAction, ModReport } from '../lib/types';
import { dateTimeText } from '../lib/when';
import { useTitle } from '../state/title';
import { user } from '../state/user';
import {
  BAN_LENGTHS, REASON_LABELS, REASON_MAX, actionText, doneText, openElsewhere, otherNames, reasonProblem, renamed, resolution, roomName,
  type BanLength,
} from './moderation-rules';
import { ReportActions } from './ModerationActions';
import { ModRemoveAvatar } from './ModRemoveAvatar';
import { failure, failureText, useRetryUntilAnswered } from './reach';

/** usePages loads a list a page at a time; the first page retries by itself without an answer. */
function usePages<T>(fetchPage: (cursor: string | null) => Promise<{ items: T[]; next: string | null }>) {
  const [items, setItems] = useState<T[] | null>(null);
  const [next, setNext] = useState<string | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const retry = useRetryUntilAnswered();

  async function load(cursor: string | null): Promise<boolean> {
    try {
      const page = await fetchPage(cursor);
      setItems((old) => (cursor ? [...(old ?? []), ...page.items] : page.items));
      setNext(page.next);
      setProblem(null);
      return true;
    } catch (e) {
      setProblem(failure(e));
      return !(e instanceof NetworkError);
    }
  }
  const reload = () => void load(null).then((ok) => ok || retry(() => load(null)));
  useEffect(reload, []);
  return { items, setItems, next, problem, more: () => void load(next), reload };
}

/**
 * Moderation (moderators and admins): the open reports with their context,
 * each resolved with one tap and a reason (or acted on without resolving
 * it: closing its room, resetting the person's name), and the audit log.
 */
export default function Moderation() {
  useTitle('Moderation');
  const role = user.value?.role;
  const audit = usePages<AuditEntry>(async (c) => {
    const p = await api.audit(c);
    return { items: p.entries, next: p.nextCursor };
  });
  if (role !== 'moderator' && role !== 'admin') {
    return (
      <>
        <h1 tabIndex={-1} class="mb-3 text-2xl font-bold">Moderation</h1>
        <p>This page is for moderators.</p>
      </>
    );
  }
  return (
    <>
      <h1 tabIndex={-1} class="mb-5 text-2xl font-bold sm:text-3xl">Moderation</h1>
      <Reports onResolved={audit.reload} />
      <section aria-labelledby="audit-title" class="card mb-4 p-4 sm:p-5" data-testid="audit-log">
        <h2 id="audit-title" class="mb-3 text-lg font-bold">Audit log</h2>
        {audit.problem && <p role="alert" class="field-error mb-2">{failureText(audit.problem)}</p>}
        {audit.items?.length === 0 && <p class="text-sm text-muted">Nothing yet.</p>}
        {audit.items && audit.items.length > 0 && (
          <ul class="divide-y divide-border text-sm">
            {audit.items.map((e) => (
              <li key={e.id} class="py-2" data-testid="audit-entry" data-action={e.action}>
                <p>
                  <strong>{actionText(e)}</strong> · {e.targetType === 'user' && e.targetId === user.value?.id ? 'you' : <>{e.targetType} <code class="wrap-anywhere">{e.targetId}</code></>}
                </p>
                {e.reason && <p><UserText text={e.reason} /></p>}
                <p class="text-xs text-muted">
                  {dateTimeText(e.at)} · by {e.actorId === 'cli' ? 'the command line' : e.actorId === user.value?.id ? 'you' : <code>{e.actorId}</code>}
                </p>
              </li>
            ))}
          </ul>
        )}
        {audit.next && <button type="button" class="btn btn-quiet mt-2" data-testid="audit-more" onClick={audit.more}>Show older entries</button>}
      </section>
    </>
  );
}

function Reports({ onResolved }: { onResolved: () => void }) {
  const reports = usePages<ModReport>(async (c) => {
    const p = await api.modReports(c);
    return { items: p.reports, next: p.nextCursor };
  });
  const [done, setDone] = useState<string | null>(null);
  const [closedRooms, setClosedRooms] = useState<ReadonlySet<string>>(new Set());

  function resolved(r: ModReport, text: string) {
    reports.setItems((list) => (list ?? []).filter((x) => x.id !== r.id));
    setDone(text);
    onResolved();
  }

  function roomClosed(roomId: string, text: string) {
    setClosedRooms((old) => new Set(old).add(roomId));
    setDone(text);
    onResolved();
  }

  function nameReset(userId: string, newName: string, text: string) {
    reports.setItems((list) => (list ?? []).map((x) => renamed(x, userId, newName)));
    setDone(text);
    onResolved();
  }

  const list = reports.items;
  return (
    <section aria-labelledby="reports-title" class="mb-4" data-testid="mod-reports">
      <h2 id="reports-title" class="mb-3 text-lg font-bold">Open reports</h2>
      <p role="status" class="mb-2 text-sm font-semibold" data-testid="mod-status">{done}</p>
      {reports.problem && <p role="alert" class="field-error mb-2" data-testid="mod-problem">{failureText(reports.problem)}</p>}
      {list === null && !reports.problem && <p class="text-sm text-muted">Loading…</p>}
      {list?.length === 0 && <p class="card p-4 text-sm" data-testid="mod-empty">No open reports. Thank you for keeping an eye out.</p>}
      {list && list.length > 0 && (
        <ul class="flex flex-col gap-3">
          {list.map((r) => (
            <ReportCard
              key={r.id}
              r={r}
              onResolved={(text) => resolved(r, text)}
              roomClosed={!!r.roomId && closedRooms.has(r.roomId)}
              onRoomClosed={roomClosed}
              onRenamed={nameReset}
            />
          ))}
        </ul>
      )}
      {reports.next && <button type="button" class="btn btn-quiet mt-2" data-testid="mod-more" onClick={reports.more}>Show more reports</button>}
    </section>
  );
}

function ReportCard({ r, onResolved, roomClosed, onRoomClosed, onRenamed }: {
  r: ModReport;
  onResolved: (text: string) => void;
  roomClosed: boolean;
  onRoomClosed: (roomId: string, text: string) => void;
  onRenamed: (userId: string, newName: string, text: string) => void;
}) {
  const [reason, setReason] = useState('');
  const [length, setLength] = useState<BanLength>('24');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const name = r.reportedUser?.displayName ?? 'Someone';
  const others = otherNames(r);
  const elsewhere = openElsewhere(r);
  const fieldId = `mod-reason-${r.id}`;

  async function act(action: ModAction) {
    const problem = reasonProblem(reason);
    if (problem) {
      setError(problem);
      document.getElementById(fieldId)?.focus();
      return;
    }
    setBusy(true);
    setError(null);
    try {
      await api.resolveReport(r.id, resolution(action, reason, length));
      onResolved(`${name}: ${doneText(action, length)}`);
    } catch (e) {
      setError(e instanceof ApiError ? (e.fields.reason ?? e.message) : failureText(failure(e)));
    } finally {
      setBusy(false);
    }
  }

  return (
    <li class="card p-4" data-testid="mod-report" data-report-id={r.id} data-user-id={r.reportedUserId}>
      <p class="mb-1">
        <span class="rounded-full bg-accent-soft px-2 py-0.5 text-xs font-semibold">{REASON_LABELS[r.reason] ?? r.reason}</span>{' '}
        <span class="text-xs text-muted">{dateTimeText(r.createdAt)}</span>
      </p>
      <p class="font-semibold" data-testid="mod-reported-name"><UserText text={name} /></p>
      {others.length > 0 && (
        <p class="text-sm text-muted">Recently also: {others.map((n, i) => <span key={i}>{i > 0 && ', '}<UserText text={n} /></span>)}</p>
      )}
      <p class="text-sm text-muted">
        {roomName(r) !== null ? <>In <UserText text={roomName(r)!} /></> : r.roomId ? 'In a room' : 'No room given'}
        {roomClosed && <span data-testid="mod-room-closed"> (closed)</span>}
        {' · '}
        {elsewhere === 0 ? 'no other open reports' : `${elsewhere} other open ${elsewhere === 1 ? 'report' : 'reports'}`}
      </p>
      {r.note && <p class="mt-2 whitespace-pre-line rounded-lg bg-surface-2 p-2 text-sm" data-testid="mod-note"><UserText text={r.note} /></p>}
      <div class="mt-3">
        <label for={fieldId} class="label">Reason (kept in the audit log; a banned person sees it)</label>
        <input
          id={fieldId}
          class="field"
          dir="auto"
          maxLength={REASON_MAX}
          value={reason}
          data-testid="mod-reason"
          aria-invalid={error ? 'true' : undefined}
          aria-describedby={error ? `${fieldId}-error` : undefined}
          onInput={(e) => setReason(e.currentTarget.value)}
        />
        {error && <p id={`${fieldId}-error`} class="field-error">{error}</p>}
      </div>
      <fieldset class="mt-2">
        <legend class="label">A ban lasts</legend>
        <div class="flex flex-wrap gap-x-4">
          {BAN_LENGTHS.map((l) => (
            <label key={l.value} class="choice">
              <input type="radio" name={`mod-length-${r.id}`} checked={length === l.value} data-testid={`mod-length-${l.value}`} onChange={() => setLength(l.value)} />
              {l.label}
            </label>
          ))}
        </div>
      </fieldset>
      <div class="mt-3 flex flex-wrap gap-2">
        <button type="button" class="btn btn-quiet" data-testid="mod-dismiss" disabled={busy} onClick={() => void act('dismiss')}>Dismiss</button>
        {r.roomId && !roomClosed && <button type="button" class="btn" data-testid="mod-remove" disabled={busy} onClick={() => void act('remove')}>Remove from room</button>}
        <button type="button" class="btn btn-danger" data-testid="mod-ban" disabled={busy} onClick={() => void act('ban')}>Ban</button>
      </div>
      <ReportActions r={r} cardReason={reason} roomClosed={roomClosed} onClosed={onRoomClosed} onRenamed={onRenamed} />
      <ModRemoveAvatar r={r} />
    </li>
  );
}

import { useEffect, useState } from 'preact/hooks';
import { NetworkError, api } from '../lib/api';
import { localDate, minutesText, plural, timeZone } from '../lib/format';
import type { Session, Stats } from '../lib/types';
import { UserText } from '../components/UserText';
import { useTitle } from '../state/title';
import { failure, failureText, useRetryUntilAnswered } from './reach';

export default function History() {
  useTitle('History');
  const [stats, setStats] = useState<Stats | null>(null);
  const [statsError, setStatsError] = useState<string | null>(null);
  const [sessions, setSessions] = useState<Session[]>([]);
  const [cursor, setCursor] = useState<string | null>(null);
  const [loaded, setLoaded] = useState(false);
  const [listError, setListError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const retry = useRetryUntilAnswered();

  /** loadPage loads one page of sessions; it resolves false when the server gave no answer. */
  async function loadPage(from: string | null): Promise<boolean> {
    setBusy(true);
    setListError(null);
    try {
      const page = await api.history(from);
      setSessions((s) => (from ? [...s, ...page.sessions] : page.sessions));
      setCursor(page.nextCursor);
      setLoaded(true);
      return true;
    } catch (e) {
      setListError(failure(e, 'Something went wrong.'));
      return !(e instanceof NetworkError);
    } finally {
      setBusy(false);
    }
  }

  function loadStats(): Promise<boolean> {
    return api.stats(timeZone()).then(
      (s) => {
        setStats(s);
        setStatsError(null);
        return true;
      },
      (e) => {
        setStatsError(failure(e, 'Something went wrong.'));
        return !(e instanceof NetworkError);
      },
    );
  }

  // Without an answer, both try again by themselves until the server answers.
  useEffect(() => {
    void Promise.all([loadStats(), loadPage(null)]).then(([statsOk, pageOk]) => {
      if (statsOk && pageOk) return;
      let needStats = !statsOk;
      let needPage = !pageOk;
      retry(async () => {
        if (needStats) needStats = !(await loadStats());
        if (needPage && !needStats) needPage = !(await loadPage(null));
        return !needStats && !needPage;
      });
    });
  }, []);

  const top = statsError ?? (loaded ? null : listError);
  return (
    <>
      <h1 tabIndex={-1} class="mb-5 text-2xl font-bold sm:text-3xl">Your focus</h1>
      <div role="status" aria-live="polite">
        {/* One calm line for the page; a failed "Load more" says so by the list. */}
        {top && <p class="card mb-4 border-l-4 border-l-accent px-4 py-3 text-sm" data-testid="history-problem">{failureText(top)}</p>}
      </div>
      {stats && <StatsView stats={stats} />}

      <section aria-labelledby="sessions-title" class="mt-8">
        <h2 id="sessions-title" class="mb-3 text-xl font-bold">Sessions</h2>
        {loaded && sessions.length === 0 && <p class="text-muted">No sessions yet. Your first one will show up here.</p>}
        <ul class="space-y-3">
          {sessions.map((s) => <SessionItem key={s.id} s={s} />)}
        </ul>
        {loaded && listError && <p role="status" class="mt-3 text-sm">{failureText(listError)}</p>}
        {!loaded && !listError && <p class="text-muted">Loading…</p>}
        {cursor && (
          <button type="button" class="btn mt-4" disabled={busy} data-testid="load-more" onClick={() => void loadPage(cursor)}>
            {busy ? 'Loading…' : 'Load more'}
          </button>
        )}
      </section>
    </>
  );
}

function StatsView({ stats }: { stats: Stats }) {
  const rate = Math.round(stats.completionRate * 100);
  return (
    <>
      <dl class="grid grid-cols-1 gap-3 sm:grid-cols-3">
        <div class="card p-4" data-testid="stats-week">
          <dt class="text-sm text-muted">Focus this week</dt>
          <dd class="text-2xl font-bold">{minutesText(stats.weekMinutes)}</dd>
        </div>
        <div class="card p-4" data-testid="stats-streak">
          <dt class="text-sm text-muted">Streak</dt>
          <dd class="text-2xl font-bold">{plural(stats.streakDays, 'day', 'days')}</dd>
        </div>
        <div class="card p-4" data-testid="stats-completion">
          <dt class="text-sm text-muted">Sessions completed</dt>
          <dd class="text-2xl font-bold">
            {stats.totalCount ? `${rate}%` : '–'}
            <span class="ml-2 text-sm font-normal text-muted">{stats.completedCount} of {stats.totalCount}</span>
          </dd>
        </div>
      </dl>
      <DaysChart days={stats.days} />
    </>
  );
}

const dayShort = new Intl.DateTimeFormat(undefined, { weekday: 'narrow' });
const dayLong = new Intl.DateTimeFormat(undefined, { weekday: 'short', day: 'numeric', month: 'short' });

/** DaysChart is focus minutes per day for the last 14 days, with the same numbers as a table. */
function DaysChart({ days }: { days: Stats['days'] }) {
  const W = 14 * 24;
  const H = 120;
  const max = Math.max(30, ...days.map((d) => d.minutes));
  const total = days.reduce((n, d) => n + d.minutes, 0);
  const slot = W / Math.max(1, days.length);
  return (
    <section aria-labelledby="chart-title" class="card mt-4 p-4">
      <h2 id="chart-title" class="mb-3 font-bold">Last 14 days</h2>
      <figure>
        <svg
          viewBox={`0 0 ${W} ${H + 18}`}
          class="h-auto w-full max-w-xl"
          role="img"
          aria-label={`Focus minutes per day over the last 14 days: ${minutesText(total)} in all.`}
          data-testid="history-chart"
        >
          <line x1="0" x2={W} y1={H} y2={H} class="stroke-border" stroke-width="1" />
          {days.map((d, i) => {
            const h = d.minutes ? Math.max(3, (d.minutes / max) * (H - 8)) : 0;
            return (
              <g key={d.date}>
                <rect x={i * slot + 4} y={H - h} width={slot - 8} height={h} rx="3" class="fill-accent">
                  <title>{`${dayLong.format(localDate(d.date))}: ${minutesText(d.minutes)}`}</title>
                </rect>
                <text x={i * slot + slot / 2} y={H + 14} text-anchor="middle" class="fill-muted text-[10px]">
                  {dayShort.format(localDate(d.date))}
                </text>
              </g>
            );
          })}
        </svg>
        <figcaption>
          {total === 0 && <p class="text-sm text-muted">No focus time in these two weeks yet. It adds up from your first session.</p>}
          <details class="mt-2">
            <summary class="flex min-h-11 cursor-pointer items-center text-sm font-semibold">Show as a table</summary>
            <table class="mt-2 text-sm">
              <thead>
                <tr><th scope="col" class="pr-6 text-left">Day</th><th scope="col" class="text-right">Focus</th></tr>
              </thead>
              <tbody>
                {days.map((d) => (
                  <tr key={d.date}>
                    <th scope="row" class="pr-6 text-left font-normal">{dayLong.format(localDate(d.date))}</th>
                    <td class="text-right tabular-nums">{minutesText(d.minutes)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </details>
        </figcaption>
      </figure>
    </section>
  );
}

const when = new Intl.DateTimeFormat(undefined, { weekday: 'short', day: 'numeric', month: 'short', hour: 'numeric', minute: '2-digit' });

function SessionItem({ s }: { s: Session }) {
  const state = s.isCompleted ? 'Completed' : s.endedAt ? 'Ended' : 'In progress';
  return (
    <li class="card p-4" data-testid="session-item">
      <div class="flex flex-wrap items-baseline justify-between gap-x-4">
        <p class="font-semibold">{when.format(new Date(s.startedAt))}</p>
        <p class="text-sm text-muted">
          {s.durationMinutes !== null ? minutesText(s.durationMinutes) : ''}
          {s.durationMinutes !== null ? ' · ' : ''}
          {state}
          {s.rating ? ` · focus ${s.rating}/5` : ''}
        </p>
      </div>
      {s.goals.length > 0 && (
        <div class="mt-2">
          <p class="text-xs font-semibold uppercase tracking-wide text-muted">Goals</p>
          <ul class="list-disc pl-5 text-sm">{s.goals.map((g, i) => <li key={i}><UserText text={g} /></li>)}</ul>
        </div>
      )}
      {s.achievements.length > 0 && (
        <div class="mt-2">
          <p class="text-xs font-semibold uppercase tracking-wide text-muted">Got done</p>
          <ul class="list-disc pl-5 text-sm">{s.achievements.map((g, i) => <li key={i}><UserText text={g} /></li>)}</ul>
        </div>
      )}
    </li>
  );
}

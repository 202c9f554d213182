import { signal } from '@preact/signals';
import { useEffect, useRef, useState } from 'preact/hooks';
import { FormError } from '../components/Field';
import { UserText } from '../components/UserText';
import { PauseIcon, PlayIcon, ResetIcon } from '../components/icons';
import { fieldMap } from '../lib/api';
import { primeAudio } from '../lib/alerts';
import type { Cycle, Participant, Room, Timer, TimerType } from '../lib/types';
import { SocketError } from '../realtime/client';
import { rt } from '../state/realtime';
import { lastDone, room, secondsLeft, timerActions } from '../state/room';
import { prefs, user } from '../state/user';
import { needsConfirm, nextBlockAt, rhythmText, timerRule } from './loop';
import { Ask } from './Ask';
import { doneText, formatClock } from './timer';

const PRESETS: Array<{ minutes: number; type: TimerType }> = [
  { minutes: 25, type: 'work' },
  { minutes: 50, type: 'work' },
  { minutes: 5, type: 'break' },
  { minutes: 10, type: 'break' },
];

const DEFAULT_SECONDS = 25 * 60;

function label(t: Timer, done: TimerType | null, canStart: boolean): string {
  if (t.state === 'idle') return done ? doneText(done) : canStart ? 'No room timer running.' : 'No room timer running. Your block is yours either way.';
  const kind = t.type === 'break' ? 'Room · Break' : 'Room · Focus';
  return t.state === 'paused' ? `${kind} · paused` : kind;
}

/** A timer change waiting for "Change it for everyone" (others work under the timer). */
const pending = signal<(() => Promise<unknown>) | null>(null);

/**
 * run calls a timer action, after a confirmation when others are working
 * under the timer it changes; a failure shows in the room's notice, so it is
 * dropped here.
 */
function run(action: () => Promise<unknown>) {
  if (prefs.value.notificationSettings.sound) primeAudio(); // a click may unlock the end chime
  const r = room.value;
  const me = user.value?.id;
  if (r && me && needsConfirm(r.room, r.timer, r.participants, me)) {
    pending.value = action;
    return;
  }
  action().catch(() => {});
}

/** ConfirmChange asks before changing a timer others are working under. */
function ConfirmChange({ others }: { others: number }) {
  const action = pending.value;
  const close = () => (pending.value = null);
  return (
    <Ask open={action !== null} onCancel={close} labelledBy="timer-confirm-title" testId="timer-confirm-dialog">
      <h2 id="timer-confirm-title" class="mb-2 text-xl font-bold">Change the timer for everyone?</h2>
      <p class="mb-5">{others === 1 ? '1 other person is' : `${others} other people are`} working with this timer right now.</p>
      <div class="flex flex-wrap justify-end gap-2">
        <button type="button" class="btn btn-quiet" data-testid="timer-confirm-cancel" onClick={close}>Leave it</button>
        <button
          type="button"
          class="btn btn-primary"
          data-testid="timer-confirm"
          onClick={() => {
            close();
            action?.().catch(() => {});
          }}
        >
          Change it for everyone
        </button>
      </div>
    </Ask>
  );
}

/** Rhythm: "This room keeps a 50/10 rhythm · next block at 14:00". */
function Rhythm({ cycle }: { cycle: Cycle }) {
  void secondsLeft.value; // the next block moves on at each phase
  // The block starts on the server's whole minute: shown as that minute,
  // not moved by this device's clock error (which read 13:59 for 14:00).
  const next = new Date(nextBlockAt(cycle, rt.clock.now()));
  const at = next.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
  return <p class="text-sm text-muted" data-testid="timer-rhythm">{rhythmText(cycle)} · next block at {at}</p>;
}

/**
 * TimerPanel is the room's shared timer: large, on top, the same for
 * everyone. It is the room's heartbeat, not anyone's block: a room with a
 * cycle keeps it by itself (no controls), an owner-only room lets its
 * creator alone control it.
 */
export function TimerPanel({ room: r, timer, participants, meId }: { room: Room; timer: Timer; participants: Participant[]; meId: string }) {
  const seconds = timer.state === 'idle' ? timer.duration || DEFAULT_SECONDS : secondsLeft.value;
  const ref = useRef<HTMLElement>(null);
  const inView = useInView(ref);
  const ruled = timerRule(r, meId);
  const control = ruled === 'control';
  const who = timer.by && timer.state !== 'idle'
    ? timer.by === meId ? 'you' : participants.find((p) => p.id === timer.by)?.displayName
    : undefined;
  const byMe = timer.by === meId;
  return (
    <section ref={ref} aria-labelledby="timer-title" class="card mb-3 p-3 sm:mb-4 sm:p-5" data-testid="room-timer" data-control={ruled}>
      <h2 id="timer-title" class="sr-only">Room timer</h2>
      <div class="flex flex-wrap items-center justify-between gap-x-6 gap-y-3">
        <div class="min-w-0">
          <p class="text-sm font-semibold text-muted" data-testid="timer-label">{label(timer, lastDone.value, control)}</p>
          <p
            class={`text-timer font-bold tabular-nums tracking-tight ${timer.state === 'running' ? '' : 'text-muted'}`}
            data-testid="timer-remaining"
            data-state={timer.state}
          >
            {formatClock(seconds)}
          </p>
          {r.cycle ? <Rhythm cycle={r.cycle} /> : who && <p class="text-sm text-muted">Set by {byMe ? who : <UserText text={who} />}</p>}
          {!r.cycle && !control && <p class="text-sm text-muted" data-testid="timer-watch">The room's host sets this timer.</p>}
        </div>
        {control && (
          <div class="flex flex-wrap gap-2">
            {timer.state === 'idle' && (
              <button type="button" class="btn" data-testid="timer-start-primary" onClick={() => run(() => timerActions.start(25, 'work'))}>
                <PlayIcon size={18} /> Start a 25-minute room timer
              </button>
            )}
            {timer.state === 'running' && (
              <button type="button" class="btn" data-testid="timer-pause" onClick={() => run(timerActions.pause)}>
                <PauseIcon size={18} /> Pause
              </button>
            )}
            {timer.state === 'paused' && (
              <button type="button" class="btn" data-testid="timer-resume" onClick={() => run(timerActions.resume)}>
                <PlayIcon size={18} /> Resume
              </button>
            )}
            {timer.state !== 'idle' && (
              <button type="button" class="btn" data-testid="timer-reset" onClick={() => run(timerActions.reset)}>
                <ResetIcon size={18} /> Reset
              </button>
            )}
          </div>
        )}
      </div>
      {control && <ConfirmChange others={participants.filter((p) => p.id !== meId).length} />}
      {!inView && timer.state !== 'idle' && (
        // Scrolled away from the timer: a slim copy stays in view. The
        // full timer is the one for screen readers and controls.
        <div aria-hidden="true" class="fixed inset-x-0 top-0 z-20 border-b border-border bg-surface px-4 py-1.5 text-center text-sm font-semibold shadow-tile">
          Room · {timer.type === 'break' ? 'Break' : 'Focus'} <span class="tabular-nums">{formatClock(seconds)}</span>
          {timer.state === 'paused' && ' · paused'}
        </div>
      )}
    </section>
  );
}

/** useInView tells whether at least half of the element is on screen. */
function useInView(ref: { current: Element | null }): boolean {
  const [inView, setInView] = useState(true);
  useEffect(() => {
    const el = ref.current;
    if (!el || typeof IntersectionObserver === 'undefined') return;
    const io = new IntersectionObserver(([e]) => setInView(!!e && e.intersectionRatio >= 0.5), { threshold: [0, 0.5, 1] });
    io.observe(el);
    return () => io.disconnect();
  }, []);
  return inView;
}

/** TimerChoices starts a preset or a custom timer (replacing the current one, for everyone). */
export function TimerChoices({ running }: { running: boolean }) {
  const [minutes, setMinutes] = useState('15');
  const [type, setType] = useState<TimerType>('work');
  const [error, setError] = useState<string | null>(null);

  function custom(e: Event) {
    e.preventDefault();
    setError(null);
    const m = Number(minutes);
    if (!Number.isFinite(m) || m < 1 || m > 240) {
      setError('Choose between 1 and 240 minutes.');
      return;
    }
    run(() => timerActions.start(m, type).catch((err) => {
      if (err instanceof SocketError) setError(fieldMap(err.errors).duration ?? err.message);
    }));
  }

  return (
    <details class="px-1">
      <summary class="inline-flex min-h-11 cursor-pointer items-center rounded-lg px-3 font-semibold text-accent" data-testid="timer-more">
        {running ? 'Start a different timer' : 'More timers'}
      </summary>
      {running && <p class="hint mb-2">This replaces the current timer for everyone in the room.</p>}
      <div class="mt-2 flex flex-wrap gap-2">
        {PRESETS.map((p) => (
          <button
            key={`${p.type}-${p.minutes}`}
            type="button"
            class="btn"
            data-testid={`timer-start-${p.type}-${p.minutes}`}
            onClick={() => run(() => timerActions.start(p.minutes, p.type))}
          >
            {p.type === 'work' ? 'Focus' : 'Break'} {p.minutes} min
          </button>
        ))}
      </div>
      <form class="mt-4 flex flex-wrap items-end gap-2" noValidate onSubmit={custom}>
        <div>
          <label for="timer-minutes" class="label">Minutes</label>
          <input
            id="timer-minutes"
            class="field w-24"
            type="number"
            inputMode="numeric"
            min={1}
            max={240}
            value={minutes}
            aria-invalid={error ? 'true' : undefined}
            aria-describedby={error ? 'timer-minutes-error' : undefined}
            data-testid="timer-custom-minutes"
            onInput={(e) => setMinutes(e.currentTarget.value)}
          />
        </div>
        <div>
          <label for="timer-type" class="label">Kind</label>
          <select id="timer-type" class="field" value={type} data-testid="timer-custom-type" onChange={(e) => setType(e.currentTarget.value as TimerType)}>
            <option value="work">Focus</option>
            <option value="break">Break</option>
          </select>
        </div>
        <button type="submit" class="btn" data-testid="timer-custom-start">Start</button>
      </form>
      <div id="timer-minutes-error"><FormError message={error} /></div>
    </details>
  );
}

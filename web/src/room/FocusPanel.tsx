import { signal } from '@preact/signals';
import { useState } from 'preact/hooks';
import { FormError } from '../components/Field';
import { UserText } from '../components/UserText';
import { CheckIcon, CloseIcon, PlusIcon } from '../components/icons';
import { fieldMap } from '../lib/api';
import type { Session } from '../lib/types';
import { SocketError } from '../realtime/client';
import { announce } from '../state/announce';
import { rt } from '../state/realtime';
import { mySession, room, secondsLeft, setProgress, startFocus } from '../state/room';
import { prefs } from '../state/user';
import { CheckIn } from './CheckIn';
import { MAX_GOAL_LENGTH, MAX_GOALS, fieldsToInputs } from './focus';
import { OWN_LENGTHS, defaultLength, plannedFor, roomBlockMinutes, type Length } from './loop';
import { blockLeft, blockStarted, breakLeft, dispatch, loop, loopPhase, startingBlock, toggleSound } from './loopState';
import { formatClock } from './timer';

/** The last check-in's outcome ("Nice work: 25 minutes of focus."), shown through the break and "Another block?". */
const outcome = signal<string | null>(null);

const TITLES = {
  plan: 'What will you work on?',
  again: 'Another block?',
  block: 'Your block',
  done: 'Block done',
  checkin: 'Your block',
  break: 'Break',
} as const;

/**
 * FocusPanel is my focus loop: what I will work on and for how long (one
 * click starts the session and my block together), the block counting down,
 * a calm "Block done" with the check-in, a short break, another block.
 */
export function FocusPanel() {
  const ph = loopPhase.value;
  const s = mySession.value;
  const done = ph === 'done';
  return (
    <section
      aria-labelledby="focus-title"
      data-testid="focus-panel"
      data-phase={ph}
      class={`card p-3 transition-colors duration-500 sm:p-5 ${done ? 'border-2 border-accent bg-accent-soft' : ''}`}
    >
      <div class="mb-2 flex items-center justify-between gap-2 sm:mb-3">
        <h2 id="focus-title" class="text-lg font-bold" data-testid="focus-title">{TITLES[ph]}</h2>
        {ph === 'block' && <BlockClock />}
        {ph === 'done' && s?.plannedMinutes ? <SoundSwitch /> : null}
      </div>
      {(ph === 'break' || ph === 'again') && outcome.value && <p class="mb-3 font-semibold" data-testid="focus-done">{outcome.value}</p>}
      {(ph === 'plan' || ph === 'again') && <PlanBlock key={ph} />}
      {ph === 'block' && s && <Block session={s} />}
      {(ph === 'done' || ph === 'checkin') && s && (
        <>
          {done && (
            <p class="mb-3 flex items-center gap-2 font-semibold" data-testid="block-done">
              <CheckIcon size={20} /> {s.plannedMinutes} minutes of focus. Time for a check-in.
            </p>
          )}
          <CheckIn session={s} early={!done} onDone={(t) => (outcome.value = t)} />
        </>
      )}
      {ph === 'break' && <BreakTime />}
    </section>
  );
}

/** SoundSwitch mutes or unmutes the end-of-block chime, right where it plays. */
function SoundSwitch() {
  const on = prefs.value.notificationSettings.sound;
  return (
    <button type="button" role="switch" aria-checked={on} class="btn btn-quiet min-h-11 shrink-0 px-2 text-sm" data-testid="block-sound" onClick={toggleSound}>
      {on ? 'Chime on' : 'Chime off'}
    </button>
  );
}

/** PlanBlock: goals (one line is enough), share or not, a length, and one button that starts it all. */
function PlanBlock() {
  const last = loop.value;
  const [goals, setGoals] = useState<string[]>(last.goals.length ? last.goals : ['']);
  const [share, setShare] = useState(last.share);
  const timer = room.value?.timer;
  void secondsLeft.value; // follow the room's phase as it counts down
  const roomMinutes = timer ? roomBlockMinutes(timer, rt.clock.now()) : null;
  const [picked, setPicked] = useState<Length | null>(null);
  const length = picked ?? defaultLength(last.length, roomMinutes);
  const minutes = plannedFor(length, roomMinutes);
  const [errors, setErrors] = useState<Record<number, string>>({});
  const [formError, setFormError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const offline = rt.state.value !== 'open';

  const setGoal = (i: number, v: string) => setGoals((g) => g.map((x, j) => (j === i ? v : x)));

  async function submit(e: Event) {
    e.preventDefault();
    startingBlock(); // on this click: the chime may play later, notifications are asked for once
    const sentFrom: number[] = [];
    const sent = goals.flatMap((g, i) => (g.trim() ? (sentFrom.push(i), [g.trim()]) : []));
    setBusy(true);
    setErrors({});
    setFormError(null);
    try {
      await startFocus(sent, share, minutes);
      blockStarted({ type: 'started', goals: sent, share, length });
      outcome.value = null;
      announce(`Your ${minutes}-minute block started.`);
    } catch (err) {
      if (err instanceof SocketError && err.code === 'invalid') {
        const fields = fieldMap(err.errors);
        const byInput = fieldsToInputs(fields, sentFrom);
        setErrors(byInput);
        const first = Object.keys(byInput)[0];
        if (first !== undefined) document.getElementById(`goal-${first}`)?.focus();
        else setFormError(fields.goals ?? fields.shareGoals ?? fields.plannedMinutes ?? err.message);
      }
    } finally {
      setBusy(false);
    }
  }

  const lengths: Length[] = [...(roomMinutes !== null ? (['room'] as const) : []), ...OWN_LENGTHS];
  return (
    <form noValidate onSubmit={submit}>
      <FormError message={formError} />
      <ol class="mb-1 space-y-2">
        {goals.map((g, i) => (
          <li key={i}>
            <label for={`goal-${i}`} class="sr-only">{i === 0 ? 'What will you work on?' : `Goal ${i + 1}`}</label>
            <div class="flex gap-2">
              <input
                id={`goal-${i}`}
                class="field min-w-0"
                dir="auto"
                value={g}
                maxLength={MAX_GOAL_LENGTH}
                placeholder={i === 0 ? 'One line is enough' : ''}
                aria-invalid={errors[i] ? 'true' : undefined}
                aria-describedby={errors[i] ? `goal-${i}-error` : undefined}
                data-testid="goal-input"
                onInput={(e) => setGoal(i, e.currentTarget.value)}
              />
              {goals.length > 1 && (
                <button type="button" class="btn btn-quiet" onClick={() => setGoals((gs) => gs.filter((_, j) => j !== i))}>
                  <CloseIcon size={18} /><span class="sr-only">Remove goal {i + 1}</span>
                </button>
              )}
            </div>
            {errors[i] && <p id={`goal-${i}-error`} class="field-error">{errors[i]}</p>}
          </li>
        ))}
      </ol>
      <div class="mb-2 flex flex-wrap items-center gap-x-2">
        <label class="choice mr-auto">
          <input type="checkbox" checked={share} data-testid="share-goals" onChange={(e) => setShare(e.currentTarget.checked)} />
          Share with the room
        </label>
        {goals.length < MAX_GOALS && (
          <button type="button" class="btn btn-quiet px-2 text-sm" data-testid="add-goal" onClick={() => setGoals((g) => [...g, ''])}>
            <PlusIcon size={18} /> Add another goal
          </button>
        )}
      </div>
      <fieldset class="mb-3">
        <legend class="label">How long?</legend>
        <div class="grid grid-cols-3 gap-1.5">
          {lengths.map((l) => (
            <label key={l} class={`seg min-w-0 px-1 text-sm ${l === 'room' ? 'col-span-3' : ''}`}>
              <input type="radio" name="block-length" class="sr-only" checked={length === l} data-testid={`length-${l}`} onChange={() => setPicked(l)} />
              {l === 'room' ? `With the room · ${roomMinutes} min` : `${l} min`}
            </label>
          ))}
        </div>
      </fieldset>
      {offline && <p class="hint mb-2" data-testid="start-offline">You're offline, so a block can't start yet. It can once you're back.</p>}
      <button type="submit" class="btn btn-primary btn-lg w-full" disabled={busy || offline} data-testid="start-focus">
        {busy ? 'Starting…' : `Start a ${minutes}-minute block`}
      </button>
    </form>
  );
}

/** BlockClock is the time left in my block, next to its title (an open-ended block has none). */
function BlockClock() {
  const left = blockLeft.value;
  const planned = mySession.value?.plannedMinutes;
  if (left === null || !planned) return <p class="text-sm text-muted" data-testid="block-remaining">Open-ended</p>;
  return (
    <p class="text-right leading-none">
      <span class="text-3xl font-bold tabular-nums" data-testid="block-remaining">{formatClock(left)}</span>
      <span class="sr-only"> left of your {planned} minutes</span>
    </p>
  );
}

/** Block is my block under way: what I said I'd do, how far along, finishing early, the chime. */
function Block({ session }: { session: Session }) {
  return (
    <>
      {session.goals.length > 0 ? (
        <ul class="mb-1 list-disc space-y-1 pl-5">
          {session.goals.map((g, i) => <li key={i} data-testid="my-goal"><UserText text={g} /></li>)}
        </ul>
      ) : (
        <p class="mb-1" data-testid="my-goal">No goals written down. That's fine.</p>
      )}
      <p class="hint mb-3">{session.shareGoals ? 'The room can see your goals.' : 'Only you can see your goals.'}</p>
      <label for="focus-progress" class="label">How far along are you? <span class="tabular-nums">{session.progress}%</span></label>
      <input
        id="focus-progress"
        type="range"
        min={0}
        max={100}
        step={5}
        value={session.progress}
        aria-valuetext={`${session.progress}%`}
        class="mb-3 h-11 w-full"
        data-testid="progress-slider"
        onInput={(e) => setProgress(Number(e.currentTarget.value))}
      />
      <div class="flex flex-wrap items-center justify-between gap-2">
        <button type="button" class="btn" data-testid="complete-session" onClick={() => dispatch({ type: 'check-in' })}>
          <CheckIcon size={18} /> {session.plannedMinutes ? 'Finish early' : 'Complete'}
        </button>
        {session.plannedMinutes ? <SoundSwitch /> : null}
      </div>
    </>
  );
}

/** BreakTime is the short break after a check-in; skipping it goes straight to "Another block?". */
function BreakTime() {
  return (
    <>
      <p class="mb-3">
        <span class="block text-4xl font-bold tabular-nums leading-none" data-testid="break-remaining">{formatClock(breakLeft.value)}</span>
        <span class="text-sm text-muted">Stretch, drink some water, look away from the screen.</span>
      </p>
      <button type="button" class="btn" data-testid="skip-break" onClick={() => dispatch({ type: 'skip-break' })}>
        Skip the break
      </button>
    </>
  );
}

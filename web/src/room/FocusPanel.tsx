import { useEffect, useRef, useState } from 'preact/hooks';
import { Dialog } from '../components/Dialog';
import { FormError } from '../components/Field';
import { UserText } from '../components/UserText';
import { CheckIcon, CloseIcon, PlusIcon } from '../components/icons';
import { fieldMap } from '../lib/api';
import type { Session } from '../lib/types';
import { SocketError } from '../realtime/client';
import { announce } from '../state/announce';
import { completeFocus, mySession, setProgress, startFocus } from '../state/room';
import { MAX_GOAL_LENGTH, MAX_GOALS, achievementsFrom, fieldsToInputs } from './focus';


/** FocusPanel is my focus session: goals before, progress during, a check-in at the end. */
export function FocusPanel() {
  const [done, setDone] = useState<string | null>(null);
  const doneRef = useRef<HTMLParagraphElement>(null);
  const s = mySession.value;
  // The Complete button is gone once the session is: keep keyboard focus here, on the outcome.
  useEffect(() => {
    if (done) doneRef.current?.focus();
  }, [done]);
  return (
    <section aria-labelledby="focus-title" class="card p-3 sm:p-5">
      <h2 id="focus-title" class="mb-2 text-lg font-bold sm:mb-3">{s ? 'Your focus session' : 'Focus session'}</h2>
      {done && !s && <p ref={doneRef} tabIndex={-1} class="mb-3 font-semibold" data-testid="focus-done">{done}</p>}
      {s ? <ActiveFocus session={s} onDone={setDone} /> : <StartFocus onStart={() => setDone(null)} />}
    </section>
  );
}

function StartFocus({ onStart }: { onStart: () => void }) {
  const [goals, setGoals] = useState<string[]>(['']);
  const [share, setShare] = useState(false);
  const [errors, setErrors] = useState<Record<number, string>>({});
  const [formError, setFormError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const setGoal = (i: number, v: string) => setGoals((g) => g.map((x, j) => (j === i ? v : x)));

  async function submit(e: Event) {
    e.preventDefault();
    const sentFrom: number[] = [];
    const sent = goals.flatMap((g, i) => (g.trim() ? (sentFrom.push(i), [g.trim()]) : []));
    setBusy(true);
    setErrors({});
    setFormError(null);
    try {
      await startFocus(sent, share);
      onStart();
      announce('Focus session started.');
    } catch (err) {
      if (err instanceof SocketError && err.code === 'invalid') {
        const fields = fieldMap(err.errors);
        const byInput = fieldsToInputs(fields, sentFrom);
        setErrors(byInput);
        const first = Object.keys(byInput)[0];
        if (first !== undefined) document.getElementById(`goal-${first}`)?.focus();
        else setFormError(fields.goals ?? fields.shareGoals ?? err.message);
      }
    } finally {
      setBusy(false);
    }
  }

  return (
    <form noValidate onSubmit={submit}>
      <p class="mb-3 text-sm text-muted">What would you like to work on? Small steps count.</p>
      <FormError message={formError} />
      <ol class="mb-2 space-y-2">
        {goals.map((g, i) => (
          <li key={i}>
            <label for={`goal-${i}`} class="sr-only">Goal {i + 1}</label>
            <div class="flex gap-2">
              <input
                id={`goal-${i}`}
                class="field min-w-0"
                dir="auto"
                value={g}
                maxLength={MAX_GOAL_LENGTH}
                placeholder={i === 0 ? 'e.g. Reply to two emails' : ''}
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
      {goals.length < MAX_GOALS && (
        <button type="button" class="btn btn-quiet mb-3 text-sm" data-testid="add-goal" onClick={() => setGoals((g) => [...g, ''])}>
          <PlusIcon size={18} /> Add a goal
        </button>
      )}
      <label class="choice mb-4">
        <input type="checkbox" checked={share} data-testid="share-goals" onChange={(e) => setShare(e.currentTarget.checked)} />
        Share goals with the room
      </label>
      <button type="submit" class="btn btn-primary w-full sm:w-auto" disabled={busy} data-testid="start-focus">
        {busy ? 'Starting…' : 'Start focus session'}
      </button>
    </form>
  );
}

function ActiveFocus({ session, onDone }: { session: Session; onDone: (text: string) => void }) {
  const [open, setOpen] = useState(false);
  return (
    <>
      {session.goals.length > 0 ? (
        <ul class="mb-1 list-disc space-y-1 pl-5">
          {session.goals.map((g, i) => <li key={i} data-testid="my-goal"><UserText text={g} /></li>)}
        </ul>
      ) : (
        <p class="mb-1">No goals written down. That's fine.</p>
      )}
      <p class="hint mb-4">{session.shareGoals ? 'The room can see your goals.' : 'Only you can see your goals.'}</p>
      <label for="focus-progress" class="label">How far along are you? <span class="tabular-nums">{session.progress}%</span></label>
      <input
        id="focus-progress"
        type="range"
        min={0}
        max={100}
        step={5}
        value={session.progress}
        aria-valuetext={`${session.progress}%`}
        class="mb-4 h-11 w-full"
        data-testid="progress-slider"
        onInput={(e) => setProgress(Number(e.currentTarget.value))}
      />
      <button type="button" class="btn btn-primary" data-testid="complete-session" onClick={() => setOpen(true)}>
        <CheckIcon size={18} /> Complete
      </button>
      <CompleteDialog open={open} session={session} onClose={() => setOpen(false)} onDone={onDone} />
    </>
  );
}

const RATINGS = ['Not much', 'A little', 'Somewhat', 'Mostly', 'Very'];

function CompleteDialog({ open, session, onClose, onDone }: {
  open: boolean;
  session: Session;
  onClose: () => void;
  onDone: (text: string) => void;
}) {
  const [ticked, setTicked] = useState<boolean[]>([]);
  const [other, setOther] = useState('');
  const [rating, setRating] = useState<number | null>(null);
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [busy, setBusy] = useState(false);

  async function submit(e: Event) {
    e.preventDefault();
    setBusy(true);
    setErrors({});
    try {
      const s = await completeFocus(achievementsFrom(session.goals, ticked, other), rating);
      const minutes = s.durationMinutes ?? 0;
      const text = minutes > 0 ? `Nice work: ${minutes} ${minutes === 1 ? 'minute' : 'minutes'} of focus.` : 'Nice work. Saved.';
      onDone(text);
      announce(text);
      onClose();
    } catch (err) {
      if (err instanceof SocketError && err.code === 'invalid') {
        const f = fieldMap(err.errors);
        const achievement = Object.entries(f).find(([k]) => k.startsWith('achievements'))?.[1];
        setErrors({ ...(achievement ? { achievements: achievement } : {}), ...(f.rating ? { rating: f.rating } : {}) });
      } else {
        onClose(); // the room's notice says what went wrong
      }
    } finally {
      setBusy(false);
    }
  }

  return (
    <Dialog open={open} onClose={onClose} labelledBy="complete-title" testId="complete-dialog">
      <form noValidate onSubmit={submit}>
        <h2 id="complete-title" class="mb-4 text-xl font-bold">What did you get done?</h2>
        {session.goals.length > 0 && (
          <fieldset class="mb-4">
            <legend class="label">Your goals</legend>
            {session.goals.map((g, i) => (
              <label key={i} class="choice">
                <input
                  type="checkbox"
                  checked={!!ticked[i]}
                  onChange={(e) => {
                    const on = e.currentTarget.checked;
                    setTicked((t) => { const n = [...t]; n[i] = on; return n; });
                  }}
                />
                <UserText class="min-w-0" text={g} />
              </label>
            ))}
          </fieldset>
        )}
        <label for="achievements-other" class="label">{session.goals.length ? 'Anything else?' : 'In your own words'} <span class="font-normal text-muted">(optional, one per line)</span></label>
        <textarea
          id="achievements-other"
          class="field mb-1"
          dir="auto"
          rows={3}
          value={other}
          aria-invalid={errors.achievements ? 'true' : undefined}
          aria-describedby={errors.achievements ? 'achievements-error' : undefined}
          data-testid="achievements"
          onInput={(e) => setOther(e.currentTarget.value)}
        />
        {errors.achievements && <p id="achievements-error" class="field-error">{errors.achievements}</p>}
        <fieldset class="mb-5 mt-4" aria-describedby={errors.rating ? 'rating-error' : undefined}>
          <legend class="label">How focused were you?</legend>
          <div class="grid grid-cols-[repeat(auto-fit,minmax(4.5rem,1fr))] gap-1.5">
            {RATINGS.map((text, i) => (
              <label key={i} class="seg min-w-0 flex-col gap-0 px-0.5 text-center text-xs leading-tight">
                <input type="radio" name="rating" class="sr-only" checked={rating === i + 1} data-testid={`rating-${i + 1}`} onChange={() => setRating(i + 1)} />
                <span class="text-base">{i + 1}</span>
                {text}
              </label>
            ))}
          </div>
          {errors.rating && <p id="rating-error" class="field-error">{errors.rating}</p>}
        </fieldset>
        <div class="flex flex-wrap justify-end gap-2">
          <button type="button" class="btn btn-quiet" onClick={onClose}>Not yet</button>
          <button type="submit" class="btn btn-primary" disabled={busy} data-testid="complete-submit">
            {busy ? 'Saving…' : 'Save'}
          </button>
        </div>
      </form>
    </Dialog>
  );
}

import { useEffect, useLayoutEffect, useRef, useState } from 'preact/hooks';
import { UserText } from '../components/UserText';
import { fieldMap } from '../lib/api';
import { navigate } from '../lib/router';
import type { Session } from '../lib/types';
import { SocketError } from '../realtime/client';
import { announce } from '../state/announce';
import { rt } from '../state/realtime';
import { completeFocus, leaveRoom } from '../state/room';
import { achievementsFrom } from './focus';
import { checkedIn, dispatch, loop } from './loopState';

const RATINGS = ['Not much', 'A little', 'Okay', 'Mostly', 'Very'];

/** outcomeText: "Nice work: 25 minutes of focus." */
export function outcomeText(s: Session): string {
  const minutes = s.durationMinutes ?? 0;
  return minutes > 0 ? `Nice work: ${minutes} ${minutes === 1 ? 'minute' : 'minutes'} of focus.` : 'Nice work. Saved.';
}

/**
 * CheckIn asks what got done (the goals as boxes to tick, plus a line) and
 * how it went (1–5), then completes the session. It is part of the focus
 * panel, not a modal: at the end of a block it is simply what the panel
 * shows. early: asked before the end, so "Not yet" goes back to the block.
 */
export function CheckIn({ session, early, onDone }: { session: Session; early: boolean; onDone: (text: string) => void }) {
  const [ticked, setTicked] = useState<boolean[]>([]);
  const [other, setOther] = useState('');
  const [rating, setRating] = useState<number | null>(null);
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [busy, setBusy] = useState(false);
  const titleRef = useRef<HTMLHeadingElement>(null);
  const offline = rt.state.value !== 'open';
  const leaving = loop.value.leaveAfter;

  // Asked for (finishing early, leaving): keyboard focus moves here at
  // once (the button that asked is gone). At the block's end the panel
  // changes by itself and focus stays where it was.
  useLayoutEffect(() => {
    if (early) titleRef.current?.focus();
  }, [early]);

  // Escape is "Not yet" wherever focus is, unless a dialog has it.
  useEffect(() => {
    if (!early) return;
    const onKey = (e: KeyboardEvent) => {
      if (e.key !== 'Escape' || e.defaultPrevented || document.querySelector('dialog[open]')) return;
      dispatch({ type: 'not-yet' });
    };
    document.addEventListener('keydown', onKey);
    return () => document.removeEventListener('keydown', onKey);
  }, [early]);

  async function submit(e: Event) {
    e.preventDefault();
    setBusy(true);
    setErrors({});
    try {
      const s = await completeFocus(achievementsFrom(session.goals, ticked, other), rating);
      const text = s ? outcomeText(s) : "Nice work. Your check-in is kept here and saved once you're back.";
      checkedIn();
      onDone(text);
      announce(text);
      if (leaving) {
        dispatch({ type: 'skip-break' }); // a break belongs to the room being left
        void leaveRoom();
        navigate('/lobby');
      }
    } catch (err) {
      if (err instanceof SocketError && err.code === 'invalid') {
        const f = fieldMap(err.errors);
        const achievement = Object.entries(f).find(([k]) => k.startsWith('achievements'))?.[1];
        setErrors({ ...(achievement ? { achievements: achievement } : {}), ...(f.rating ? { rating: f.rating } : {}) });
      } // otherwise the room's notice says what went wrong
    } finally {
      setBusy(false);
    }
  }

  return (
    <form noValidate onSubmit={submit} data-testid="complete-dialog" class="min-w-0">
      <h3 ref={titleRef} tabIndex={-1} id="checkin-title" class="mb-3 text-lg font-bold focus:outline-none">What got done?</h3>
      {session.goals.length > 0 && (
        <fieldset class="mb-3">
          <legend class="sr-only">Your goals</legend>
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
      <label for="achievements-other" class="label">{session.goals.length ? 'Anything else?' : 'In a line or two'} <span class="font-normal text-muted">(optional)</span></label>
      <textarea
        id="achievements-other"
        class="field mb-1"
        dir="auto"
        rows={2}
        value={other}
        aria-invalid={errors.achievements ? 'true' : undefined}
        aria-describedby={errors.achievements ? 'achievements-error' : undefined}
        data-testid="achievements"
        onInput={(e) => setOther(e.currentTarget.value)}
      />
      {errors.achievements && <p id="achievements-error" class="field-error">{errors.achievements}</p>}
      <fieldset class="mb-4 mt-3" aria-describedby={errors.rating ? 'rating-error' : undefined}>
        <legend class="label">How did it go?</legend>
        <div class="grid grid-cols-5 gap-1">
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
      {offline && (
        <p class="hint mb-2" data-testid="checkin-offline">
          {leaving
            ? "You're not connected right now, so this can't be saved and you can't leave cleanly yet. It works again once you're back."
            : "You're not connected right now: a check-in saved now is kept here and sent once you're back."}
        </p>
      )}
      <div class="flex flex-wrap gap-2">
        <button type="submit" class="btn btn-primary" disabled={busy || (offline && leaving)} data-testid="complete-submit">
          {busy ? 'Saving…' : leaving ? 'Save and leave' : 'Save'}
        </button>
        {early && <button type="button" class="btn btn-quiet" data-testid="checkin-not-yet" onClick={() => dispatch({ type: 'not-yet' })}>Not yet</button>}
      </div>
    </form>
  );
}

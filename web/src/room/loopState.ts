// The focus loop of this tab (room/loop.ts has its rules): the phase, the
// seconds left in my block or my break, and what a person hears and sees
// when the block ends (a soft chime unless muted, a notification where
// allowed, the announcement). Kept per tab, so a reload during a break or
// with goals typed carries on.
import { computed, effect, signal } from '@preact/signals';
import { askNotificationPermission, chime, notificationsSupported, notify, primeAudio } from '../lib/alerts';
import { readJSON, writeJSON } from '../lib/storage';
import { announce } from '../state/announce';
import { rt } from '../state/realtime';
import { mySession, room, setStatus } from '../state/room';
import { savePrefs } from '../state/session';
import { prefs, user } from '../state/user';
import { INITIAL_LOOP, blockEndsAt, phase, secondsUntil, shouldAlert, step, type Loop, type LoopEvent, type Phase } from './loop';
import { milestone, spokenDuration } from './timer';

const LOOP_KEY = 'bd.loop';

// An early check-in is not kept: a reload goes back to the block ("not yet").
export const loop = signal<Loop>({ ...INITIAL_LOOP, ...readJSON<Partial<Loop>>('sessionStorage', LOOP_KEY, {}), checkin: false, leaveAfter: false });
effect(() => writeJSON('sessionStorage', LOOP_KEY, loop.value));

/** now is the server time, ticking while a block or a break counts down. */
export const now = signal(rt.clock.now());
effect(() => {
  if (!mySession.value && loop.value.breakEndsAt === null) return;
  now.value = rt.clock.now();
  const id = setInterval(() => (now.value = rt.clock.now()), 500);
  return () => clearInterval(id);
});

export const loopPhase = computed<Phase>(() => phase(mySession.value, loop.value, now.value));

/** blockLeft is the seconds left in my block (null: no block, or an open-ended one). */
export const blockLeft = computed<number | null>(() => {
  const s = mySession.value;
  const end = s ? blockEndsAt(s) : null;
  return end === null ? null : secondsUntil(end, now.value);
});

export const breakLeft = computed(() => {
  const end = loop.value.breakEndsAt;
  return end === null ? 0 : secondsUntil(end, now.value);
});

// My block's milestones for a screen reader: halfway, one minute left.
let lastBlock = '';
let lastLeft: number | null = null;
effect(() => {
  const s = mySession.value;
  const left = blockLeft.value;
  if (!s?.plannedMinutes || left === null) {
    lastLeft = null;
    return;
  }
  const prev = s.id === lastBlock ? lastLeft : null;
  lastBlock = s.id;
  lastLeft = left;
  const m = milestone(prev, left, s.plannedMinutes * 60);
  if (m) announce(m === 'halfway' ? 'Halfway through your block.' : 'One minute left in your block.');
});

// A chime needs sound unlocked by a gesture: after a reload during a
// block, the first click or key anywhere does it.
if (typeof document !== 'undefined') {
  const unlock = () => {
    if (mySession.value?.plannedMinutes && prefs.value.notificationSettings.sound) primeAudio();
  };
  document.addEventListener('pointerdown', unlock, true);
  document.addEventListener('keydown', unlock, true);
}

export function dispatch(e: LoopEvent): void {
  loop.value = step(loop.value, e);
}

let seenPhase: Phase | null = null;
effect(() => {
  const cur = loopPhase.value;
  const prev = seenPhase;
  seenPhase = cur;
  if (shouldAlert(prev, cur)) blockDone();
  if (prev === 'break' && cur === 'again') announce("Break's over. Another block when you're ready.");
});

/** blockDone: an end that cannot be missed and does not startle. */
function blockDone(): void {
  const planned = mySession.value?.plannedMinutes ?? 0;
  const text = `Block done: ${spokenDuration(planned * 60)}. What got done?`;
  announce(text);
  const n = prefs.value.notificationSettings;
  if (n.sound) chime();
  if (n.system) void notify('Block done', text);
}

/** myStatus is my status in the room (null outside one, or while disconnected: a change could not be told). */
function myStatus() {
  if (rt.state.value !== 'open') return null;
  return room.value?.participants.find((p) => p.id === user.value?.id)?.status ?? null;
}

/** startingBlock runs on the click that starts a block: sound may play later, notifications are asked for once. */
export function startingBlock(): void {
  if (prefs.value.notificationSettings.sound) primeAudio();
  if (!notificationsSupported() || Notification.permission !== 'default') return;
  // Asked here, where a block starts, not in Settings: this is when it is wanted.
  void askNotificationPermission().then((p) => {
    if (p !== 'granted' || prefs.value.notificationSettings.system) return;
    savePrefs({ notificationSettings: { ...prefs.value.notificationSettings, system: true } }).catch(() => {});
  });
}

/** blockStarted: working now. */
export function blockStarted(e: Extract<LoopEvent, { type: 'started' }>): void {
  dispatch(e);
  if (myStatus() && myStatus() !== 'working') void setStatus('working');
}

/** checkedIn: the block is saved; a short break follows. */
export function checkedIn(): void {
  dispatch({ type: 'completed', at: rt.clock.now() });
  now.value = rt.clock.now();
  if (myStatus() === 'working') void setStatus('break');
}

/** toggleSound mutes or unmutes the end-of-block chime in one tap (kept in preferences). */
export function toggleSound(): void {
  const n = prefs.value.notificationSettings;
  if (!n.sound) primeAudio();
  savePrefs({ notificationSettings: { ...n, sound: !n.sound } }).catch(() => {});
}

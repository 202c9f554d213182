// The room this tab is in: joining and leaving over the socket, the state the
// server's events build (room/reduce.ts), my focus session, and what a person
// hears or sees when the timer moves (announcements, chime, notification).
import { batch, computed, effect, signal } from '@preact/signals';
import { chime, notify } from '../lib/alerts';
import { api } from '../lib/api';
import { match, navigate, path } from '../lib/router';
import { readJSON, writeJSON } from '../lib/storage';
import type { Session, Status, TimerType } from '../lib/types';
import { backoffDelay } from '../realtime/backoff';
import { NotConnectedError, SocketError, type Data } from '../realtime/client';
import { reduce, type RoomState } from '../room/reduce';
import { doneText, milestone, milestoneText, phaseText, remainingSeconds, startedText } from '../room/timer';
import { announce } from './announce';
import { rt } from './realtime';
import { prefs, user } from './user';

const ROOM_KEY = 'bd.room';

/** The room this tab wants to be in; kept per tab so a reload rejoins it. */
export const currentRoomId = signal<string | null>(readJSON('sessionStorage', ROOM_KEY, null));
export const room = signal<RoomState | null>(null);
/** Why the last join failed, for the room screen. */
export const joinError = signal<{ roomId: string; code: string; message: string } | null>(null);
export const mySession = signal<Session | null>(null);
/** A calm one-line message shown in the room (a failed action, being moved out). */
export const notice = signal<string | null>(null);
/** The type of the timer that just ended, until the next one starts. */
export const lastDone = signal<TimerType | null>(null);
/** The room this tab was taken out of without asking (left in another tab, the seat lost), for the room screen. */
export const leftRoom = signal<string | null>(null);
/** Shown in the lobby after the room's creator asked this person to leave. */
export const farewell = signal<string | null>(null);

const REMOVED_TEXT = 'The host asked you to leave this room.';

/** Others who follow the room's events (media/state.ts); they run after the state is updated. */
type Listener = (event: string, data: Data) => void;
const listeners: Listener[] = [];
export function onRoomEvent(l: Listener): void {
  listeners.push(l);
}

effect(() => writeJSON('sessionStorage', ROOM_KEY, currentRoomId.value));

// ---- the countdown ------------------------------------------------------

const tick = signal(0);

effect(() => {
  if (room.value?.timer.state !== 'running') return;
  const id = setInterval(() => (tick.value = Date.now()), 250);
  return () => clearInterval(id);
});

/** Seconds left on the room timer, the same on every participant's screen. */
export const secondsLeft = computed(() => {
  const r = room.value;
  void tick.value;
  return r ? remainingSeconds(r.timer, rt.clock.now()) : 0;
});

let lastRun = '';
let lastSeconds: number | null = null;
effect(() => {
  const r = room.value;
  const s = secondsLeft.value;
  if (!r || r.timer.state !== 'running') {
    lastSeconds = null;
    return;
  }
  const run = `${r.room.id}:${r.timer.version}`;
  const prev = run === lastRun ? lastSeconds : null;
  lastRun = run;
  lastSeconds = s;
  const m = milestone(prev, s, r.timer.duration);
  // While a block of my own runs, its milestones are the ones said (room/loopState.ts).
  if (m && !mySession.value?.plannedMinutes) announce(milestoneText(m));
});

// ---- server events ------------------------------------------------------

const myId = () => user.value?.id;
let completedVersion = 0;

function handle(event: string, data: Data): void {
  if (event === 'room-joined' && data.room?.id !== currentRoomId.value) return; // a stale reply
  const before = room.value;
  const after = reduce(before, event, data);
  room.value = after;

  switch (event) {
    case 'room-joined':
      joinError.value = null;
      notice.value = null;
      if (!resendCompletion(after!)) {
        reconcileMySession(after!);
        resendProgress(after!);
      }
      for (const w of [...rejoinWaiters]) w();
      if (before?.room.id !== after!.room.id) announce(welcome(after!));
      break;
    case 'room-left':
    case 'participant-left':
      if (before && !after) movedOut(event === 'room-left' && data.reason === 'removed');
      else if (event === 'participant-left' && data.participantId === myId() && data.roomId === currentRoomId.value) movedOut();
      break;
    case 'focus-session-started':
    case 'focus-session-updated':
    case 'focus-session-completed': {
      const s = data.session as Session;
      if (s.userId === myId()) mySession.value = s.endedAt || s.isCompleted ? null : s;
      break;
    }
    case 'timer-started':
      if (after !== before) {
        lastDone.value = null;
        announce(after!.room.cycle ? phaseText(after!.timer.type, after!.timer.duration) : startedText(after!.timer.type, after!.timer.duration));
      }
      break;
    case 'timer-completed':
      if (data.roomId === currentRoomId.value && Number(data.version) > completedVersion) {
        completedVersion = Number(data.version);
        timerEnded(data.type === 'break' ? 'break' : 'work');
      }
      break;
    case 'error':
      if (typeof data.message === 'string') notice.value = data.message;
      break;
  }
  for (const l of listeners) l(event, data);
}

function welcome(r: RoomState): string {
  const others = r.participants.filter((p) => p.id !== myId() && p.status === 'working').length;
  if (others === 0) return "You're in. It's just you for now; people drop in all the time.";
  return `You're in. ${others} ${others === 1 ? 'person is' : 'people are'} working here.`;
}

function movedOut(removed = false): void {
  const roomId = currentRoomId.value;
  batch(() => {
    currentRoomId.value = null;
    room.value = null;
    mySession.value = null;
    notice.value = removed ? REMOVED_TEXT : "You're no longer in this room.";
    if (removed) farewell.value = REMOVED_TEXT;
    else leftRoom.value = roomId;
  });
  if (!removed) return;
  announce(REMOVED_TEXT);
  const here = match(path.value);
  if (here.name === 'room' && here.id === roomId) navigate('/lobby', { replace: true });
}

function timerEnded(type: TimerType): void {
  // A cycle's phase ends into the next at once, which timer-started says.
  if (room.value?.room.cycle) return;
  lastDone.value = type;
  const text = doneText(type);
  announce(text);
  // The chime and the notification belong to a person's own block (its end
  // alerts by itself, room/loopState.ts). The room timer's end is only worth
  // one when it is the timer someone chose to follow: not a cycle's phase,
  // which turns by itself all day, and not while a block of one's own runs.
  if (mySession.value?.plannedMinutes) return;
  const n = prefs.value.notificationSettings;
  if (n.sound) chime();
  if (n.system) void notify(type === 'break' ? "Break's over" : 'Time is up', text);
}

function reconcileMySession(r: RoomState): void {
  const focus = r.participants.find((p) => p.id === myId())?.focus;
  if (!focus) {
    mySession.value = null;
    return;
  }
  if (mySession.value?.id === focus.sessionId) return;
  api.focusSession(focus.sessionId).then(
    (s) => {
      if (room.value?.room.id === s.roomId && !s.endedAt) mySession.value = s;
    },
    () => {},
  );
}

rt.onEvent = handle;
rt.onOpen = () => {
  const id = currentRoomId.value;
  if (id) void join(id);
};

// ---- actions ------------------------------------------------------------

const JOIN_MESSAGES: Record<string, string> = {
  room_full: "This room is full right now. Let's find you another one.",
  not_found: "We couldn't find this room. It may have closed.",
  forbidden: "You can't join this room.",
};

let joining: string | null = null;

async function join(id: string): Promise<void> {
  if (joining === id) return; // already asked on this connection
  joining = id;
  try {
    await rt.request('join-room', { roomId: id });
    joinAttempt = 0;
  } catch (e) {
    if (currentRoomId.value !== id) return;
    if (e instanceof SocketError && FINAL_JOIN_ERRORS.has(e.code)) {
      batch(() => {
        joinError.value = { roomId: id, code: e.code, message: JOIN_MESSAGES[e.code] ?? e.message };
        currentRoomId.value = null;
        room.value = null;
      });
      return;
    }
    // Not connected: the next connection joins (onOpen). A timeout or a
    // busy server (restarting, its database slow) is tried again on this
    // connection, or the seat and the block would run out meanwhile.
    if (e instanceof SocketError) retryJoin(id);
  } finally {
    joining = null;
  }
}

/** Join answers that another try cannot change: the room is not there, is full, or is closed to this person. */
const FINAL_JOIN_ERRORS = new Set(['not_found', 'room_full', 'forbidden', 'banned', 'invalid', 'unauthorized']);
let joinAttempt = 0;
let joinTimer: ReturnType<typeof setTimeout> | undefined;

function retryJoin(id: string): void {
  clearTimeout(joinTimer);
  joinTimer = setTimeout(() => {
    // A join is idempotent: asking again after a join that did get
    // through (a new connection's) only brings a fresh snapshot.
    if (currentRoomId.value === id && rt.state.value === 'open') void join(id);
  }, backoffDelay(joinAttempt++));
}

/** enterRoom makes this tab join room `id` (leaving any other). */
export function enterRoom(id: string): void {
  if (currentRoomId.value === id && (room.value?.room.id === id || rt.state.value !== 'open')) {
    rt.start();
    return;
  }
  batch(() => {
    currentRoomId.value = id;
    leftRoom.value = null;
    joinError.value = null;
    notice.value = null;
    farewell.value = null;
    if (room.value && room.value.room.id !== id) {
      room.value = null;
      mySession.value = null;
      lastDone.value = null;
    }
  });
  rt.start();
  if (rt.state.value === 'open') void join(id);
}

/** The room screen shows the question "finish with a check-in or leave and end it?". */
export const leaveAsked = signal(false);

/**
 * requestLeave leaves at once, or, during an open focus session, shows the
 * room and asks first (from the room screen or the room bar elsewhere).
 */
export function requestLeave(): void {
  const id = currentRoomId.value;
  if (id && mySession.value) {
    leaveAsked.value = true;
    const here = match(path.value);
    if (here.name !== 'room' || here.id !== id) navigate(`/room/${id}`);
    return;
  }
  void leaveRoom();
}

export async function leaveRoom(): Promise<void> {
  const id = currentRoomId.value;
  resetRoom();
  if (!id) return;
  try {
    await rt.request('leave-room', { roomId: id });
  } catch {
    await api.leaveRoom(id).catch(() => {});
  }
}

/** resetRoom forgets the room locally (sign out, leave). */
export function resetRoom(): void {
  batch(() => {
    leaveAsked.value = false;
    currentRoomId.value = null;
    room.value = null;
    mySession.value = null;
    joinError.value = null;
    notice.value = null;
    lastDone.value = null;
  });
}

/** act sends a room action; a failure becomes the room's notice and is rethrown. */
async function act(event: string, data: Data): Promise<Data> {
  try {
    notice.value = null;
    return (await rt.request(event, data)).data;
  } catch (e) {
    if (e instanceof SocketError && e.code === 'invalid') throw e; // the form shows it
    notice.value = e instanceof NotConnectedError || e instanceof SocketError ? e.message : 'Something went wrong.';
    throw e;
  }
}

function roomId(): string {
  const id = room.value?.room.id;
  if (!id) throw new NotConnectedError();
  return id;
}

export async function setStatus(status: Status): Promise<void> {
  const r = room.value;
  const me = myId();
  if (!r || !me) return;
  const previous = r.participants.find((p) => p.id === me)?.status;
  room.value = reduce(r, 'presence-updated', { roomId: r.room.id, participantId: me, status });
  try {
    await act('update-presence', { roomId: r.room.id, status });
  } catch {
    if (previous && room.value) {
      room.value = reduce(room.value, 'presence-updated', { roomId: r.room.id, participantId: me, status: previous });
    }
  }
}

export const timerActions = {
  start: (minutes: number, type: TimerType) => act('start-timer', { roomId: roomId(), duration: Math.round(minutes * 60), type }),
  pause: () => act('pause-timer', { roomId: roomId() }),
  resume: () => act('resume-timer', { roomId: roomId() }),
  reset: () => act('reset-timer', { roomId: roomId() }),
};

/** What the room says while a start cut off by a dropped connection waits. */
const START_WAITING = "Reconnecting… Your block starts as soon as you're back.";
/**
 * How long that start waits for the room to be joined again: as long as
 * the server keeps a seat; reconnect tries are at most 10 s apart.
 */
const START_REJOIN_WAIT_MS = 30_000;

/**
 * startFocus starts my focus session and my block together (plannedMinutes
 * 5–240, or null: open-ended). When the connection drops before the answer
 * (or is down at the click), it waits for the room to be joined again and
 * tries once more, so the press is not lost; a session the first try did
 * start is picked up (session_active).
 */
export async function startFocus(goals: string[], shareGoals: boolean, plannedMinutes: number | null = null): Promise<Session> {
  try {
    return await startFocusOnce(goals, shareGoals, plannedMinutes);
  } catch (e) {
    const id = currentRoomId.value;
    if (!(e instanceof NotConnectedError) || !id) throw e;
    notice.value = START_WAITING;
    if (!(await rejoined(id, START_REJOIN_WAIT_MS))) {
      if (currentRoomId.value === id) notice.value = e.message; // not once they left
      throw e;
    }
    return await startFocusOnce(goals, shareGoals, plannedMinutes);
  }
}

/** Waiting for the next room-joined (rejoined). */
const rejoinWaiters = new Set<() => void>();

/** rejoined resolves true at the next room-joined of room id, false after ms. */
function rejoined(id: string, ms: number): Promise<boolean> {
  return new Promise((resolve) => {
    const done = (ok: boolean) => {
      clearTimeout(timer);
      rejoinWaiters.delete(waiter);
      resolve(ok);
    };
    const waiter = () => done(room.value?.room.id === id);
    const timer = setTimeout(() => done(false), ms);
    rejoinWaiters.add(waiter);
  });
}

async function startFocusOnce(goals: string[], shareGoals: boolean, plannedMinutes: number | null): Promise<Session> {
  try {
    const data: Data = { roomId: roomId(), goals, shareGoals };
    if (plannedMinutes !== null) data.plannedMinutes = plannedMinutes;
    const reply = await act('start-focus-session', data);
    return reply.session as Session;
  } catch (e) {
    if (e instanceof SocketError && e.code === 'session_active') {
      // Started elsewhere (another tab): pick it up instead.
      const latest = (await api.history(null)).sessions[0];
      if (latest && !latest.endedAt && latest.roomId === room.value?.room.id) {
        mySession.value = latest;
        notice.value = null;
        return latest;
      }
    }
    throw e;
  }
}

let progressTimer: ReturnType<typeof setTimeout> | undefined;
/** My progress as last set while disconnected: sent once the room is joined again. */
let unsentProgress: { sessionId: string; progress: number } | null = null;

const UNSENT_PROGRESS = "You're not connected right now. Your progress is kept here and saved once you're back.";

function sendProgress(sessionId: string, progress: number): void {
  unsentProgress = null;
  act('update-progress', { sessionId, progress }).catch((e) => {
    if (!(e instanceof NotConnectedError) && !(e instanceof SocketError && e.code === 'timeout')) return;
    unsentProgress = { sessionId, progress };
    notice.value = UNSENT_PROGRESS;
  });
}

/** resendProgress sends, after a reconnect, the progress set while the socket was down (if the session is still open). */
function resendProgress(r: RoomState): void {
  const u = unsentProgress;
  if (!u) return;
  const focus = r.participants.find((p) => p.id === myId())?.focus;
  if (focus?.sessionId === u.sessionId) sendProgress(u.sessionId, u.progress);
  else unsentProgress = null;
}

/** setProgress shows the change at once and tells the room after a short pause. */
export function setProgress(progress: number): void {
  const s = mySession.value;
  const r = room.value;
  if (!s || !r) return;
  mySession.value = { ...s, progress };
  room.value = reduce(r, 'focus-session-updated', { roomId: r.room.id, session: { ...s, progress } });
  clearTimeout(progressTimer);
  progressTimer = setTimeout(() => sendProgress(s.id, progress), 400);
}

/** A check-in made while disconnected: sent once the room is joined again. */
let unsentCompletion: Data | null = null;

const UNSENT_CHECKIN = "You're not connected right now. Your check-in is kept here and saved once you're back.";

/**
 * completeFocus completes my session with the check-in. While the socket is
 * down the check-in is kept and sent after the rejoin (resendCompletion):
 * the answer is then null, and the room's notice says it is not saved yet.
 */
export async function completeFocus(achievements: string[], rating: number | null): Promise<Session | null> {
  const s = mySession.value;
  if (!s) throw new NotConnectedError();
  clearTimeout(progressTimer);
  unsentProgress = null;
  const data: Data = { sessionId: s.id, achievements };
  if (rating !== null) data.rating = rating;
  try {
    const reply = await act('complete-session', data);
    return reply.session as Session;
  } catch (e) {
    if (!(e instanceof NotConnectedError)) throw e;
    unsentCompletion = data;
    mySession.value = null;
    notice.value = UNSENT_CHECKIN;
    return null;
  }
}

/**
 * resendCompletion sends, after a rejoin, the check-in made while the socket
 * was down; it tells whether one was waiting (the session it completes is
 * then not picked up again as open).
 */
function resendCompletion(r: RoomState): boolean {
  const data = unsentCompletion;
  if (!data) return false;
  unsentCompletion = null;
  const focus = r.participants.find((p) => p.id === myId())?.focus;
  if (focus?.sessionId !== data.sessionId) {
    notice.value = "Your check-in couldn't be saved: that block had already ended.";
    return false;
  }
  act('complete-session', data).then(
    () => announce('Your check-in is saved.'),
    (e) => {
      if (e instanceof NotConnectedError) {
        unsentCompletion = data; // dropped again: the next rejoin sends it
        notice.value = UNSENT_CHECKIN;
      }
    },
  );
  return true;
}

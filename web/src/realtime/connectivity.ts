// Telling "you are offline" apart from "Body Double can't be reached".
// navigator.onLine === false is reliable: the device has no network at all,
// and the browser fires 'online' when it comes back. onLine === true only
// says some network exists, so a connection that fails while it is true
// means the server (or the way to it) is down. Both states recover by
// themselves: the socket retries with backoff (client.ts), and the screen
// shown when the app could not start probes the server (retryUntilReachable).
import { signal, type Signal } from '@preact/signals';
import { backoffDelay } from './backoff';
import type { ConnectionState } from './client';

/** Problem is why Body Double can't be reached right now. */
export type Problem = 'offline' | 'unreachable';

/** NetworkEvents is the part of window that says when the network comes and goes. */
export type NetworkEvents = Pick<EventTarget, 'addEventListener' | 'removeEventListener'>;

/** networkOnline follows navigator.onLine (kept up to date by watchNetwork). */
export const networkOnline = signal(typeof navigator === 'undefined' || navigator.onLine !== false);

/** watchNetwork keeps `out` equal to isOnline() on every 'online' and 'offline' event; it returns the unwatch. */
export function watchNetwork(target: NetworkEvents, isOnline: () => boolean, out: Signal<boolean> = networkOnline): () => void {
  const update = () => (out.value = isOnline());
  update();
  target.addEventListener('online', update);
  target.addEventListener('offline', update);
  return () => {
    target.removeEventListener('online', update);
    target.removeEventListener('offline', update);
  };
}

if (typeof window !== 'undefined' && typeof navigator !== 'undefined') watchNetwork(window, () => navigator.onLine);

/**
 * connectionProblem is what the connection banner reports: offline whenever
 * the device has no network (whatever the socket thinks yet), unreachable
 * while online and the socket is waiting to reconnect, otherwise nothing.
 * A closed client is signed out: there is nothing to reconnect.
 */
export function connectionProblem(state: ConnectionState, online: boolean): Problem | null {
  if (state === 'closed') return null;
  if (!online) return 'offline';
  return state === 'reconnecting' ? 'unreachable' : null;
}

/**
 * BANNER is the banner's text for each problem. Requests made while the
 * socket is down are refused, not queued (client.ts), so it says so rather
 * than promising to keep them. "Reconnecting…" stays in the unreachable text:
 * it is what the socket is doing.
 */
export const BANNER: Record<Problem, { title: string; detail: string }> = {
  offline: {
    title: "You're offline.",
    detail: "We'll reconnect when your connection is back. Changes you make until then won't be saved.",
  },
  unreachable: {
    title: "Can't reach Body Double right now.",
    detail: "Reconnecting… Changes you make until then won't be saved.",
  },
};

/** SCREEN is the text of the screen shown when the app could not start, for each problem. */
export const SCREEN: Record<Problem, { title: string; body: string; pageTitle: string }> = {
  offline: {
    title: "You're offline.",
    body: "We'll reconnect when your connection is back.",
    pageTitle: 'Offline',
  },
  unreachable: {
    title: "Can't reach Body Double right now.",
    body: "Retrying… This page carries on by itself once it answers.",
    pageTitle: "Can't reach Body Double",
  },
};

export interface RetryOptions {
  /** probe resolves true once the server answers as it should. */
  probe: () => Promise<boolean>;
  /** onReachable runs once, after the first probe that succeeds. */
  onReachable: () => void;
  isOnline: () => boolean;
  events: NetworkEvents;
  random?: () => number;
  /** The first wait, in ms; it doubles up to 30 s. */
  baseMs?: number;
}

/** Retrier retries by itself; now() is the "Try again" button. */
export interface Retrier {
  now(): void;
  stop(): void;
}

/**
 * retryUntilReachable probes the server with backoff until it answers, then
 * calls onReachable. While the device is offline it does not probe (it
 * could not succeed) but waits for the 'online' event, which probes at once
 * and starts the backoff over.
 */
export function retryUntilReachable(o: RetryOptions): Retrier {
  let attempt = 0;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let inFlight = false;
  let done = false;

  const schedule = () => {
    clearTimeout(timer);
    if (done || !o.isOnline()) return; // the 'online' event tries again
    timer = setTimeout(tryNow, backoffDelay(attempt++, o.random, o.baseMs ?? 1000, 30_000));
  };
  const tryNow = () => {
    clearTimeout(timer);
    if (done || inFlight) return;
    if (!o.isOnline()) return;
    inFlight = true;
    o.probe().then(
      (ok) => finish(ok),
      () => finish(false),
    );
  };
  const finish = (ok: boolean) => {
    inFlight = false;
    if (done) return;
    if (ok) {
      stop();
      o.onReachable();
      return;
    }
    schedule();
  };
  const online = () => {
    attempt = 0;
    tryNow();
  };
  const stop = () => {
    done = true;
    clearTimeout(timer);
    o.events.removeEventListener('online', online);
  };

  o.events.addEventListener('online', online);
  schedule();
  return { now: tryNow, stop };
}

/**
 * probeServer says whether the server answers: any answer below 500 will do
 * (a 401 is an answer too). The session endpoint is not cached by the
 * service worker, unlike the app shell.
 */
export async function probeServer(fetchFn: typeof fetch = fetch): Promise<boolean> {
  try {
    const res = await fetchFn('/api/auth/session', { cache: 'no-store', credentials: 'same-origin', headers: { Accept: 'application/json' } });
    return res.status < 500;
  } catch {
    return false;
  }
}

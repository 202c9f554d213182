// How Lobby, History and Settings talk about a request that got no answer:
// "offline" only when the device has no network, otherwise Body Double
// can't be reached; and they retry by themselves (with backoff, at once
// when the network comes back), as the room's banner and the start screen do.
import { useEffect, useRef } from 'preact/hooks';
import { ApiError, NetworkError } from '../lib/api';
import { networkOnline, retryUntilReachable, type Retrier } from '../realtime/connectivity';

export const OFFLINE_TEXT = "You're offline. We'll try again when your connection is back.";
export const UNREACHABLE_TEXT = "Can't reach Body Double right now. Retrying…";

/** noAnswerText says why a request got no answer: no network, or a server that is away. */
export function noAnswerText(online: boolean = networkOnline.value): string {
  return online ? UNREACHABLE_TEXT : OFFLINE_TEXT;
}

/** problemText is a calm sentence for a failed request. */
export function problemText(e: unknown, fallback = 'Something went wrong. Please try again.'): string {
  if (e instanceof NetworkError) return noAnswerText();
  if (e instanceof ApiError && e.code === 'rate_limited') return 'Lots happening at once. Please try again in a moment.';
  return e instanceof ApiError ? e.message : fallback;
}

/**
 * useRetryUntilAnswered returns retry(attempt): while the server gives no
 * answer, it runs `attempt` again with backoff (at once on 'online') until
 * it resolves true; a newer call replaces the older. It stops on unmount.
 */
export function useRetryUntilAnswered(): (attempt: () => Promise<boolean>) => void {
  const current = useRef<Retrier | null>(null);
  useEffect(() => () => current.current?.stop(), []);
  return (attempt) => {
    current.current?.stop();
    current.current = retryUntilReachable({
      probe: attempt,
      onReachable: () => (current.current = null),
      isOnline: () => navigator.onLine,
      events: window,
    });
  };
}

/** NO_ANSWER stands for "no answer" in a screen's error state, so that its words follow the network live. */
export const NO_ANSWER = '\u0000no-answer';

/** failure is what a screen keeps of a failed request: NO_ANSWER, or the words to show. */
export function failure(e: unknown, fallback?: string): string {
  return e instanceof NetworkError ? NO_ANSWER : problemText(e, fallback);
}

/** failureText is the words for a kept failure (read during render: it follows the network). */
export function failureText(f: string): string {
  return f === NO_ANSWER ? noAnswerText() : f;
}

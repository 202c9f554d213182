// A small router on the History API: the path is a signal; screens are
// chosen by matching it in app.tsx.
import { signal } from '@preact/signals';

export type Route =
  | { name: 'landing' }
  | { name: 'lobby' }
  | { name: 'room'; id: string }
  | { name: 'history' }
  | { name: 'settings' }
  | { name: 'moderation' }
  | { name: 'privacy' }
  | { name: 'not-found' };

export function match(pathname: string): Route {
  const p = pathname.replace(/\/+$/, '') || '/';
  if (p === '/') return { name: 'landing' };
  if (p === '/lobby') return { name: 'lobby' };
  if (p === '/history') return { name: 'history' };
  if (p === '/settings') return { name: 'settings' };
  if (p === '/moderation') return { name: 'moderation' };
  if (p === '/privacy') return { name: 'privacy' };
  const room = /^\/room\/([^/]+)$/.exec(p);
  if (room) return { name: 'room', id: decodeURIComponent(room[1]!) };
  return { name: 'not-found' };
}

export const path = signal(typeof location === 'undefined' ? '/' : location.pathname);

export function navigate(to: string, opts: { replace?: boolean } = {}): void {
  if (to === location.pathname) return;
  if (opts.replace) history.replaceState(null, '', to);
  else history.pushState(null, '', to);
  path.value = to;
}

export function listen(): void {
  addEventListener('popstate', () => {
    path.value = location.pathname;
  });
}

/** isPlainClick tells a left click without modifiers, which the router handles itself. */
export function isPlainClick(e: MouseEvent): boolean {
  return e.button === 0 && !e.metaKey && !e.ctrlKey && !e.shiftKey && !e.altKey;
}

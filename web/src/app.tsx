import { computed, useSignalEffect } from '@preact/signals';
import { useEffect, useRef } from 'preact/hooks';
import { Shell } from './components/Shell';
import { lazy } from './components/lazy';
import { match, navigate, path } from './lib/router';
import { formatClock } from './room/timer';
import { Landing } from './screens/Landing';
import { Lobby } from './screens/Lobby';
import { NotFound } from './screens/NotFound';
import { Banned } from './screens/Banned';
import { BootError, Offline } from './screens/Offline';
import { RoomScreen } from './screens/Room';
import { blockLeft, loopPhase } from './room/loopState';
import { room, secondsLeft } from './state/room';
import { banned } from './state/banned';
import { boot } from './state/session';
import { screenTitle } from './state/title';
import { user } from './state/user';

const History = lazy(() => import('./screens/History'));
const Settings = lazy(() => import('./screens/Settings'));
const Moderation = lazy(() => import('./screens/Moderation'));
const Privacy = lazy(() => import('./screens/Privacy'));

/**
 * The tab title, visible from other tabs: the screen, led by your own
 * block's time left while it runs (it is yours, whatever the room's timer
 * does), else by the room timer's; nothing leads "Block done", so the end
 * of a block cannot be read as a clock that went back.
 */
const documentTitle = computed(() => {
  const r = room.value;
  const base = screenTitle.value ? `${screenTitle.value} · Body Double` : 'Body Double';
  if (!r) return base;
  const phase = loopPhase.value;
  if (phase === 'block' && blockLeft.value !== null) return `${formatClock(blockLeft.value)} left · ${base}`;
  if (phase === 'done') return base;
  return r.timer.state === 'running' ? `${formatClock(secondsLeft.value)} · ${base}` : base;
});

export function App() {
  useSignalEffect(() => {
    document.title = documentTitle.value;
  });
  // Signed in at "/": the lobby is home.
  useSignalEffect(() => {
    if (user.value && boot.value === 'ready' && match(path.value).name === 'landing') navigate('/lobby', { replace: true });
  });
  useFocusOnNavigation();

  const state = boot.value;
  if (state === 'loading') {
    return (
      <main class="grid min-h-dvh place-items-center">
        <h1 class="sr-only">Body Double</h1>
        <p class="appear-late text-muted">Loading…</p>
      </main>
    );
  }
  if (state === 'offline') return <Offline />;
  if (state === 'error') return <BootError />;
  if (!user.value) {
    // The privacy page is open to everyone (linked from the landing page).
    if (match(path.value).name === 'privacy') return <main class="px-5 py-10"><Privacy signedIn={false} /></main>;
    return <Landing />;
  }
  if (banned.value) return <Banned ban={banned.value} />;

  const route = match(path.value);
  return (
    <Shell>
      {(route.name === 'lobby' || route.name === 'landing') && <Lobby />}
      {route.name === 'room' && <RoomScreen key={route.id} id={route.id} />}
      {route.name === 'history' && <History />}
      {route.name === 'settings' && <Settings />}
      {route.name === 'moderation' && <Moderation />}
      {route.name === 'privacy' && <Privacy signedIn />}
      {route.name === 'not-found' && <NotFound />}
    </Shell>
  );
}

/** After an in-app navigation, focus moves to the new screen's heading, as a page load would. */
function useFocusOnNavigation() {
  const first = useRef(true);
  const p = path.value;
  useEffect(() => {
    if (first.current) {
      first.current = false;
      return;
    }
    scrollTo(0, 0);
    requestAnimationFrame(() => document.querySelector<HTMLElement>('main h1')?.focus());
  }, [p]);
}

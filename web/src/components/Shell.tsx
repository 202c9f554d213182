import type { ComponentChildren } from 'preact';
import { path } from '../lib/router';
import { formatClock } from '../room/timer';
import { announcement } from '../state/announce';
import { BANNER, connectionProblem, networkOnline } from '../realtime/connectivity';
import { rt } from '../state/realtime';
import { currentRoomId, requestLeave, room, secondsLeft } from '../state/room';
import { user } from '../state/user';
import { ChartIcon, LeaveIcon, LockIcon, Logo, PeopleIcon, SlidersIcon } from './icons';
import { Link } from './Link';
import { UserText } from './UserText';

const NAV = [
  { href: '/lobby', label: 'Lobby', Icon: PeopleIcon, testId: 'nav-lobby' },
  { href: '/history', label: 'History', Icon: ChartIcon, testId: 'nav-history' },
  { href: '/settings', label: 'Settings', Icon: SlidersIcon, testId: 'nav-settings' },
];

/** Moderators and admins also get the moderation page. */
const MOD_NAV = { href: '/moderation', label: 'Moderation', Icon: LockIcon, testId: 'nav-moderation' };

/** Shell is the frame of every signed-in screen: header, connection state, the room you are in, and the live region. */
export function Shell({ children }: { children: ComponentChildren }) {
  const here = path.value;
  const role = user.value?.role;
  const nav = role === 'moderator' || role === 'admin' ? [...NAV, MOD_NAV] : NAV;
  return (
    <>
      <a href="#main" class="sr-only focus:not-sr-only focus:absolute focus:left-2 focus:top-2 focus:z-50 btn">
        Skip to content
      </a>
      <header class="border-b border-border bg-surface">
        <div class="mx-auto flex max-w-5xl items-center gap-2 px-3 py-2 sm:px-4">
          <Link href="/lobby" class="flex min-h-11 items-center gap-2 rounded-lg pr-2 font-bold">
            <Logo />
            <span class="hidden sm:inline">Body Double</span>
            <span class="sr-only sm:hidden">Body Double, lobby</span>
          </Link>
          <nav aria-label="Main" class="ml-auto">
            <ul class="flex gap-1">
              {nav.map(({ href, label, Icon, testId }) => {
                const current = here === href;
                return (
                  <li key={href}>
                    <Link
                      href={href}
                      data-testid={testId}
                      aria-current={current ? 'page' : undefined}
                      class={`flex min-h-11 min-w-14 flex-col items-center justify-center gap-0.5 rounded-lg px-2 text-xs font-semibold sm:flex-row sm:gap-1.5 sm:px-3 sm:text-sm ${current ? 'bg-accent-soft text-text' : 'text-muted hover:text-text'}`}
                    >
                      <Icon size={18} />
                      {label}
                    </Link>
                  </li>
                );
              })}
            </ul>
          </nav>
        </div>
        <ConnectionBanner />
      </header>
      <RoomBar />
      <main id="main" class="mx-auto max-w-5xl px-3 pb-16 pt-4 sm:px-4 sm:pt-6">
        {children}
      </main>
      <div role="status" aria-live="polite" aria-atomic="true" class="sr-only" data-testid="announcer">
        {announcement.value}
      </div>
    </>
  );
}

/**
 * ConnectionBanner says, calmly, when Body Double can't be reached and why:
 * the device is offline, or it is online and the server does not answer.
 * It goes away by itself when the socket is back (or the network, outside a room).
 */
function ConnectionBanner() {
  const problem = connectionProblem(rt.state.value, networkOnline.value);
  // The live region stays in the page so that the change is announced.
  return (
    <div role="status">
      {problem && (
        <p
          data-testid="reconnecting"
          data-reason={problem}
          class="border-b border-border bg-surface-2 px-4 py-2 text-center text-sm"
        >
          <strong class="font-semibold">{BANNER[problem].title}</strong> {BANNER[problem].detail}
        </p>
      )}
    </div>
  );
}

/** RoomBar shows the room you are still in while you look at another screen. */
function RoomBar() {
  const r = room.value;
  const id = currentRoomId.value;
  if (!r || !id || path.value === `/room/${id}`) return null;
  const running = r.timer.state !== 'idle';
  return (
    <aside aria-label="Your room" data-testid="room-bar" class="border-b border-border bg-accent-soft">
      <div class="mx-auto flex max-w-5xl flex-wrap items-center gap-x-3 gap-y-1 px-3 py-1.5 text-sm sm:px-4">
        <p class="mr-auto min-w-0">
          You're in <UserText as="strong" text={r.room.name} />
          {running && (
            <>
              {' · '}
              <span class="tabular-nums">{formatClock(secondsLeft.value)}</span>
              {r.timer.state === 'paused' && ' (paused)'}
            </>
          )}
        </p>
        <Link href={`/room/${id}`} class="btn btn-quiet link" data-testid="room-bar-back">
          Back to the room
        </Link>
        <button type="button" class="btn btn-quiet" onClick={requestLeave}>
          <LeaveIcon size={18} /> Leave
        </button>
      </div>
    </aside>
  );
}

// Signing in and out. On load a browser that signed in before asks
// GET /api/auth/session once: a 401 means the session ended (the landing
// page), no answer at all means offline. A browser that never signed in
// does not ask: its 401 would be an error in the console on every first
// visit, and "Start anonymously" returns the identity of a session cookie
// it may still hold anyway.
import { signal } from '@preact/signals';
import { ApiError, NetworkError, api, setBannedHandler, setUnauthorizedHandler } from '../lib/api';
import { navigate } from '../lib/router';
import { readJSON, writeJSON } from '../lib/storage';
import type { Preferences, User } from '../lib/types';
import { banFromProblem, banned, bannedBySocket, setBanStopper, showBanned } from './banned';
import { rt } from './realtime';
import { currentRoomId, resetRoom } from './room';
import { forgetUser, mergePrefs, prefs, user } from './user';

export type BootState = 'loading' | 'ready' | 'offline' | 'error';

export const boot = signal<BootState>('loading');

/** Set while this browser holds a session, so that a first visit makes no request that fails. */
const SIGNED_IN_KEY = 'bd.signedIn';

export async function bootstrap(): Promise<void> {
  if (!readJSON('localStorage', SIGNED_IN_KEY, false)) {
    user.value = null;
    boot.value = 'ready';
    return;
  }
  boot.value = 'loading';
  try {
    const s = await api.session();
    signedIn(s.user);
    boot.value = 'ready';
  } catch (e) {
    if (e instanceof ApiError && e.status === 401) {
      writeJSON('localStorage', SIGNED_IN_KEY, null);
      user.value = null;
      boot.value = 'ready';
    } else {
      boot.value = e instanceof NetworkError ? 'offline' : 'error';
    }
  }
}

function signedIn(u: User): void {
  writeJSON('localStorage', SIGNED_IN_KEY, true);
  user.value = u;
  api.preferences().then((p) => (prefs.value = mergePrefs(p)), () => {});
  // A reload inside a room: the socket rejoins it as soon as it opens.
  if (currentRoomId.value) rt.start();
}

export async function startAnonymous(): Promise<void> {
  const s = await api.startAnonymous();
  signedIn(s.user);
}

/** signedOut forgets everything about the identity and shows the landing page. */
export function signedOut(): void {
  writeJSON('localStorage', SIGNED_IN_KEY, null);
  rt.stop();
  resetRoom();
  forgetUser();
  banned.value = null;
  navigate('/', { replace: true });
}

export async function signOut(): Promise<void> {
  await api.logout();
  signedOut();
}

export async function saveProfile(displayName: string): Promise<void> {
  user.value = await api.updateProfile({ displayName });
}

/** savePrefs applies a change at once and keeps it unless the server refuses. */
export async function savePrefs(patch: Partial<Preferences>): Promise<void> {
  const before = prefs.value;
  prefs.value = mergePrefs({ ...before, ...patch });
  try {
    prefs.value = mergePrefs(await api.updatePreferences(patch));
  } catch (e) {
    prefs.value = before;
    throw e;
  }
}

setUnauthorizedHandler(signedOut);
rt.onSignedOut = signedOut;
setBannedHandler((p) => showBanned(banFromProblem(p)));
rt.onBanned = bannedBySocket;
setBanStopper(() => {
  rt.stop();
  resetRoom();
});

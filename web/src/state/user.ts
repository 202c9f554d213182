// Who is signed in, and their preferences (cached, so the display settings
// apply before the first request returns).
import { batch, effect, signal } from '@preact/signals';
import { readJSON, writeJSON } from '../lib/storage';
import { DEFAULT_PREFERENCES, type Preferences, type User } from '../lib/types';

const PREFS_KEY = 'bd.prefs';

export const user = signal<User | null>(null);

export const prefs = signal<Preferences>(mergePrefs(readJSON('localStorage', PREFS_KEY, null)));

export function mergePrefs(p: Partial<Preferences> | null): Preferences {
  return {
    ...DEFAULT_PREFERENCES,
    ...p,
    notificationSettings: { ...DEFAULT_PREFERENCES.notificationSettings, ...p?.notificationSettings },
    accessibilitySettings: { ...DEFAULT_PREFERENCES.accessibilitySettings, ...p?.accessibilitySettings },
  };
}

effect(() => {
  if (user.value) writeJSON('localStorage', PREFS_KEY, prefs.value);
});

/** forgetUser drops the identity and its cached preferences (sign out). */
export function forgetUser(): void {
  batch(() => {
    user.value = null;
    prefs.value = DEFAULT_PREFERENCES;
  });
  writeJSON('localStorage', PREFS_KEY, null);
}

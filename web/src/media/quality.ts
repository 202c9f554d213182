// "Higher video quality" (Settings): kept in this browser, read when the
// camera starts and applied at once to a camera that is on.
import { effect, signal } from '@preact/signals';
import { readJSON, writeJSON } from '../lib/storage';

const KEY = 'bd.video.high';

export const highQuality = signal<boolean>(readJSON<unknown>('localStorage', KEY, false) === true);

effect(() => writeJSON('localStorage', KEY, highQuality.value ? true : null));

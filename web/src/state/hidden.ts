// People this person chose to hide, remembered per signed-in identity.
import { effect, signal } from '@preact/signals';
import { readJSON, writeJSON } from '../lib/storage';
import { user } from './user';

export const hidden = signal<ReadonlySet<string>>(new Set());

const key = (uid: string) => `bd.hidden.${uid}`;

effect(() => {
  const u = user.value;
  hidden.value = new Set(u ? readJSON<string[]>('localStorage', key(u.id), []) : []);
});

export function setHidden(id: string, hide: boolean): void {
  const u = user.value;
  if (!u) return;
  const next = new Set(hidden.value);
  if (hide) next.add(id);
  else next.delete(id);
  hidden.value = next;
  writeJSON('localStorage', key(u.id), [...next]);
}

// A set of other people's ids that this person chose (hidden, muted, video
// hidden), remembered per signed-in identity in localStorage: switching
// identity shows that identity's own choices.
import { effect, signal, type Signal } from '@preact/signals';
import { readJSON, writeJSON } from '../lib/storage';
import { user } from './user';

export interface PersonSet {
  ids: Signal<ReadonlySet<string>>;
  set: (id: string, on: boolean) => void;
}

/** personSet keeps the ids under `${prefix}.${userId}`. */
export function personSet(prefix: string): PersonSet {
  const ids = signal<ReadonlySet<string>>(new Set());
  effect(() => {
    const u = user.value;
    ids.value = new Set(u ? readJSON<string[]>('localStorage', `${prefix}.${u.id}`, []) : []);
  });
  return {
    ids,
    set(id, on) {
      const u = user.value;
      if (!u) return;
      const next = new Set(ids.value);
      if (on) next.add(id);
      else next.delete(id);
      ids.value = next;
      writeJSON('localStorage', `${prefix}.${u.id}`, [...next]);
    },
  };
}

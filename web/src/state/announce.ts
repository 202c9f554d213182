// One polite live region for the whole app (rendered by the shell): timer
// milestones and the outcome of actions, never every second.
import { signal } from '@preact/signals';

export const announcement = signal('');

let seq = 0;

export function announce(text: string): void {
  // Clear first so that the same words, said twice, are read twice.
  const mine = ++seq;
  announcement.value = '';
  setTimeout(() => {
    if (mine === seq) announcement.value = text;
  }, 50);
}

// People this person chose to hide, remembered per signed-in identity, and
// the people they blocked (state/blocks.ts), who are hidden the same way.
import { computed } from '@preact/signals';
import { blockedIds } from './blocks';
import { personSet } from './personset';

const people = personSet('bd.hidden');

export const hidden = computed<ReadonlySet<string>>(() => {
  const blocked = blockedIds.value;
  return blocked.size ? new Set([...people.ids.value, ...blocked]) : people.ids.value;
});

export function setHidden(id: string, hide: boolean): void {
  people.set(id, hide);
}

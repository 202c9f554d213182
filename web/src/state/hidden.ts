// People this person chose to hide, remembered per signed-in identity.
import { personSet } from './personset';

const people = personSet('bd.hidden');

export const hidden = people.ids;

export function setHidden(id: string, hide: boolean): void {
  people.set(id, hide);
}

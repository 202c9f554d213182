import { UserText } from '../components/UserText';
import type { Participant } from '../lib/types';
import { REACTIONS, emojiOf } from './company';
import { calmUntil, reactions, sendReaction } from '../state/reactions';
import { room } from '../state/room';

/**
 * ReactionButtons cheers someone silently: a small fixed set, no words.
 * Past the limit the buttons rest for a moment (aria-disabled, so the focus
 * stays where it is) instead of showing an error.
 */
export function ReactionButtons({ p }: { p: Participant }) {
  const resting = calmUntil.value > 0;
  return (
    <div role="group" aria-label={`Cheer ${p.displayName} quietly`} class="-mb-1 flex flex-wrap items-center gap-1" data-testid="reactions" data-resting={resting ? 'true' : 'false'}>
      {REACTIONS.map((r) => (
        <button
          key={r.kind}
          type="button"
          class={`btn btn-quiet min-w-11 px-2 text-lg leading-none ${resting ? 'opacity-50' : ''}`}
          aria-disabled={resting ? 'true' : undefined}
          title={r.label}
          data-testid={`react-${r.kind}`}
          onClick={() => void sendReaction(p.id, r.kind)}
        >
          <span aria-hidden="true">{r.emoji}</span>
          <span class="sr-only">{r.label} for <UserText text={p.displayName} /></span>
        </button>
      ))}
    </div>
  );
}

/**
 * ReceivedReactions shows, for a few seconds, the reactions sent to this
 * tile (people the viewer hid never appear: state/reactions.ts drops them).
 * Screen readers hear the ones meant for them from the announcer.
 */
export function ReceivedReactions({ p }: { p: Participant }) {
  const mine = reactions.value.filter((r) => r.to === p.id);
  if (!mine.length) return null;
  const people = room.value?.participants ?? [];
  return (
    <ul class="flex flex-wrap gap-1.5" aria-label={`Cheers for ${p.displayName}`}>
      {mine.map((r) => {
        const from = people.find((x) => x.id === r.from)?.displayName ?? 'Someone';
        return (
          <li
            key={r.id}
            class="inline-flex max-w-full items-center gap-1 rounded-full bg-accent-soft px-2.5 py-0.5 text-sm animate-fade-in"
            data-testid="tile-reaction"
            data-reaction={r.reaction}
            data-from={r.from}
          >
            <span aria-hidden="true">{emojiOf(r.reaction)}</span>
            <span class="min-w-0">
              <span class="sr-only">{REACTIONS.find((x) => x.kind === r.reaction)?.label} </span>from <UserText text={from} />
            </span>
          </li>
        );
      })}
    </ul>
  );
}

import { Avatar } from '../components/Avatar';
import { HideIcon, ShowIcon } from '../components/icons';
import { ProgressRing } from '../components/ProgressRing';
import { StatusBadge } from '../components/Status';
import { UserText } from '../components/UserText';
import type { Participant } from '../lib/types';
import { localVideo } from '../media/state';
import { MediaBadges, OwnPreview, RemoteMedia, TileMediaActions } from '../media/TileMedia';
import { blockedIds } from '../state/blocks';
import { setHidden } from '../state/hidden';
import { companyNow, finished } from '../state/reactions';
import { blockText, markOf, type Mark } from './company';
import { ReactionButtons, ReceivedReactions } from './Reactions';
import { BlockedTile, ReportAction } from './ReportSheet';

interface Props {
  p: Participant;
  isMe: boolean;
  hidden: boolean;
}

const AVATAR = 48;

const MARK_TEXT: Record<Exclude<Mark, null>, string> = { joined: 'Just joined', finished: 'Finished a block' };

/** TileMark is a quiet note for a couple of minutes: who just arrived, who just finished a block. */
function TileMark({ mark }: { mark: Mark }) {
  if (!mark) return null;
  return (
    <span class="inline-flex items-center rounded-full bg-accent-soft px-2 py-0.5 text-xs font-semibold" data-testid="participant-mark" data-mark={mark}>
      {MARK_TEXT[mark]}
    </span>
  );
}

/**
 * Tile is one person in the room: who, their status, how their block is
 * going and how long it has left, their shared goals, and quiet company:
 * who just arrived or finished, and silent cheers.
 */
export function Tile({ p, isMe, hidden }: Props) {
  if (!isMe && blockedIds.value.has(p.id)) return <BlockedTile p={p} />;
  if (hidden) {
    return (
      <li class="card flex items-center justify-between gap-3 p-3" data-testid="participant-tile" data-participant-id={p.id} data-hidden="true">
        <span class="text-sm text-muted">Someone you hid</span>
        <button type="button" class="btn btn-quiet text-sm" data-testid="show-participant" onClick={() => setHidden(p.id, false)}>
          <ShowIcon size={18} /> Show
        </button>
      </li>
    );
  }
  const focus = p.focus;
  const now = companyNow.value;
  const mark = markOf(p, finished.value.get(p.id), now);
  return (
    <li
      class={`card flex flex-col gap-2 p-3 animate-fade-in sm:p-4 ${isMe ? 'border-accent' : ''}`}
      data-testid="participant-tile"
      data-participant-id={p.id}
      data-status={p.status}
    >
      {!isMe && <RemoteMedia p={p} />}
      <div class="flex items-center gap-3">
        {/* The picture area: my own camera, small and mirrored, takes my avatar's place when it is on. */}
        {isMe && localVideo.value ? (
          <OwnPreview />
        ) : focus ? (
          <ProgressRing value={focus.progress} size={AVATAR + 12}>
            <Avatar id={p.id} name={p.displayName} url={p.avatarUrl} size={AVATAR} />
          </ProgressRing>
        ) : (
          <span class="inline-flex items-center justify-center" style={{ width: `${AVATAR + 12}px`, height: `${AVATAR + 12}px` }}>
            <Avatar id={p.id} name={p.displayName} url={p.avatarUrl} size={AVATAR} />
          </span>
        )}
        <div class="min-w-0 flex-1">
          {/* The whole name, on two lines if need be: never cut. */}
          <p class="font-semibold leading-snug" data-testid="participant-name">
            <UserText text={p.displayName} />
            {isMe && <span class="font-normal text-muted"> (you)</span>}
          </p>
          <p class="flex flex-wrap items-center gap-x-2 gap-y-1">
            <StatusBadge status={p.status} />
            <TileMark mark={isMe && mark === 'joined' ? null : mark} />
          </p>
          <MediaBadges p={p} />
          {focus && (
            <p class="text-sm text-muted" data-testid="participant-progress">
              Focusing · {focus.progress}% · <span data-testid="participant-block">{blockText(focus, now)}</span>
            </p>
          )}
        </div>
        {!isMe && (
          <button type="button" class="btn btn-quiet -mr-2 -mt-2 self-start px-2 text-sm text-muted" data-testid="hide-participant" onClick={() => setHidden(p.id, true)}>
            <HideIcon size={18} /> Hide<span class="sr-only"> <UserText text={p.displayName} /></span>
          </button>
        )}
      </div>
      {focus?.goals && focus.goals.length > 0 && (
        <div>
          <p class="text-xs font-semibold uppercase tracking-wide text-muted">Goals</p>
          <ul class="list-disc pl-5 text-sm">
            {focus.goals.map((g, i) => <li key={i}><UserText text={g} /></li>)}
          </ul>
        </div>
      )}
      <ReceivedReactions p={p} />
      {!isMe && <TileMediaActions p={p} />}
      {!isMe && <ReactionButtons p={p} />}
      {!isMe && <ReportAction p={p} />}
    </li>
  );
}

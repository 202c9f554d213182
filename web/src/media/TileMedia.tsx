// The camera in a participant's tile, and what one person can do about
// another's camera and mic on their own screen (hide the video, mute), plus
// "Remove from room" for the room's creator.
import { useEffect, useRef, useState } from 'preact/hooks';
import { Dialog } from '../components/Dialog';
import { UserText } from '../components/UserText';
import { CameraIcon, HideIcon, MicIcon, MicOffIcon, ShowIcon } from '../components/icons';
import type { Participant } from '../lib/types';
import { room } from '../state/room';
import { user } from '../state/user';
import { localVideo, muted, myMedia, remote, removeParticipant, setMuted, setVideoHidden, videoHidden } from './state';

/** usePlaying attaches stream to the element and starts it playing. */
function usePlaying<E extends HTMLMediaElement>(stream: MediaStream) {
  const ref = useRef<E>(null);
  useEffect(() => {
    const el = ref.current;
    if (!el) return;
    if (el.srcObject !== stream) el.srcObject = stream;
    void el.play().catch(() => {});
  }, [stream]);
  return ref;
}

/**
 * Video plays a stream, muted (sound, where there is any, has its own
 * element). srcObject can only be set from script; the CSP is happy with that.
 * It is decorative for screen readers: the tile says "Camera on" in words.
 */
function Video({ stream, mirrored, small, testId }: { stream: MediaStream; mirrored?: boolean; small?: boolean; testId: string }) {
  const ref = usePlaying<HTMLVideoElement>(stream);
  const size = small ? 'h-[60px] w-20' : 'aspect-[4/3] w-full';
  return (
    <video
      ref={ref}
      autoplay
      muted
      playsInline
      aria-hidden="true"
      data-testid={testId}
      class={`${size} rounded-lg bg-black object-cover ${mirrored ? '-scale-x-100' : ''}`}
    />
  );
}

/** Sound plays one person's microphone (open rooms only, unless muted here). */
function Sound({ stream }: { stream: MediaStream }) {
  const ref = usePlaying<HTMLAudioElement>(stream);
  return <audio ref={ref} autoplay data-testid="participant-audio" />;
}

/** OwnPreview is my camera, small and mirrored (as in a mirror), in my own tile. */
export function OwnPreview() {
  const s = localVideo.value;
  if (!s) return null;
  return (
    <span class="relative inline-flex shrink-0">
      <Video stream={s} mirrored small testId="own-video" />
    </span>
  );
}

/** RemoteMedia is another person's video (when I watch and have not hidden it) and sound. */
export function RemoteMedia({ p }: { p: Participant }) {
  const view = remote.value.get(p.id);
  const r = room.value;
  const showVideo = !!view?.video && p.media?.camera && myMedia.value.watching && !videoHidden.value.has(p.id);
  const playSound = !!view?.audio && r?.room.micPolicy === 'open' && p.media?.mic && !muted.value.has(p.id);
  return (
    <>
      {showVideo && <Video stream={view.video!} testId="participant-video" />}
      {playSound && <Sound stream={view.audio!} />}
    </>
  );
}

/** MediaBadges says in words what a person shares. */
export function MediaBadges({ p }: { p: Participant }) {
  const open = room.value?.room.micPolicy === 'open';
  const cam = p.media?.camera;
  const mic = open && p.media?.mic;
  if (!cam && !mic) return null;
  return (
    <p class="flex flex-wrap gap-x-3 text-sm text-muted" data-testid="participant-media">
      {cam && <span class="inline-flex items-center gap-1"><CameraIcon size={16} /> Camera on</span>}
      {mic && <span class="inline-flex items-center gap-1"><MicIcon size={16} /> Mic on</span>}
    </p>
  );
}

/** TileMediaActions: hide or show someone's video, mute or unmute them, and (for the room's creator) remove them. */
export function TileMediaActions({ p }: { p: Participant }) {
  const r = room.value;
  const me = user.value;
  const open = r?.room.micPolicy === 'open';
  const isHidden = videoHidden.value.has(p.id);
  const isMuted = muted.value.has(p.id);
  const canHideVideo = p.media?.camera && (myMedia.value.watching || isHidden);
  const canMute = open && (p.media?.mic || isMuted);
  const canRemove = !!r && !!me && r.room.createdBy === me.id && p.id !== me.id;
  if (!canHideVideo && !canMute && !canRemove) return null;
  const who = <span class="sr-only"> {p.displayName}</span>;
  return (
    <div class="-mb-1 flex flex-wrap gap-1">
      {canHideVideo && (
        <button
          type="button"
          class="btn btn-quiet px-2 text-sm text-muted"
          data-testid={isHidden ? 'show-video' : 'hide-video'}
          onClick={() => setVideoHidden(p.id, !isHidden)}
        >
          {isHidden ? <ShowIcon size={18} /> : <HideIcon size={18} />}
          {isHidden ? 'Show video' : 'Hide video'}
          <span class="sr-only"> of {p.displayName}</span>
        </button>
      )}
      {canMute && (
        <button
          type="button"
          class={`btn btn-quiet px-2 text-sm ${isMuted ? 'bg-accent-soft text-text' : 'text-muted'}`}
          data-testid={isMuted ? 'unmute-participant' : 'mute-participant'}
          aria-pressed={isMuted}
          onClick={() => setMuted(p.id, !isMuted)}
        >
          {isMuted ? <MicOffIcon size={18} /> : <MicIcon size={18} />}
          Mute{who}
        </button>
      )}
      {canRemove && <RemoveButton p={p} />}
    </div>
  );
}

function RemoveButton({ p }: { p: Participant }) {
  const [open, setOpen] = useState(false);
  const [busy, setBusy] = useState(false);
  const titleId = `remove-title-${p.id}`;

  async function confirm() {
    setBusy(true);
    await removeParticipant(p.id);
    setBusy(false);
    setOpen(false);
  }

  return (
    <>
      <button type="button" class="btn btn-quiet px-2 text-sm text-muted" data-testid="remove-participant" onClick={() => setOpen(true)}>
        Remove from room<span class="sr-only">: {p.displayName}</span>
      </button>
      <Dialog open={open} onClose={() => setOpen(false)} labelledBy={titleId} testId="remove-dialog">
        <h2 id={titleId} class="mb-3 text-xl font-bold">Remove <UserText text={p.displayName} /> from this room?</h2>
        <p class="mb-5">They leave at once and can't come back to this room for 24 hours. They are told the host asked them to leave.</p>
        <div class="flex flex-wrap justify-end gap-2">
          <button type="button" class="btn" onClick={() => setOpen(false)}>Cancel</button>
          <button type="button" class="btn btn-danger" disabled={busy} data-testid="remove-confirm" onClick={confirm}>
            {busy ? 'Removing…' : 'Remove'}
          </button>
        </div>
      </Dialog>
    </>
  );
}

// Camera, microphone and watching others: what this tab shares, the
// pictures on screen, and the person's local choices (hide someone's video,
// mute someone). This file is in the initial bundle and stays small; the
// WebRTC side (engine.ts) loads the first time the person turns something on.
//
// Everything starts off. The camera or mic start only on the person's click;
// leaving the room, losing the socket or closing the tab turns them off.
import { batch, effect, signal, untracked } from '@preact/signals';
import type { Media } from '../lib/types';
import { NotConnectedError, SocketError } from '../realtime/client';
import { rt } from '../state/realtime';
import { personSet } from '../state/personset';
import { notice, onRoomEvent, room } from '../state/room';
import { user } from '../state/user';
import { NO_MEDIA, cameraErrorText, mediaEqual, micErrorText } from './rules';

/** What this tab shares and whether it watches, as the server accepted it. */
export const myMedia = signal<Media>(NO_MEDIA);
/** The control that is starting (asking for the camera, say), to show it busy. */
export const busy = signal<keyof Media | null>(null);
/** A calm line under the controls: why the camera did not start, or turned off. */
export const mediaNotice = signal<string | null>(null);
/** My camera, for my own small mirrored preview. */
export const localVideo = signal<MediaStream | null>(null);
/** My microphone (open rooms only). */
export const localAudio = signal<MediaStream | null>(null);

export interface RemoteView {
  video: MediaStream | null;
  audio: MediaStream | null;
}
/** What arrives from each person I am connected to, by user id. */
export const remote = signal<ReadonlyMap<string, RemoteView>>(new Map());

// ---- local choices about other people, remembered per identity -------------

const hiddenVideo = personSet('bd.videoHidden');
const mutedPeople = personSet('bd.muted');
/** People whose video this person chose not to see. */
export const videoHidden = hiddenVideo.ids;
export const setVideoHidden = hiddenVideo.set;
/** People this person muted. */
export const muted = mutedPeople.ids;
export const setMuted = mutedPeople.set;

// ---- the engine, loaded on first use ----------------------------------------

type Engine = typeof import('./engine');
let engine: Engine | null = null;
let loading: Promise<Engine> | null = null;

function loadEngine(): Promise<Engine> {
  loading ??= import('./engine').then(
    (m) => (engine = m),
    (e: unknown) => {
      loading = null;
      throw e;
    },
  );
  return loading;
}

// ---- telling the room ---------------------------------------------------------

/** Set once this tab has sent media-state in the room: the server's media state for me is then this tab's. */
let claimed = false;
/** media-state requests on their way (their echo is not another tab's). */
let inFlight = 0;

/** tell sends media-state; it returns false (and says why) when the server refuses. */
async function tell(next: Media): Promise<boolean> {
  const r = room.value;
  if (!r) return false;
  inFlight++;
  try {
    await rt.request('media-state', { roomId: r.room.id, ...next });
    claimed = true;
    return true;
  } catch (e) {
    mediaNotice.value =
      e instanceof NotConnectedError
        ? "You're not connected right now. Try again once you're back."
        : e instanceof SocketError
          ? e.message
          : 'Something went wrong. Please try again.';
    return false;
  } finally {
    inFlight--;
  }
}

/** switchOff stops what is named at once (the camera light goes out), then tells the room. */
async function switchOff(kind: 'camera' | 'mic' | 'watching'): Promise<void> {
  if (kind === 'camera') engine?.stopCamera();
  if (kind === 'mic') engine?.stopMic();
  const next = { ...myMedia.value, [kind]: false };
  myMedia.value = next;
  await tell(next);
}

async function switchOn(kind: 'camera' | 'mic' | 'watching'): Promise<void> {
  const id = room.value?.room.id;
  if (!id || busy.value) return;
  busy.value = kind;
  mediaNotice.value = null;
  try {
    let e: Engine;
    try {
      e = await loadEngine();
    } catch {
      mediaNotice.value = "This part of Body Double didn't load. Check your connection and try again.";
      return;
    }
    await e.prepare();
    try {
      if (kind === 'camera') await e.startCamera();
      if (kind === 'mic') await e.startMic();
    } catch (err) {
      const name = err instanceof Error ? err.name : '';
      mediaNotice.value = kind === 'camera' ? cameraErrorText(name) : micErrorText(name);
      return;
    }
    if (room.value?.room.id !== id) {
      // Left (or moved) while the browser was asking: nothing stays on.
      e.stopCamera();
      e.stopMic();
      return;
    }
    const next = { ...myMedia.value, [kind]: true };
    if (await tell(next)) {
      myMedia.value = next;
    } else {
      if (kind === 'camera') e.stopCamera();
      if (kind === 'mic') e.stopMic();
    }
  } finally {
    busy.value = null;
  }
}

export function setCamera(on: boolean): Promise<void> {
  return on ? switchOn('camera') : switchOff('camera');
}

export function setMic(on: boolean): Promise<void> {
  if (on && room.value?.room.micPolicy !== 'open') return Promise.resolve();
  return on ? switchOn('mic') : switchOff('mic');
}

export function setWatching(on: boolean): Promise<void> {
  return on ? switchOn('watching') : switchOff('watching');
}

/** stopAll turns everything off here, without telling the server (it already knows, or cannot be told). */
function stopAll(keepWatching: boolean): void {
  untracked(() => {
    const was = myMedia.value;
    engine?.shutdown();
    batch(() => {
      myMedia.value = keepWatching && was.watching ? { ...NO_MEDIA, watching: true } : NO_MEDIA;
      busy.value = null;
    });
  });
}

// ---- following the room -------------------------------------------------------

// Leaving the room (or moving to another) turns everything off.
let roomId: string | null = null;
effect(() => {
  const id = room.value?.room.id ?? null;
  if (id === roomId) return;
  roomId = id;
  stopAll(false);
  claimed = false;
  mediaNotice.value = null;
});

// Losing the socket closes the connections and turns camera and mic off;
// watching comes back with the room when the socket does.
effect(() => {
  if (rt.state.value === 'open') return;
  const was = myMedia.peek();
  if (!engine && mediaEqual(was, NO_MEDIA)) return;
  stopAll(true);
  if (was.camera || was.mic) mediaNotice.value = `Your ${was.camera ? 'camera' : 'microphone'} turned off while the connection was down.`;
});

onRoomEvent((event, data) => {
  if (event.startsWith('rtc-')) {
    engine?.handleSignal(event, data);
    return;
  }
  const me = user.value?.id;
  if (event === 'room-joined') {
    // Joining makes this connection the person's media connection (the
    // server's rule), so the room's idea of my media must be this tab's:
    // after a reconnect, what it still wants (watching); after a reload or
    // from a new tab, off, unless it is off already.
    const stale = (data.participants as Array<{ id: string; media?: Media }> | undefined)?.find((p) => p.id === me)?.media;
    if (claimed || (stale && !mediaEqual(stale, myMedia.value))) void tell(myMedia.value);
    return;
  }
  if (event === 'media-state' && data.participantId === me && claimed && inFlight === 0) {
    const theirs: Media = { camera: data.camera === true, mic: data.mic === true, watching: data.watching === true };
    if (!mediaEqual(theirs, myMedia.value)) {
      // Another tab or window of mine sent it: media lives there now.
      stopAll(false);
      claimed = false;
      mediaNotice.value = 'Camera and video are now handled by your other Body Double tab.';
    }
  }
});

rt.onSendError = (event, data) => engine?.sendFailed(event, data);

if (typeof addEventListener === 'function') addEventListener('pagehide', () => engine?.shutdown());

// ---- removing someone (the room's creator) -------------------------------------

export async function removeParticipant(participantId: string): Promise<boolean> {
  const r = room.value;
  if (!r) return false;
  try {
    notice.value = null;
    await rt.request('remove-participant', { roomId: r.room.id, participantId });
    return true;
  } catch (e) {
    notice.value = e instanceof NotConnectedError || e instanceof SocketError ? e.message : 'Something went wrong.';
    return false;
  }
}

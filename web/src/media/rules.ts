// The pure parts of camera and microphone (docs/protocol.md "Camera,
// microphone and signalling"): who connects to whom, who is polite, what an
// SDP says about audio, the capture settings, and the pace of signalling.
// No browser API here, so all of it is unit tested (rules.test.ts).
import type { Media } from '../lib/types';

export const NO_MEDIA: Media = { camera: false, mic: false, watching: false };

/** sharing: this person sends something (camera, or mic where allowed). */
const sharing = (m: Media) => m.camera || m.mic;

/**
 * shouldConnect says whether two people need a peer connection: either of
 * them shares (camera, or mic in an open room) and the other watches or
 * shares too. It is symmetric, so both sides reach the same answer from the
 * same broadcasts. In a muted room nobody has the mic on, so this is the
 * protocol's rule exactly ("camera on, and the other watching or with the
 * camera on").
 */
export function shouldConnect(a: Media, b: Media): boolean {
  return (sharing(a) && (b.watching || sharing(b))) || (sharing(b) && (a.watching || sharing(a)));
}

/** peersFor lists the participants this person should be connected to. */
export function peersFor(
  meId: string,
  mine: Media,
  participants: ReadonlyArray<{ id: string; media?: Media | null }>,
): string[] {
  return participants.filter((p) => p.id !== meId && shouldConnect(mine, p.media ?? NO_MEDIA)).map((p) => p.id);
}

/** isPolite: of two peers, the one whose user id sorts lower rolls back its own offer on a collision. */
export function isPolite(meId: string, otherId: string): boolean {
  return meId < otherId;
}

/** mediaEqual compares two media states. */
export function mediaEqual(a: Media, b: Media): boolean {
  return a.camera === b.camera && a.mic === b.mic && a.watching === b.watching;
}

// ---- SDP -------------------------------------------------------------------

interface Section {
  kind: string;
  port: number;
  lines: string[];
}

function sections(sdp: string): Section[] {
  const out: Section[] = [];
  let cur: Section | null = null;
  for (const line of sdp.split(/\r?\n/)) {
    const m = /^m=(\S+) (\d+)/.exec(line);
    if (m) {
      cur = { kind: m[1]!, port: Number(m[2]), lines: [] };
      out.push(cur);
    } else if (cur) {
      cur.lines.push(line.trim());
    }
  }
  return out;
}

/**
 * hasLiveAudio says whether an SDP has an audio section that could carry
 * sound: one that is not rejected (port 0) and not `a=inactive`. The server
 * refuses such an SDP in a muted room; the app never sends one there.
 */
export function hasLiveAudio(sdp: string): boolean {
  return sections(sdp).some((s) => s.kind === 'audio' && s.port !== 0 && !s.lines.includes('a=inactive'));
}

/** sessionOf is the session id of an SDP's o= line: a new one means the other side started a new peer connection. */
export function sessionOf(sdp: string): string | null {
  const m = /^o=\S+ (\d+) /m.exec(sdp);
  return m ? m[1]! : null;
}

/**
 * preferredCodecs keeps the codecs we negotiate: VP8 (every browser has it)
 * with its retransmissions for video, Opus for audio. Fewer codecs keep an
 * SDP well under the server's 12,000-byte limit. Empty when none match (then
 * the browser's defaults stay).
 */
export function preferredCodecs<C extends { mimeType: string }>(kind: 'audio' | 'video', codecs: readonly C[]): C[] {
  const want = kind === 'video' ? ['video/vp8', 'video/rtx'] : ['audio/opus'];
  const main = kind === 'video' ? 'video/vp8' : 'audio/opus';
  const picked = codecs.filter((c) => want.includes(c.mimeType.toLowerCase()));
  return picked.some((c) => c.mimeType.toLowerCase() === main) ? picked : [];
}

// ---- capture ----------------------------------------------------------------

export interface VideoSettings {
  width: number;
  height: number;
  frameRate: number;
  /** Bits per second, per receiving peer. */
  maxBitrate: number;
}

/** The body-doubling default: enough to see someone working, light on everyone's connection. */
export const VIDEO_DEFAULT: VideoSettings = { width: 320, height: 240, frameRate: 15, maxBitrate: 150_000 };
/** "Higher video quality" in Settings. */
export const VIDEO_HIGH: VideoSettings = { width: 640, height: 480, frameRate: 15, maxBitrate: 500_000 };

export function videoSettings(high: boolean): VideoSettings {
  return high ? VIDEO_HIGH : VIDEO_DEFAULT;
}

/** videoConstraints asks the camera for about the given size and frame rate. */
export function videoConstraints(s: VideoSettings): MediaTrackConstraints {
  return {
    width: { ideal: s.width },
    height: { ideal: s.height },
    frameRate: { ideal: s.frameRate, max: s.frameRate },
  };
}

// ---- pacing ------------------------------------------------------------------

/**
 * Pacer is a token bucket for outgoing signalling: the server allows about
 * 20 events a second (burst 40) on a socket, and a mesh of 8 sets up a lot
 * of ICE candidates at once. take() says whether a message may go now, else
 * wait() is how many milliseconds until one may.
 */
export class Pacer {
  private tokens: number;
  private last: number;

  constructor(
    private readonly perSecond: number,
    private readonly burst: number,
    private readonly now: () => number = Date.now,
  ) {
    this.tokens = burst;
    this.last = now();
  }

  private refill(): void {
    const t = this.now();
    this.tokens = Math.min(this.burst, this.tokens + ((t - this.last) / 1000) * this.perSecond);
    this.last = t;
  }

  take(): boolean {
    this.refill();
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }

  wait(): number {
    this.refill();
    return this.tokens >= 1 ? 0 : Math.ceil(((1 - this.tokens) / this.perSecond) * 1000);
  }
}

// ---- messages ------------------------------------------------------------------

/** cameraErrorText and micErrorText turn a getUserMedia failure (its name) into what the person reads. */
export function cameraErrorText(name: string): string {
  switch (name) {
    case 'NotAllowedError':
    case 'SecurityError':
      return "The camera is blocked for Body Double. You can allow it in your browser's site settings.";
    case 'NotFoundError':
    case 'OverconstrainedError':
      return "We couldn't find a camera on this device.";
    case 'NotReadableError':
    case 'AbortError':
      return 'The camera seems to be in use by another app. Close it and try again.';
    case 'insecure':
      return 'The camera needs a secure (https) connection to Body Double.';
    default:
      return "The camera didn't start. Please try again.";
  }
}

export function micErrorText(name: string): string {
  switch (name) {
    case 'NotAllowedError':
    case 'SecurityError':
      return "The microphone is blocked for Body Double. You can allow it in your browser's site settings.";
    case 'NotFoundError':
    case 'OverconstrainedError':
      return "We couldn't find a microphone on this device.";
    case 'NotReadableError':
    case 'AbortError':
      return 'The microphone seems to be in use by another app. Close it and try again.';
    case 'insecure':
      return 'The microphone needs a secure (https) connection to Body Double.';
    default:
      return "The microphone didn't start. Please try again.";
  }
}

// The WebRTC side of camera and microphone, loaded the first time a person
// turns something on (media/state.ts). A mesh: one RTCPeerConnection per
// person this one should be connected to (rules.ts shouldConnect), set up
// with the "perfect negotiation" pattern over the room socket
// (docs/protocol.md "Camera, microphone and signalling").
//
// Each side sends on a transceiver of its own (sendonly) and receives on the
// ones the other side creates (recvonly, or inactive when this person does
// not watch, hid the person, or muted them): so not watching, hiding and
// muting also stop the traffic, not only the picture. In a muted room no
// audio transceiver is ever added, remote audio is never played, and an SDP
// with a live audio section is never sent.
import { effect, untracked } from '@preact/signals';
import type { RoomState } from '../room/reduce';
import type { Data } from '../realtime/client';
import { hidden } from '../state/hidden';
import { rt } from '../state/realtime';
import { room } from '../state/room';
import { user } from '../state/user';
import { highQuality } from './quality';
import {
  Pacer, hasLiveAudio, isPolite, peersFor, preferredCodecs, sessionOf, videoConstraints, videoSettings,
} from './rules';
import {
  localAudio, localVideo, muted, myMedia, remote, setCamera, setMic, videoHidden, type RemoteView,
} from './state';

// ---- ICE servers -------------------------------------------------------------

const ICE_REFRESH_MS = 10 * 60_000;
let servers: RTCIceServer[] = [];
let serversAt = 0;

/** debugRelay: localStorage bd.debug.relay = "1" forces every connection through TURN (browser tests). */
function debugRelay(): boolean {
  try {
    return localStorage.getItem('bd.debug.relay') === '1';
  } catch {
    return false;
  }
}

/** prepare fetches the STUN/TURN servers (short-lived credentials) when they are missing or old; none if that fails. */
export async function prepare(): Promise<void> {
  if (serversAt && Date.now() - serversAt < ICE_REFRESH_MS) return;
  try {
    const res = await fetch('/api/rtc/ice-servers', { credentials: 'same-origin', headers: { Accept: 'application/json' } });
    const body = res.ok ? ((await res.json()) as { iceServers?: unknown }) : null;
    servers = Array.isArray(body?.iceServers) ? (body.iceServers as RTCIceServer[]) : [];
  } catch {
    servers = [];
  }
  serversAt = Date.now();
}

// Credentials last an hour: keep them fresh for connections made later, while anything is on.
setInterval(() => {
  if (myMedia.peek().camera || myMedia.peek().mic || myMedia.peek().watching) void prepare();
}, ICE_REFRESH_MS / 2);

// ---- signalling out ------------------------------------------------------------

const pacer = new Pacer(12, 24);
const outbox: Array<{ event: string; data: Data }> = [];
let flushTimer: ReturnType<typeof setTimeout> | undefined;

/** send queues a signalling message, paced under the server's rate limit. */
function send(event: string, data: Data): void {
  outbox.push({ event, data });
  flush();
}

function flush(): void {
  clearTimeout(flushTimer);
  flushTimer = undefined;
  while (outbox.length > 0) {
    if (!pacer.take()) {
      flushTimer = setTimeout(flush, pacer.wait());
      return;
    }
    const m = outbox.shift()!;
    rt.send(m.event, m.data);
  }
}

/** sendFailed gets the server's error for a signalling message. */
export function sendFailed(event: string, data: Data): void {
  // not_in_room: the other person left (or moved) meanwhile; the room's events tear down.
  if (data.code === 'not_in_room') return;
  console.warn(`Body Double: ${event} was refused (${String(data.code)}): ${String(data.message)}`);
}

// ---- one connection ------------------------------------------------------------

const isOpenRoom = (r: RoomState | null) => r?.room.micPolicy === 'open';

/** A connection that is not up after this long starts over. */
const CONNECT_TIMEOUT_MS = 10_000;
/**
 * How long the polite side of a new connection waits for the other side's
 * first offer before making its own. Two first offers crossing make the
 * polite side roll back an offer whose ICE gathering had started, after
 * which Chromium may never gather candidates for the connection.
 */
const POLITE_WAIT_MS = 1500;

class Peer {
  readonly pc: RTCPeerConnection;
  readonly polite: boolean;
  /** My sending transceivers: created on first use, then re-used. */
  sendVideo: RTCRtpTransceiver | null = null;
  sendAudio: RTCRtpTransceiver | null = null;
  view: RemoteView = { video: null, audio: null };
  remoteSession: string | null = null;
  /** The SDPs sent to this person, newest last (the browser tests read them). */
  readonly sent: Array<{ type: string; sdp: string }> = [];
  closed = false;
  /** Set once a description from the other side has been applied. */
  settled = false;
  readonly createdAt = Date.now();
  /** Fires when the connection has not come up in time. */
  private watchdog: ReturnType<typeof setTimeout> | undefined;
  /** What happened to this connection, for debugging (window.__bdMedia.log()). */
  readonly log: string[] = [];
  private makingOffer = false;
  private ignoreOffer = false;
  private queue: Promise<void> = Promise.resolve();

  constructor(
    readonly id: string,
    meId: string,
  ) {
    this.polite = isPolite(meId, id);
    this.pc = new RTCPeerConnection({
      iceServers: servers,
      iceTransportPolicy: debugRelay() ? 'relay' : 'all',
      bundlePolicy: 'max-bundle',
    });
    const pc = this.pc;
    const note = (s: string) => this.note(s);
    pc.onsignalingstatechange = () => note(`signaling ${pc.signalingState}`);
    pc.oniceconnectionstatechange = () => note(`ice ${pc.iceConnectionState}`);
    pc.onicegatheringstatechange = () => note(`gathering ${pc.iceGatheringState}`);
    pc.onnegotiationneeded = async () => {
      note('negotiationneeded');
      try {
        this.makingOffer = true;
        await pc.setLocalDescription();
        this.sendDescription();
      } catch (e) {
        if (!this.closed) console.warn('Body Double: making an offer failed', e);
      } finally {
        this.makingOffer = false;
      }
    };
    pc.onicecandidate = ({ candidate }) => {
      // The end of candidates (null) is not sent: browsers do without it, and it saves a message.
      if (candidate) note(`local candidate ${candidate.candidate}`);
      if (candidate && candidate.candidate) send('rtc-ice', { roomId: roomIdNow(), to: this.id, candidate: candidate.toJSON() });
    };
    pc.ontrack = ({ track, transceiver }) => {
      if (transceiver === this.sendVideo || transceiver === this.sendAudio) return;
      if (track.kind === 'video') this.view = { ...this.view, video: new MediaStream([track]) };
      else if (track.kind === 'audio' && isOpenRoom(room.peek())) this.view = { ...this.view, audio: new MediaStream([track]) };
      else return;
      publish();
    };
    pc.onconnectionstatechange = () => {
      note(`connection ${pc.connectionState}`);
      if (pc.connectionState === 'connected') clearTimeout(this.watchdog);
      if (pc.connectionState === 'failed') failed(this);
    };
    // Every connection carries something (that is why it exists), so it
    // should come up within seconds; one that did not starts over.
    this.watchdog = setTimeout(() => {
      if (pc.connectionState !== 'connected') failed(this);
    }, CONNECT_TIMEOUT_MS);
  }

  private sendDescription(): void {
    const d = this.pc.localDescription;
    if (!d || this.closed) return;
    if (!isOpenRoom(room.peek()) && hasLiveAudio(d.sdp)) {
      // Never happens with this app; a muted room gets no audio from it whatever goes wrong.
      console.warn('Body Double: not sending an SDP with audio in a muted room');
      return;
    }
    this.note(`send ${d.type}`);
    this.sent.push({ type: d.type, sdp: d.sdp });
    if (this.sent.length > 10) this.sent.shift();
    send(d.type === 'offer' ? 'rtc-offer' : 'rtc-answer', { roomId: roomIdNow(), to: this.id, sdp: d.sdp });
  }

  /** run runs incoming signalling one message at a time, in order. */
  private run(step: () => Promise<void>): void {
    this.queue = this.queue.then(step).catch((e: unknown) => {
      if (!this.closed) console.warn('Body Double: signalling failed', e);
    });
  }

  note(s: string): void {
    this.log.push(`${Date.now() - this.createdAt}ms ${s}`);
    if (this.log.length > 200) this.log.shift();
  }

  receiveDescription(desc: RTCSessionDescriptionInit, retried = false): void {
    this.note(`got ${desc.type}`);
    this.run(async () => {
      this.note(`apply ${desc.type} (makingOffer ${this.makingOffer}, ${this.pc.signalingState})`);
      if (this.closed) return;
      const pc = this.pc;
      const collision = desc.type === 'offer' && (this.makingOffer || pc.signalingState !== 'stable');
      this.ignoreOffer = !this.polite && collision;
      if (this.ignoreOffer) return;
      if (desc.type === 'answer' && pc.signalingState !== 'have-local-offer') return; // a stale answer
      try {
        await pc.setRemoteDescription(desc);
      } catch (e) {
        if (desc.type === 'offer' && !retried) {
          // The other side started over (a new connection we could not tell apart): so do we.
          restart(this, desc);
          return;
        }
        throw e;
      }
      this.remoteSession = sessionOf(desc.sdp ?? '') ?? this.remoteSession;
      this.settled = true;
      if (desc.type === 'offer') {
        syncPeer(this); // directions and codecs of what the offer brought, before answering
        await pc.setLocalDescription();
        this.sendDescription();
      }
    });
  }

  receiveCandidate(c: RTCIceCandidateInit): void {
    this.note(`got candidate ${c.candidate}`);
    this.run(async () => {
      if (this.closed) return;
      try {
        await this.pc.addIceCandidate(c);
      } catch (e) {
        if (!this.ignoreOffer && this.pc.remoteDescription) throw e;
      }
    });
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    clearTimeout(this.watchdog);
    const pc = this.pc;
    pc.onnegotiationneeded = pc.onicecandidate = pc.ontrack = pc.onconnectionstatechange = null;
    pc.onsignalingstatechange = pc.oniceconnectionstatechange = pc.onicegatheringstatechange = null;
    pc.close();
  }
}

// ---- the mesh --------------------------------------------------------------------

const peers = new Map<string, Peer>();
const retryTimers = new Map<string, ReturnType<typeof setTimeout>>();

function roomIdNow(): string {
  return room.peek()?.room.id ?? '';
}

function publish(): void {
  const next = new Map<string, RemoteView>();
  for (const [id, p] of peers) next.set(id, p.view);
  remote.value = next;
}

function create(id: string): Peer | null {
  const me = user.peek();
  if (!me) return null;
  const p = new Peer(id, me.id);
  peers.set(id, p);
  return p;
}

function drop(id: string): void {
  const p = peers.get(id);
  if (!p) return;
  p.close();
  peers.delete(id);
  publish();
}

/** wanted is who this person should be connected to now. */
function wanted(): Set<string> {
  const r = room.peek();
  const me = user.peek();
  if (!r || !me || rt.state.peek() !== 'open') return new Set();
  return new Set(peersFor(me.id, myMedia.peek(), r.participants));
}

/** restart replaces a connection the other side started over, applying their offer to the new one. */
function restart(old: Peer, offer: RTCSessionDescriptionInit): void {
  if (peers.get(old.id) !== old) return;
  drop(old.id);
  const p = create(old.id);
  if (!p) return;
  p.receiveDescription(offer, true);
  publish();
}

/** failed: a connection that failed (the network changed, the other tab died) starts over if still wanted. */
function failed(p: Peer): void {
  if (peers.get(p.id) !== p) return;
  p.note('starting over');
  drop(p.id);
  clearTimeout(retryTimers.get(p.id));
  retryTimers.set(
    p.id,
    setTimeout(() => {
      retryTimers.delete(p.id);
      reconcile();
    }, 1000 + Math.random() * 2000),
  );
}

function setCodecs(t: RTCRtpTransceiver, kind: 'audio' | 'video'): void {
  if (typeof t.setCodecPreferences !== 'function' || typeof RTCRtpReceiver.getCapabilities !== 'function') return;
  const picked = preferredCodecs(kind, RTCRtpReceiver.getCapabilities(kind)?.codecs ?? []);
  if (picked.length === 0) return;
  try {
    t.setCodecPreferences(picked);
  } catch {
    // The browser's defaults then.
  }
}

const coded = new WeakSet<RTCRtpTransceiver>();

/** syncPeer brings one connection's transceivers in line with what is shared and wanted. */
function syncPeer(p: Peer): void {
  if (p.closed) return;
  const r = room.peek();
  const mine = myMedia.peek();
  const open = isOpenRoom(r);
  const cam = mine.camera ? localVideo.peek()?.getVideoTracks()[0] ?? null : null;
  const mic = open && mine.mic ? localAudio.peek()?.getAudioTracks()[0] ?? null : null;
  const settings = videoSettings(highQuality.peek());
  // A new connection whose impolite side will offer anyway (it shares
  // something): the polite side adds its own after that first exchange.
  const other = r?.participants.find((x) => x.id === p.id)?.media;
  const wait = p.polite && !p.settled && (other?.camera || other?.mic) ? p.createdAt + POLITE_WAIT_MS - Date.now() : 0;
  if (wait > 0) {
    setTimeout(() => syncPeer(p), wait + 10);
  }
  const sending = wait <= 0;

  if (!sending) {
    // Not yet: see POLITE_WAIT_MS.
  } else if (cam && !p.sendVideo) {
    p.sendVideo = p.pc.addTransceiver(cam, {
      direction: 'sendonly',
      streams: [localVideo.peek()!],
      sendEncodings: [{ maxBitrate: settings.maxBitrate, maxFramerate: settings.frameRate }],
    });
  } else if (p.sendVideo) {
    sendOn(p.sendVideo, cam);
  }
  if (!sending) {
    // Not yet.
  } else if (mic && !p.sendAudio) {
    p.sendAudio = p.pc.addTransceiver(mic, { direction: 'sendonly', streams: [localAudio.peek()!] });
  } else if (p.sendAudio) {
    sendOn(p.sendAudio, open ? mic : null);
  }

  const watching = mine.watching && !hidden.peek().has(p.id) && !videoHidden.peek().has(p.id);
  const listening = open && !hidden.peek().has(p.id) && !muted.peek().has(p.id);
  for (const t of p.pc.getTransceivers()) {
    const kind = t.receiver.track.kind === 'audio' ? 'audio' : 'video';
    if (!coded.has(t)) {
      coded.add(t);
      setCodecs(t, kind);
    }
    if (t === p.sendVideo || t === p.sendAudio || t.currentDirection === 'stopped') continue;
    const dir: RTCRtpTransceiverDirection = (kind === 'video' ? watching : listening) ? 'recvonly' : 'inactive';
    if (t.direction !== dir && t.direction !== 'stopped') t.direction = dir;
  }
}

function sendOn(t: RTCRtpTransceiver, track: MediaStreamTrack | null): void {
  if (t.sender.track !== track) void t.sender.replaceTrack(track).catch(() => {});
  const dir: RTCRtpTransceiverDirection = track ? 'sendonly' : 'inactive';
  if (t.direction !== dir && t.direction !== 'stopped') t.direction = dir;
}

/** reconcile opens and closes connections so that they match who should be connected. */
function reconcile(): void {
  const want = wanted();
  for (const id of [...peers.keys()]) if (!want.has(id)) drop(id);
  for (const id of want) if (!peers.has(id) && !retryTimers.has(id)) create(id);
  for (const p of peers.values()) syncPeer(p);
  publish();
}

effect(() => {
  // What the connections depend on: the room (participants, their media,
  // the mic policy), the socket, what I share and watch, my choices about others.
  void room.value;
  void rt.state.value;
  void user.value;
  void myMedia.value;
  void localVideo.value;
  void localAudio.value;
  void hidden.value;
  void videoHidden.value;
  void muted.value;
  untracked(reconcile);
});

// ---- signalling in ------------------------------------------------------------------

/** handleSignal handles rtc-offer, rtc-answer and rtc-ice from the room socket. */
export function handleSignal(event: string, data: Data): void {
  const from = data.from;
  if (typeof from !== 'string' || data.roomId !== roomIdNow()) return;
  if (event === 'rtc-ice') {
    const c = data.candidate;
    if (c && typeof c === 'object' && typeof c.candidate === 'string') peers.get(from)?.receiveCandidate(c as RTCIceCandidateInit);
    return;
  }
  if ((event !== 'rtc-offer' && event !== 'rtc-answer') || typeof data.sdp !== 'string') return;
  const type = event === 'rtc-offer' ? 'offer' : 'answer';
  let p = peers.get(from);
  if (p && type === 'offer' && p.remoteSession && sessionOf(data.sdp) !== p.remoteSession) {
    // A new connection from them (they reloaded, or started over after a failure).
    drop(from);
    p = undefined;
  }
  if (!p) {
    // Only people this person should be connected to can start a connection.
    if (type !== 'offer' || !wanted().has(from)) return;
    clearTimeout(retryTimers.get(from));
    retryTimers.delete(from);
    const fresh = create(from);
    if (!fresh) return;
    fresh.receiveDescription({ type, sdp: data.sdp }); // answering brings the transceivers in line
    publish();
    return;
  }
  p.receiveDescription({ type, sdp: data.sdp });
}

// ---- capture ------------------------------------------------------------------------

function insecure(): Error {
  const e = new Error('media devices need a secure context');
  e.name = 'insecure';
  return e;
}

export async function startCamera(): Promise<void> {
  if (!navigator.mediaDevices?.getUserMedia) throw insecure();
  const s = await navigator.mediaDevices.getUserMedia({ video: videoConstraints(videoSettings(highQuality.peek())), audio: false });
  const track = s.getVideoTracks()[0];
  if (track) {
    track.contentHint = 'motion';
    // Unplugged, or the permission taken back: the camera is off.
    track.onended = () => {
      if (localVideo.peek() === s) void setCamera(false);
    };
  }
  stopCamera();
  localVideo.value = s;
}

/** stopLocal stops every track of a local stream and forgets it. */
function stopLocal(stream: typeof localVideo): void {
  const s = stream.peek();
  if (!s) return;
  for (const t of s.getTracks()) {
    t.onended = null;
    t.stop();
  }
  stream.value = null;
}

export function stopCamera(): void {
  stopLocal(localVideo);
}

export async function startMic(): Promise<void> {
  if (!navigator.mediaDevices?.getUserMedia) throw insecure();
  const s = await navigator.mediaDevices.getUserMedia({
    audio: { echoCancellation: true, noiseSuppression: true, autoGainControl: true },
    video: false,
  });
  const track = s.getAudioTracks()[0];
  if (track) {
    track.onended = () => {
      if (localAudio.peek() === s) void setMic(false);
    };
  }
  stopMic();
  localAudio.value = s;
}

export function stopMic(): void {
  stopLocal(localAudio);
}

// "Higher video quality" changed while the camera is on: apply it at once.
effect(() => {
  const s = videoSettings(highQuality.value);
  untracked(() => {
    const track = localVideo.value?.getVideoTracks()[0];
    if (!track) return;
    void track.applyConstraints(videoConstraints(s)).catch(() => {});
    for (const p of peers.values()) {
      const sender = p.sendVideo?.sender;
      if (!sender) continue;
      const params = sender.getParameters();
      if (!params.encodings?.length) continue;
      for (const e of params.encodings) {
        e.maxBitrate = s.maxBitrate;
        e.maxFramerate = s.frameRate;
      }
      void sender.setParameters(params).catch(() => {});
    }
  });
});

/** shutdown closes every connection and stops the camera and mic (leaving, a lost socket, the tab closing). */
export function shutdown(): void {
  for (const id of [...peers.keys()]) drop(id);
  for (const t of retryTimers.values()) clearTimeout(t);
  retryTimers.clear();
  outbox.length = 0;
  stopCamera();
  stopMic();
  publish();
}

// ---- for browser tests (web/README.md "Hooks for browser tests") ----------------------

interface PeerStats {
  connectionState: RTCPeerConnectionState;
  /** Video frames decoded from this person so far. */
  framesDecoded: number;
  /** The size of the last decoded frame. */
  frameWidth: number;
  frameHeight: number;
  /** The bitrate cap on my video to this person (bits/s), when I send it. */
  maxBitrate: number | null;
  /** The local candidate type of the pair in use ("host", "srflx", "relay"), if any. */
  localCandidateType: string | null;
}

async function stats(): Promise<Record<string, PeerStats>> {
  const out: Record<string, PeerStats> = {};
  for (const [id, p] of peers) {
    const report = await p.pc.getStats();
    let framesDecoded = 0;
    let frameWidth = 0;
    let frameHeight = 0;
    let pairId: string | undefined;
    const byId = new Map<string, Record<string, unknown>>();
    report.forEach((s: Record<string, unknown>) => {
      byId.set(String(s.id), s);
      if (s.type === 'inbound-rtp' && s.kind === 'video') {
        framesDecoded += Number(s.framesDecoded) || 0;
        frameWidth = Math.max(frameWidth, Number(s.frameWidth) || 0);
        frameHeight = Math.max(frameHeight, Number(s.frameHeight) || 0);
      }
      if (s.type === 'transport' && typeof s.selectedCandidatePairId === 'string') pairId = s.selectedCandidatePairId;
    });
    const pair = pairId ? byId.get(pairId) : undefined;
    const local = pair ? byId.get(String(pair.localCandidateId)) : undefined;
    out[id] = {
      connectionState: p.pc.connectionState,
      framesDecoded,
      frameWidth,
      frameHeight,
      maxBitrate: p.sendVideo?.sender.getParameters().encodings?.[0]?.maxBitrate ?? null,
      localCandidateType: local ? String(local.candidateType) : null,
    };
  }
  return out;
}

function log(): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const [id, p] of peers) out[id] = [...p.log];
  return out;
}

function sdp(): Record<string, Array<{ type: string; sdp: string }>> {
  const out: Record<string, Array<{ type: string; sdp: string }>> = {};
  for (const [id, p] of peers) out[id] = [...p.sent];
  return out;
}

(globalThis as { __bdMedia?: unknown }).__bdMedia = { stats, sdp, log };

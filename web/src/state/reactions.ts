// Company in the room beyond the reducer: silent reactions (shown on the
// tile they were sent to for a few seconds, never from someone hidden),
// who finished a block a moment ago, and a slow clock for "n min left".
// It follows the room's events through onRoomEvent, so the reducer stays
// about the room itself.
import { batch, effect, signal } from '@preact/signals';
import type { Participant, ReactionKind, Session } from '../lib/types';
import { SocketError, type Data } from '../realtime/client';
import { REACTION_MS, emojiOf, fullBucket, isReaction, refused, take } from '../room/company';
import { announce } from './announce';
import { hidden } from './hidden';
import { rt } from './realtime';
import { onRoomEvent, room } from './room';
import { user } from './user';

export interface ShownReaction {
  id: number;
  from: string;
  to: string;
  reaction: ReactionKind;
}

/** The reactions on screen now, oldest first. */
export const reactions = signal<ShownReaction[]>([]);
/** When each person (by id) last finished a block in this room, server ms. */
export const finished = signal<ReadonlyMap<string, number>>(new Map());
/** Until when (local ms) the reaction buttons rest; 0: they are ready. */
export const calmUntil = signal(0);
/** The server's time, every 15 s while in a room: enough for minutes left and the tile marks. */
export const companyNow = signal(rt.clock.now());

let seq = 0;
let bucket = fullBucket(Date.now());
let calmTimer: ReturnType<typeof setTimeout> | undefined;
let roomId: string | null = null;

effect(() => {
  if (!room.value) return;
  companyNow.value = rt.clock.now();
  const id = setInterval(() => (companyNow.value = rt.clock.now()), 15_000);
  return () => clearInterval(id);
});

const nameOf = (id: string): string => room.value?.participants.find((p: Participant) => p.id === id)?.displayName ?? 'Someone';

function show(data: Data): void {
  const { from, to, reaction } = data;
  if (typeof from !== 'string' || typeof to !== 'string' || !isReaction(reaction)) return;
  if (hidden.value.has(from)) return; // never from someone this person hid
  const r: ShownReaction = { id: ++seq, from, to, reaction };
  reactions.value = [...reactions.value.filter((x) => !(x.from === from && x.to === to)), r];
  setTimeout(() => (reactions.value = reactions.value.filter((x) => x.id !== r.id)), REACTION_MS);
  const me = user.value?.id;
  if (to === me) announce(`${nameOf(from)} cheered you ${emojiOf(reaction)}`);
  else if (from === me) announce(`You cheered ${nameOf(to)} ${emojiOf(reaction)}`);
}

function follow(event: string, data: Data): void {
  const current = room.value?.room.id ?? null;
  if (current !== roomId) {
    roomId = current;
    batch(() => {
      reactions.value = [];
      finished.value = new Map();
    });
  }
  if (event === 'reaction' && data.roomId === current) show(data);
  if (event === 'focus-session-completed') {
    const s = data.session as Session | undefined;
    if (!s || s.roomId !== current) return;
    const next = new Map(finished.value);
    next.set(s.userId, typeof data.serverTime === 'number' ? data.serverTime : rt.clock.now());
    finished.value = next;
  }
}

onRoomEvent(follow);

function calmDown(until: number): void {
  calmUntil.value = until;
  clearTimeout(calmTimer);
  calmTimer = setTimeout(() => (calmUntil.value = 0), Math.max(0, until - Date.now()));
}

/**
 * sendReaction cheers `to` silently. Past the limit (here, or the server's
 * rate_limited) the buttons rest for a moment instead of showing an error;
 * any other failure is dropped just as quietly: a reaction is never worth a
 * notice.
 */
export async function sendReaction(to: string, reaction: ReactionKind): Promise<void> {
  const id = room.value?.room.id;
  const now = Date.now();
  if (!id || calmUntil.value > now) return;
  const t = take(bucket, now);
  bucket = t.bucket;
  if (!t.ok) {
    calmDown(t.calmUntil);
    return;
  }
  if (t.calmUntil > now) calmDown(t.calmUntil);
  try {
    await rt.request('send-reaction', { roomId: id, to, reaction });
  } catch (e) {
    if (e instanceof SocketError && e.code === 'rate_limited') {
      const r = refused(Date.now());
      bucket = r.bucket;
      calmDown(r.calmUntil);
    }
  }
}

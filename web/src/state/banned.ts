// A banned person: every request but the session and logout answers 403
// `banned` {reason, until}, and the socket closes with 4403 (its reason is
// the ban's). Either way the app stops reconnecting and shows the Banned
// screen instead of everything else.
import { signal } from '@preact/signals';
import { api } from '../lib/api';
import type { Problem } from '../lib/types';

export interface BanInfo {
  reason: string;
  /** When it ends; null: until lifted; undefined: not known yet (only the socket said so). */
  until: string | null | undefined;
}

export const banned = signal<BanInfo | null>(null);

/** banFromProblem reads a `banned` problem; an absent `until` means until lifted. */
export function banFromProblem(p: Problem): BanInfo {
  return { reason: typeof p.reason === 'string' ? p.reason : '', until: typeof p.until === 'string' ? p.until : null };
}

/** Stops the realtime socket and leaves the room; set by state/session.ts. */
let stopAll: () => void = () => {};
export function setBanStopper(fn: () => void): void {
  stopAll = fn;
}

export function showBanned(info: BanInfo): void {
  const first = banned.value === null;
  banned.value = info;
  if (first) stopAll();
}

/**
 * bannedBySocket follows a 4403 close: the reason came with it; any REST
 * request then answers the full ban (with its end), which the API client
 * hands to showBanned.
 */
export function bannedBySocket(reason: string): void {
  showBanned({ reason: banned.value?.reason || reason, until: banned.value?.until });
  if (banned.value?.until === undefined) void api.preferences().catch(() => {});
}

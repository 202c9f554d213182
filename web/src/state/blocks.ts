// People this person blocked. The server marks them `blocked: true` in this
// person's room snapshots and events; a block made from a tile hides them
// at once, before the server's participant-updated arrives. Blocked people
// are hidden like the local "hide" (state/hidden.ts), with no way to show
// them but unblocking in Settings.
import { computed, effect, signal } from '@preact/signals';
import { api, type NewReport } from '../lib/api';
import { room } from './room';
import { user } from './user';

/** Ids blocked from this tab, until the server's mark takes over (or an unblock). */
const justBlocked = signal<ReadonlySet<string>>(new Set());

/** The outcome of the last report or block made from a tile, said on that person's hidden tile. */
export const lastBlock = signal<{ id: string; reported: boolean } | null>(null);

effect(() => {
  void user.value; // another identity has its own blocks
  justBlocked.value = new Set();
  lastBlock.value = null;
});

/** blockedIn lists the participants the server marked blocked, plus those blocked from this tab. */
export function blockedIn(participants: ReadonlyArray<{ id: string; blocked?: boolean }>, local: ReadonlySet<string>): Set<string> {
  const ids = new Set(local);
  for (const p of participants) if (p.blocked) ids.add(p.id);
  return ids;
}

export const blockedIds = computed(() => blockedIn(room.value?.participants ?? [], justBlocked.value));

function mark(id: string, on: boolean): void {
  const next = new Set(justBlocked.value);
  if (on) next.add(id);
  else next.delete(id);
  justBlocked.value = next;
}

/** reportPerson files a report (which also blocks them) and hides them at once. */
export async function reportPerson(r: NewReport): Promise<void> {
  await api.report(r);
  mark(r.userId, true);
  lastBlock.value = { id: r.userId, reported: true };
}

/** blockPerson blocks someone without a report. */
export async function blockPerson(id: string): Promise<void> {
  await api.block(id);
  mark(id, true);
  lastBlock.value = { id, reported: false };
}

export async function unblockPerson(id: string): Promise<void> {
  await api.unblock(id);
  mark(id, false);
}

/** outcomeText says plainly what happens after a report or a block. */
export function outcomeText(reported: boolean): string {
  return reported
    ? "They're hidden from you now and can't reach you. A moderator will look at your report."
    : "They're hidden from you now and can't reach you. You can unblock them in Settings.";
}

// The moderation page's rules (pure): ban lengths, what a resolution sends,
// and how reports and audit entries read.
import type { Resolution } from '../lib/api';
import type { AuditEntry, ModAction, ModReport, ReportReason } from '../lib/types';

export const REASON_MAX = 500;

export type BanLength = '24' | '168' | 'lifted';

export const BAN_LENGTHS: Array<{ value: BanLength; label: string }> = [
  { value: '24', label: '24 hours' },
  { value: '168', label: '7 days' },
  { value: 'lifted', label: 'Until lifted' },
];

export const REASON_LABELS: Record<ReportReason, string> = {
  harassment: 'Harassment',
  sexual: 'Sexual content',
  hate: 'Hate',
  spam: 'Spam',
  'self-harm': 'Self-harm',
  impersonation: 'Impersonation',
  other: 'Other',
};

/** reasonProblem says why a moderator's reason cannot be sent, or null. */
export function reasonProblem(reason: string): string | null {
  const n = [...reason.trim()].length;
  if (n === 0) return 'Give a reason: it goes in the audit log (and, for a ban, to the person).';
  if (n > REASON_MAX) return `Keep the reason to ${REASON_MAX} characters (it has ${n}).`;
  return null;
}

/** resolution is the body of POST /api/mod/reports/{id}/resolve; a ban until lifted sends no duration. */
export function resolution(action: ModAction, reason: string, length: BanLength): Resolution {
  const r: Resolution = { action, reason: reason.trim() };
  if (action === 'ban' && length !== 'lifted') r.durationHours = Number(length);
  return r;
}

/**
 * openElsewhere counts the other open reports against the reported person.
 * The server's count includes this report while it is open.
 */
export function openElsewhere(r: ModReport): number {
  const o = r.openReports;
  if (Array.isArray(o)) return o.filter((x) => x.id !== r.id).length;
  return typeof o === 'number' ? Math.max(0, o - (r.status === 'open' ? 1 : 0)) : 0;
}

/** otherNames are the person's recent names other than the current one, without repeats. */
export function otherNames(r: ModReport): string[] {
  const current = r.reportedUser?.displayName;
  const u = r.reportedUser;
  return [...new Set(u?.recentNames ?? u?.previousNames ?? [])].filter((n) => n !== current);
}

/** roomName is the name of the room the report names, when the server sent it. */
export function roomName(r: ModReport): string | null {
  return r.room?.name ?? r.roomName ?? null;
}

/** doneText confirms what a resolution did. */
export function doneText(action: ModAction, length: BanLength): string {
  if (action === 'dismiss') return 'Report dismissed.';
  if (action === 'remove') return 'Removed from the room.';
  return length === 'lifted' ? 'Banned until lifted.' : `Banned for ${BAN_LENGTHS.find((l) => l.value === length)!.label}.`;
}

const ACTIONS: Record<string, string> = {
  'role.set': 'Role set',
  'user.ban': 'Banned',
  'user.unban': 'Ban lifted',
  'user.reset-name': 'Name reset',
  'room.close': 'Room closed',
  'participant.remove': 'Removed from a room',
  'report.dismiss': 'Report dismissed',
  'report.resolve': 'Report resolved',
  'user.remove-avatar': 'Picture removed',
  'user.erase': 'Erased their data',
  'keys.rotate': 'Encryption key rotated',
  'keys.retire': 'Encryption key retired',
};

/** actionText is an audit action in words (an unknown one as it is). */
export function actionText(e: AuditEntry): string {
  return ACTIONS[e.action] ?? e.action;
}

/** closedText confirms a room's closing; the report itself stays open until resolved. */
export function closedText(room: string | null): string {
  return `${room ?? 'The room'} is closed: everyone in it left and nobody can join it. The report stays open until you resolve it.`;
}

/** renamedText confirms a name reset with the old and the new name. */
export function renamedText(oldName: string, newName: string): string {
  return `${oldName} is now called ${newName}.`;
}

/** RECENT_NAMES is how many earlier names the server keeps for a person. */
const RECENT_NAMES = 5;

/**
 * renamed is a report as it reads after its reported person's name was
 * reset to newName: the old name leads their recent names (as the server
 * lists them after a reset), and reports about someone else are unchanged.
 */
export function renamed(r: ModReport, userId: string, newName: string): ModReport {
  const u = r.reportedUser;
  if (r.reportedUserId !== userId || !u) return r;
  const earlier = [u.displayName, ...(u.recentNames ?? u.previousNames ?? [])].filter((n, i, all) => all.indexOf(n) === i);
  return { ...r, reportedUser: { ...u, displayName: newName, recentNames: earlier.slice(0, RECENT_NAMES) } };
}

// The report sheet's choices and rules (pure).
import type { ReportReason } from '../lib/types';

export const NOTE_MAX = 500;

export const REASONS: Array<{ value: ReportReason; label: string }> = [
  { value: 'harassment', label: 'Harassment or bullying' },
  { value: 'sexual', label: 'Sexual content' },
  { value: 'hate', label: 'Hate' },
  { value: 'spam', label: 'Spam or scams' },
  { value: 'self-harm', label: 'Self-harm' },
  { value: 'impersonation', label: 'Pretending to be someone else' },
  { value: 'other', label: 'Something else' },
];

/** noteProblem says why a note cannot be sent, or null (counted in characters, as the server does). */
export function noteProblem(note: string): string | null {
  const n = [...note].length;
  return n > NOTE_MAX ? `Keep the note to ${NOTE_MAX} characters (it has ${n}).` : null;
}

/** cleanNote is the note to send: trimmed, or nothing when empty. */
export function cleanNote(note: string): string | undefined {
  const t = note.trim();
  return t ? t : undefined;
}

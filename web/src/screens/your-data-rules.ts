// Rules of Settings' "Your data": the export's file name and the typed
// confirmation that guards erasing everything.

/** ERASE_WORD is what a person types to confirm erasing everything. */
export const ERASE_WORD = 'ERASE';

/** eraseConfirmed says whether typed is the confirmation word (spaces around it and letter case do not matter). */
export function eraseConfirmed(typed: string): boolean {
  return typed.trim().toUpperCase() === ERASE_WORD;
}

/** exportFileName names the export after the day in UTC, as the server does: body-double-export-2026-12-04.json. */
export function exportFileName(now: Date): string {
  return `body-double-export-${now.toISOString().slice(0, 10)}.json`;
}

/** EXPORT_URL is the export's address; the browser downloads it with the session cookie. */
export const EXPORT_URL = '/api/users/me/export';

/** What erasing removes, and what stays (without the person's name), as Settings says it. */
export const ERASE_GOES = [
  'your name, earlier names and picture',
  'your focus history, goals and streak',
  'your settings and the people you blocked',
  'your seat in any room (you leave it now)',
];
export const ERASE_STAYS = [
  'reports you filed or that were filed about you stay for moderators, without your name or id',
  'rooms you created stay open for the people in them',
];

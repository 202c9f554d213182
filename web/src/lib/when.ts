// Dates of safety screens, in the reader's own locale and time zone.

/** dateText: "12 Mar 2025" (local), or the raw text when it is no date. */
export function dateText(iso: string, locale?: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return d.toLocaleDateString(locale, { day: 'numeric', month: 'short', year: 'numeric' });
}

/** dateTimeText: "12 Mar 2025, 09:00" (local). */
export function dateTimeText(iso: string, locale?: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return d.toLocaleString(locale, { day: 'numeric', month: 'short', year: 'numeric', hour: '2-digit', minute: '2-digit' });
}

/** untilText is when a ban ends: a date and time, or "until lifted" for none. */
export function untilText(until: string | null | undefined, locale?: string): string {
  return until ? `until ${dateTimeText(until, locale)}` : 'until lifted';
}

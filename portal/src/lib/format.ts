/**
 * Dates and times as people read them. Every function takes an optional IANA `timeZone` (the
 * browser's by default) so that tests are independent of the machine's zone.
 */
const LOCALE = 'en-GB';

function format(value: Date | string, options: Intl.DateTimeFormatOptions, timeZone?: string): string {
  return new Intl.DateTimeFormat(LOCALE, { ...options, timeZone }).format(typeof value === 'string' ? new Date(value) : value);
}

/** "Tue, 3 Dec 2026". */
export const formatDate = (value: Date | string, timeZone?: string) =>
  format(value, { weekday: 'short', day: 'numeric', month: 'short', year: 'numeric' }, timeZone);

/** "3 Dec" — compact, for chart axes. */
export const formatShortDate = (value: Date | string, timeZone?: string) => format(value, { day: 'numeric', month: 'short' }, timeZone);

/** "10:42". */
export const formatTime = (value: Date | string, timeZone?: string) => format(value, { hour: '2-digit', minute: '2-digit', hour12: false }, timeZone);

/** "Tue, 3 Dec 2026, 10:42". */
export const formatDateTime = (value: Date | string, timeZone?: string) => `${formatDate(value, timeZone)}, ${formatTime(value, timeZone)}`;

/** "Tuesday 3 December" — a day heading. */
export const formatDayHeading = (value: Date | string, timeZone?: string) =>
  format(value, { weekday: 'long', day: 'numeric', month: 'long' }, timeZone);

/** The calendar day of `value` in `timeZone` as `YYYY-MM-DD` (a grouping key). */
export function dayKey(value: Date | string, timeZone?: string): string {
  const parts = new Intl.DateTimeFormat('en-CA', { year: 'numeric', month: '2-digit', day: '2-digit', timeZone }).formatToParts(
    typeof value === 'string' ? new Date(value) : value,
  );
  const get = (type: string) => parts.find((p) => p.type === type)?.value ?? '';
  return `${get('year')}-${get('month')}-${get('day')}`;
}

/** "1 time", "3 times". */
export const times = (count: number) => `${count} ${count === 1 ? 'time' : 'times'}`;

/** "1 request", "3 requests". */
export const plural = (count: number, noun: string) => `${count} ${noun}${count === 1 ? '' : 's'}`;

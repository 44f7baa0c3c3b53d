import { badRequest } from '../errors.ts';

/** A half-open instant range [low, high) in epoch milliseconds. */
export interface TimeRange {
  readonly low: number;
  readonly high: number;
}

const DATE_PATTERN =
  /^(\d{4})(?:-(\d{2})(?:-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})?)?)?)?$/;

/**
 * The range a FHIR date, dateTime or instant search value stands for, by its precision:
 * `2026` is the whole year, `2026-03-01T10:00` one minute. Values without a zone are read as UTC.
 */
export function parseFhirDateRange(value: string): TimeRange {
  const m = DATE_PATTERN.exec(value);
  if (!m) throw badRequest(`Invalid date search value: expected YYYY, YYYY-MM, YYYY-MM-DD or a dateTime`);
  const [, year, month, day, hour, minute, second, fraction, zone] = m;
  const y = Number(year);
  const mo = month ? Number(month) - 1 : 0;
  const d = day ? Number(day) : 1;
  if (mo < 0 || mo > 11 || d < 1 || d > 31 || Number(hour ?? 0) > 23 || Number(minute ?? 0) > 59 || Number(second ?? 0) > 60) {
    throw badRequest('Invalid date search value: a part is out of range');
  }
  // Checked for dateTimes too: Date.UTC would quietly roll 2026-02-30T10:00:00Z over into March.
  if (new Date(utc(y, mo, d)).getUTCDate() !== d) throw badRequest('Invalid date search value: no such day');
  if (hour === undefined) {
    const low = utc(y, mo, d);
    const high = day ? utc(y, mo, d + 1) : month ? utc(y, mo + 1, 1) : utc(y + 1, 0, 1);
    return { low, high };
  }
  const offsetMinutes = zoneOffsetMinutes(zone);
  const ms = fraction ? Math.floor(Number(fraction) * 1000) : 0;
  const low = utc(y, mo, d, Number(hour), Number(minute), Number(second ?? 0), ms) - offsetMinutes * 60_000;
  const step = fraction ? 1 : second !== undefined ? 1000 : 60_000;
  return { low, high: low + step };
}

/** Date.UTC, except that years 0–99 stay themselves (Date.UTC reads them as 1900–1999). */
function utc(year: number, month: number, day: number, hours = 0, minutes = 0, seconds = 0, ms = 0): number {
  const date = new Date(0);
  date.setUTCFullYear(year, month, day);
  date.setUTCHours(hours, minutes, seconds, ms);
  return date.getTime();
}

function zoneOffsetMinutes(zone: string | undefined): number {
  if (!zone || zone === 'Z') return 0;
  const sign = zone.startsWith('-') ? -1 : 1;
  const [h = 0, m = 0] = zone.slice(1).split(':').map(Number);
  if (h > 14 || m > 59) throw badRequest('Invalid date search value: the zone offset is out of range');
  return sign * (h * 60 + m);
}

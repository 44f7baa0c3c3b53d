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
  if (mo > 11 || d < 1 || d > 31 || Number(hour ?? 0) > 23 || Number(minute ?? 0) > 59 || Number(second ?? 0) > 60) {
    throw badRequest('Invalid date search value: a part is out of range');
  }
  if (hour === undefined) {
    const low = Date.UTC(y, mo, d);
    const high = day ? Date.UTC(y, mo, d + 1) : month ? Date.UTC(y, mo + 1, 1) : Date.UTC(y + 1, 0, 1);
    if (new Date(low).getUTCDate() !== d) throw badRequest('Invalid date search value: no such day');
    return { low, high };
  }
  const offsetMinutes = zoneOffsetMinutes(zone);
  const ms = fraction ? Math.floor(Number(fraction) * 1000) : 0;
  const low = Date.UTC(y, mo, d, Number(hour), Number(minute), Number(second ?? 0), ms) - offsetMinutes * 60_000;
  const step = fraction ? 1 : second !== undefined ? 1000 : 60_000;
  return { low, high: low + step };
}

function zoneOffsetMinutes(zone: string | undefined): number {
  if (!zone || zone === 'Z') return 0;
  const sign = zone.startsWith('-') ? -1 : 1;
  const [h, m] = zone.slice(1).split(':').map(Number);
  return sign * ((h ?? 0) * 60 + (m ?? 0));
}

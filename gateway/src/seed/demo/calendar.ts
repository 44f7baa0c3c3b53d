/** Date arithmetic in UTC for the demo data (the demo clinic keeps UTC hours). */
export const DAY_MS = 86_400_000;

export function startOfUtcDay(date: Date): Date {
  return new Date(Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), date.getUTCDate()));
}

export function addDays(date: Date, days: number): Date {
  return new Date(date.getTime() + days * DAY_MS);
}

/** `day` at hh:mm UTC. */
export function at(day: Date, hours: number, minutes = 0): Date {
  return new Date(day.getTime() + (hours * 60 + minutes) * 60_000);
}

export function isWeekday(day: Date): boolean {
  const d = day.getUTCDay();
  return d !== 0 && d !== 6;
}

/** FHIR instant without milliseconds: 2026-11-23T09:30:00Z. */
export function instant(date: Date): string {
  return date.toISOString().replace('.000Z', 'Z');
}

export function dateOnly(date: Date): string {
  return date.toISOString().slice(0, 10);
}

/** 20261123 — used inside deterministic ids. */
export function compactDate(date: Date): string {
  return dateOnly(date).replaceAll('-', '');
}

import type { AccessSummary, ConnectedApp } from '@portico/shared/portal/connected-apps';
import { formatDate, formatDateTime, formatTime, plural, times } from '../lib/format.ts';

/** What a kind of FHIR data is called in the portal ("your vital signs"). */
const NOUNS: Readonly<Record<string, string>> = {
  Patient: 'your basic details',
  Observation: 'your health measurements and test results',
  Condition: 'your health conditions',
  AllergyIntolerance: 'your allergies',
  MedicationRequest: 'your medicines',
  Immunization: 'your vaccinations',
  Encounter: 'your visits',
  Appointment: 'your appointments',
  DocumentReference: 'your clinical notes',
  Practitioner: 'care provider details',
  Organization: 'clinic details',
  Location: 'clinic locations',
  Schedule: 'care provider schedules',
  Slot: 'open appointment times',
};

const VERBS: Readonly<Record<AccessSummary['action'], string>> = {
  read: 'Opened',
  search: 'Looked through',
  create: 'Added to',
  update: 'Changed',
  delete: 'Deleted from',
};

/** "Looked through your health measurements and test results — 12 times, last on Tue 3 Dec 2026, 10:42". */
export function describeAccess(access: AccessSummary, timeZone?: string): string {
  const noun = NOUNS[access.resourceType] ?? `${access.resourceType} records`;
  const when =
    access.count === 1 ? `once, on ${formatDateTime(access.lastAt, timeZone)}` : `${times(access.count)}, first on ${formatDate(access.firstAt, timeZone)}, last on ${formatDateTime(access.lastAt, timeZone)}`;
  return `${VERBS[access.action]} ${noun} — ${when}`;
}

/** Whether the patient can take this one permission away (data permissions, not sign-in plumbing). */
export function isRemovableScope(scope: string): boolean {
  return /^(patient|user|system)\//.test(scope);
}

/** How long the app's access lasts, in words. */
export function accessDuration(app: ConnectedApp, timeZone?: string): string {
  if (app.status !== 'active') return 'No access now';
  if (app.untilSignOut) return 'Until you sign out of the app';
  if (app.expiresAt) return `Until ${formatDate(app.expiresAt, timeZone)}`;
  return 'Until you revoke it';
}

/**
 * The effect of a revocation or of the practice turning the app off, e.g. "Revoked at 10:42 — access
 * and refresh tokens no longer work — 3 requests refused since"; null while the app is active.
 */
export function revocationEffect(app: ConnectedApp, now: Date, timeZone?: string): string | null {
  const at = app.status === 'revoked' ? app.revokedAt : app.status === 'disabled' ? app.disabledAt : null;
  if (app.status === 'active' || !at) return null;
  const sameDay = formatDate(at, timeZone) === formatDate(now, timeZone);
  const when = sameDay ? `at ${formatTime(at, timeZone)}` : `on ${formatDateTime(at, timeZone)}`;
  const what = app.status === 'revoked' ? `Revoked ${when}` : `Turned off by your practice ${when}`;
  return `${what} — access and refresh tokens no longer work — ${plural(app.refusedSince, 'request')} refused since`;
}

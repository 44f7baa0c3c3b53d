import type { AuditEventRecord } from '../db/audit-records.ts';

const COLUMNS: readonly (readonly [header: string, value: (e: AuditEventRecord) => string | null])[] = [
  ['recorded', (e) => e.recordedAt.toISOString()],
  ['id', (e) => e.id],
  ['category', (e) => e.category],
  ['action', (e) => e.action],
  ['outcome', (e) => e.outcome],
  ['user', (e) => e.userId],
  ['fhir_user', (e) => e.fhirUser],
  ['client', (e) => e.clientId],
  ['grant', (e) => e.grantId],
  ['patient', (e) => e.patientId],
  ['resource_type', (e) => e.resourceType],
  ['resource_id', (e) => e.resourceId],
  ['source_address', (e) => e.sourceAddress],
  ['request_id', (e) => e.requestId],
  ['detail', (e) => e.detail],
];

/**
 * The audit events as CSV (RFC 4180: CRLF line ends, a header row, fields quoted when they hold a
 * comma, quote or line break, quotes doubled), times in ISO 8601 UTC. A field starting with
 * `=`, `+`, `-` or `@` (or a tab or carriage return) gets a leading `'`, so a spreadsheet opening
 * the file shows it as text instead of running it as a formula (OWASP "CSV injection").
 */
export function auditCsv(events: Iterable<AuditEventRecord>): string {
  const lines = [COLUMNS.map(([header]) => header).join(',')];
  for (const event of events) lines.push(COLUMNS.map(([, value]) => csvField(value(event))).join(','));
  return `${lines.join('\r\n')}\r\n`;
}

/** One CSV field, defused and quoted as needed; null is the empty field. */
export function csvField(value: string | null): string {
  if (value === null) return '';
  const defused = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(defused) ? `"${defused.replace(/"/g, '""')}"` : defused;
}

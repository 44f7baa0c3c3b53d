import type { AccessSummary } from '@portico/shared/portal/connected-apps';
import type { AccessSummaryRow } from '../db/audit-records.ts';

/**
 * The audit trail's FHIR interactions folded into what a patient understands: a version or history
 * read is a read, and an operation (booking, cancelling) changes data.
 */
const ACCESS_ACTIONS: Readonly<Record<string, AccessSummary['action']>> = {
  read: 'read',
  vread: 'read',
  history: 'read',
  search: 'search',
  create: 'create',
  update: 'update',
  delete: 'delete',
  operation: 'update',
};

const ACTION_ORDER: readonly AccessSummary['action'][] = ['read', 'search', 'create', 'update', 'delete'];

/** Access rows by kind of data and interaction, merged where several audit actions mean one. */
export function accessHistory(rows: readonly AccessSummaryRow[]): AccessSummary[] {
  const merged = new Map<string, { resourceType: string; action: AccessSummary['action']; count: number; firstAt: Date; lastAt: Date }>();
  for (const row of rows) {
    const action = ACCESS_ACTIONS[row.action];
    if (action === undefined) continue;
    const key = `${row.resourceType} ${action}`;
    const seen = merged.get(key);
    if (!seen) {
      merged.set(key, { resourceType: row.resourceType, action, count: row.count, firstAt: row.firstAt, lastAt: row.lastAt });
      continue;
    }
    seen.count += row.count;
    if (row.firstAt < seen.firstAt) seen.firstAt = row.firstAt;
    if (row.lastAt > seen.lastAt) seen.lastAt = row.lastAt;
  }
  return [...merged.values()]
    .sort((a, b) => a.resourceType.localeCompare(b.resourceType) || ACTION_ORDER.indexOf(a.action) - ACTION_ORDER.indexOf(b.action))
    .map((entry) => ({ ...entry, firstAt: entry.firstAt.toISOString(), lastAt: entry.lastAt.toISOString() }));
}

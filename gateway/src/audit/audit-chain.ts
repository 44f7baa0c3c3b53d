import { createHash } from 'node:crypto';
import type { AuditEventRecord } from '../db/audit-records.ts';

/** The `prev_hash` of the first row of a chain. */
export const CHAIN_START = '0'.repeat(64);

/**
 * The hash that links an audit row to the one before it (security checklist AU5): SHA-256 over the
 * row's fields, in a fixed order, and the previous row's hash. Editing any field of any row, or
 * removing a row from the middle, breaks every link after it; the verifier finds the first.
 */
export function chainHash(record: AuditEventRecord, prevHash: string): string {
  return createHash('sha256').update(JSON.stringify([...auditColumns(record), prevHash])).digest('hex');
}

/** A row's stored fields in table order (`id` … `detail`): what the store inserts and the chain hashes. */
export function auditColumns(record: AuditEventRecord): (string | number | null)[] {
  return [
    record.id,
    record.recordedAt.getTime(),
    record.category,
    record.action,
    record.outcome,
    record.userId,
    record.fhirUser,
    record.clientId,
    record.grantId,
    record.patientId,
    record.resourceType,
    record.resourceId,
    record.sourceAddress,
    record.requestId,
    record.detail,
  ];
}

export interface ChainVerification {
  readonly ok: boolean;
  /** Rows checked. */
  readonly checked: number;
  /** The sequence number of the first row whose link does not hold. */
  readonly brokenAt?: number;
}

/**
 * Walks rows in sequence order and checks each link. Removing the newest rows leaves a shorter
 * chain that still holds: the caller compares `checked` with what it expects (e.g. a count
 * exported earlier) to detect truncation.
 */
export function verifyChain(rows: Iterable<{ seq: number; record: AuditEventRecord; prevHash: string | null; hash: string | null }>): ChainVerification {
  let previous = CHAIN_START;
  let checked = 0;
  for (const row of rows) {
    checked++;
    if (row.prevHash !== previous || row.hash !== chainHash(row.record, previous)) return { ok: false, checked, brokenAt: row.seq };
    previous = row.hash;
  }
  return { ok: true, checked };
}

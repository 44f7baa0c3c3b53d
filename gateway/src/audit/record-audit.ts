import type { Context } from 'hono';
import type { AuditCategory, AuditEventRecord, AuditOutcome, AuditRepository, NewAuditEvent } from '../db/audit-records.ts';
import { peerAddress } from '../http/peer-address.ts';

/**
 * What a caller says about one audited event: category, action and outcome, and whichever of the
 * who/what/where fields it knows (the rest are recorded as null). Never clinical content, search
 * values, tokens or passwords.
 */
export type AuditInput = {
  readonly category: AuditCategory;
  readonly action: string;
  readonly outcome: AuditOutcome;
} & Partial<Omit<NewAuditEvent, 'category' | 'action' | 'outcome'>>;

/** The complete row of `input`: unknown fields null. */
export function auditEvent(input: AuditInput): NewAuditEvent {
  return {
    ...(input.id ? { id: input.id } : {}),
    ...(input.recordedAt ? { recordedAt: input.recordedAt } : {}),
    category: input.category,
    action: input.action,
    outcome: input.outcome,
    userId: input.userId ?? null,
    fhirUser: input.fhirUser ?? null,
    clientId: input.clientId ?? null,
    grantId: input.grantId ?? null,
    patientId: input.patientId ?? null,
    resourceType: input.resourceType ?? null,
    resourceId: input.resourceId ?? null,
    sourceAddress: input.sourceAddress ?? null,
    requestId: input.requestId ?? null,
    detail: input.detail === undefined || input.detail === null ? null : input.detail.slice(0, 500),
  };
}

/**
 * Appends one audit row. The one call every part of the gateway (token endpoint, sign-in, console,
 * connected apps, CLI) makes; it fails when the row cannot be written, and callers let that fail
 * their request: nothing audited happens without its row.
 *
 * @example
 * await recordAudit(store.audit, { category: 'admin', action: 'client.disable', outcome: 'success',
 *   userId: admin.id, clientId, ...requestOrigin(c) });
 */
export function recordAudit(audit: AuditRepository, input: AuditInput): Promise<AuditEventRecord> {
  return audit.append(auditEvent(input));
}

/** Where a request came from: the peer address (null under `app.request()`, which has none) and the request id. */
export function requestOrigin(c: Context): { sourceAddress: string | null; requestId: string | null } {
  return { sourceAddress: peerAddress(c), requestId: (c.get('requestId') as string | undefined) ?? null };
}

/** `success` below 400, `denied` for 401 and 403, `failure` otherwise. */
export function outcomeOfStatus(status: number): AuditOutcome {
  if (status < 400) return 'success';
  return status === 401 || status === 403 ? 'denied' : 'failure';
}

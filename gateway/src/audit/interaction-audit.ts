import type { AuditRepository } from '../db/audit-records.ts';
import type { AccessTokenClaims } from '../oauth/tokens/access-token.ts';
import { auditEvent, outcomeOfStatus } from './record-audit.ts';

/** One FHIR interaction (or one Bundle entry) as the backend reports it to the audit trail. */
export interface AuditedInteraction {
  /** The interaction kind (`read`, `search-type`, `create`…; any other kind is an operation). */
  readonly kind: string;
  readonly resourceType?: string;
  readonly resourceId?: string;
  readonly status: number;
  /** The patient whose compartment the resource is in, when the backend could tell cheaply. */
  readonly patientId?: string;
  /** For operations: the operation's name, e.g. `$book`. */
  readonly operation?: string;
}

/**
 * The audit hook a FHIR backend calls once per interaction and per Bundle entry: for writes inside
 * the write's own database transaction (a throw undoes the write), for reads before the result is
 * returned (a throw fails the request). Synchronous by design, so it can run inside better-sqlite3's
 * synchronous transactions.
 */
export interface InteractionAudit {
  /** True when the token has no patient: the backend should name the resource's patient if it can. */
  readonly wantsPatient: boolean;
  record(entry: AuditedInteraction): void;
}

const ACTIONS: Readonly<Record<string, string>> = {
  read: 'read',
  vread: 'vread',
  'history-instance': 'history',
  history: 'history',
  'search-type': 'search',
  search: 'search',
  create: 'create',
  update: 'update',
  delete: 'delete',
  batch: 'batch',
  transaction: 'transaction',
};

/** The audit action of an interaction kind (`rest` category). */
export const restAction = (kind: string): string => ACTIONS[kind] ?? 'operation';

/** Who is behind a FHIR request, from its (verified) access token. */
export function tokenActor(claims: AccessTokenClaims, fhirBaseUrl: string) {
  return {
    // Backend-service tokens carry the client id as `sub`: there is no person.
    userId: claims.sub !== claims.client_id ? claims.sub : null,
    fhirUser: claims.fhirUser ? relativeReference(claims.fhirUser, fhirBaseUrl) : null,
    clientId: claims.client_id,
    grantId: claims.grant_id,
    patientId: claims.patient ?? null,
  };
}

function relativeReference(url: string, base: string): string {
  return url.startsWith(`${base}/`) ? url.slice(base.length + 1) : url;
}

/**
 * The audit recorder of one FHIR request: the backend's {@link InteractionAudit} hook plus `flush`,
 * which the route awaits before it sends the response. SQLite appends complete (or throw) inside the
 * hook; `flush` makes a repository whose appends really are asynchronous fail the request too.
 */
export function interactionRecorder(
  audit: AuditRepository,
  claims: AccessTokenClaims,
  origin: { sourceAddress: string | null; requestId: string | null },
  fhirBaseUrl: string,
) {
  const actor = tokenActor(claims, fhirBaseUrl);
  const pending: Promise<unknown>[] = [];
  let recorded = 0;
  const hook: InteractionAudit = {
    wantsPatient: actor.patientId === null,
    record(entry) {
      const action = restAction(entry.kind);
      const failed = entry.status >= 400 ? String(entry.status) : null;
      const detail = action === 'operation' ? [entry.operation ?? entry.kind, failed].filter(Boolean).join(' ') : failed;
      const event = auditEvent({
        category: 'rest',
        action,
        outcome: outcomeOfStatus(entry.status),
        ...actor,
        patientId: actor.patientId ?? entry.patientId ?? (entry.resourceType === 'Patient' ? entry.resourceId : undefined) ?? null,
        resourceType: entry.resourceType ?? null,
        // A search names its type only: never its parameters.
        resourceId: action === 'search' ? null : (entry.resourceId ?? null),
        ...origin,
        detail,
      });
      pending.push(audit.append(event));
      recorded++;
    },
  };
  return {
    hook,
    /** How many rows this request has recorded so far. */
    get recorded() {
      return recorded;
    },
    async flush(): Promise<void> {
      await Promise.all(pending.splice(0));
    },
  };
}

import type { Context } from 'hono';
import type { AuditRepository } from '../db/audit-records.ts';
import { FhirError } from '../fhir/errors.ts';
import type { Interaction } from '../fhir/interaction.ts';
import type { AccessTokenClaims } from '../oauth/tokens/access-token.ts';
import { restAction, tokenActor, type InteractionAudit } from './interaction-audit.ts';
import { recordAudit, requestOrigin } from './record-audit.ts';

/**
 * Records a FHIR request refused before it reached the store (RFC 6750 401): `rest`/`refused`,
 * `denied`, with the grant, app, user and patient of a genuine token whose grant is dead, and the
 * reason (`revoked`, `expired`, `client-disabled`, `invalid_token`, `no_token`) as detail. The
 * resource type and id come from the path; the query is never read.
 */
export function refusalRecorder(audit: AuditRepository, fhirBaseUrl: string) {
  return async (c: Context, claims: AccessTokenClaims | undefined, reason: string): Promise<void> => {
    const target = pathTarget(c.req.path);
    await recordAudit(audit, {
      category: 'rest',
      action: 'refused',
      outcome: 'denied',
      ...(claims ? tokenActor(claims, fhirBaseUrl) : {}),
      ...target,
      ...requestOrigin(c),
      detail: reason,
    });
  };
}

/**
 * The resource type and id a FHIR path names (`/fhir/Observation/123/_history/2` → Observation, 123),
 * or nothing for the server base. Only well-formed names are kept: the path is the caller's input.
 */
export function pathTarget(path: string): { resourceType?: string; resourceId?: string } {
  const [type, id] = path.replace(/^\/fhir\/?/, '').split('/');
  if (!type || !/^[A-Z][A-Za-z]{1,63}$/.test(type)) return {};
  return id && /^[A-Za-z0-9\-.]{1,64}$/.test(id) ? { resourceType: type, resourceId: id } : { resourceType: type };
}

/** The audit action of a request that never became an interaction (bad path, method or body). */
export function requestAction(method: string, path: string): string {
  const { resourceType, resourceId } = pathTarget(path);
  if (!resourceType) return method === 'POST' ? 'batch' : 'operation';
  if (path.includes('/$')) return 'operation';
  if (path.includes('/_history')) return method === 'GET' ? 'history' : 'operation';
  if (!resourceId || path.endsWith('/_search')) return method === 'POST' && !path.endsWith('/_search') ? 'create' : restAction('search-type');
  return method === 'GET' ? 'read' : method === 'PUT' ? 'update' : method === 'DELETE' ? 'delete' : 'operation';
}

/**
 * After a FHIR request failed: records it unless the backend already did. The backend records each
 * interaction it ran (refusals and failures included); what is left are requests that failed before
 * becoming one (bad path, method or body) and whole Bundles that failed (a failed transaction's entry
 * rows rolled back with it). Non-FHIR errors (a crash, a failed audit append) record nothing more.
 */
export async function recordUnfinished(
  recorder: { hook: InteractionAudit; flush(): Promise<void> },
  method: string,
  path: string,
  interaction: Interaction | undefined,
  error: unknown,
): Promise<void> {
  try {
    if (!(error instanceof FhirError)) return;
    if (interaction === undefined) {
      recorder.hook.record({ kind: requestAction(method, path), ...pathTarget(path), status: error.status });
    } else if (interaction.kind === 'batch') {
      const type = (interaction.body as { type?: unknown } | null)?.type === 'transaction' ? 'transaction' : 'batch';
      recorder.hook.record({ kind: type, status: error.status });
    }
  } finally {
    await recorder.flush();
  }
}

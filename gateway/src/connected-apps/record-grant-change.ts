import type { GrantRecord } from '../db/oauth-records.ts';
import type { ConnectedAppsDeps, PatientActor } from './context.ts';

/**
 * Appends the `admin` audit event of a patient revoking or narrowing one of their grants in the
 * portal; `detail` is the scope removed (null for a plain revocation).
 */
export async function recordGrantChange(
  deps: ConnectedAppsDeps,
  actor: PatientActor,
  action: 'grant.revoke' | 'grant.narrow',
  grant: GrantRecord,
  detail: string | null,
  at: Date,
): Promise<void> {
  await deps.store.audit.append({
    recordedAt: at,
    category: 'admin',
    action,
    outcome: 'success',
    userId: actor.userId,
    fhirUser: actor.fhirUser,
    clientId: grant.clientId,
    grantId: grant.id,
    patientId: actor.patientId,
    resourceType: null,
    resourceId: null,
    sourceAddress: actor.sourceAddress,
    requestId: actor.requestId,
    detail,
  });
}

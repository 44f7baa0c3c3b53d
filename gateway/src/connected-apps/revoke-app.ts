import type { ConnectedApp } from '@portico/shared/portal/connected-apps';
import type { ConnectedAppsDeps, PatientActor } from './context.ts';
import { connectedApp, findPatientApp, type PatientApp } from './list-connected-apps.ts';
import { isLiveGrant } from './grant-summary.ts';
import { recordGrantChange } from './record-grant-change.ts';

export const PATIENT_REVOKED_REASON = 'revoked by the patient';

/**
 * Ends every grant the app holds for the patient (and the codes it has not exchanged yet): its
 * access and refresh tokens are refused from their very next request. Revoking an app already
 * revoked changes nothing. Returns the app's entry as it now stands.
 */
export async function revokeApp(deps: ConnectedAppsDeps, actor: PatientActor, clientId: string): Promise<ConnectedApp> {
  const app = await findPatientApp(deps, actor.patientId, clientId);
  await revokeAll(deps, actor, app, null);
  return connectedApp(deps, actor.patientId, await findPatientApp(deps, actor.patientId, clientId));
}

/** Revokes the app's grants for the patient and audits each one that was live; `detail`: the scope whose removal led here. */
export async function revokeAll(deps: ConnectedAppsDeps, actor: PatientActor, app: PatientApp, detail: string | null): Promise<void> {
  const now = deps.now();
  const live = app.grants.filter((g) => isLiveGrant(g, now));
  if (live.length === 0) return;
  await deps.store.grants.revokeWhere({ clientId: app.client.clientId, patientId: actor.patientId }, PATIENT_REVOKED_REASON, now);
  for (const grant of live) await recordGrantChange(deps, actor, 'grant.revoke', grant, detail, now);
}

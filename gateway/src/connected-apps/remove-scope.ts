import type { ConnectedApp } from '@portico/shared/portal/connected-apps';
import type { ConnectedAppsDeps, PatientActor } from './context.ts';
import { ConnectedAppsError } from './errors.ts';
import { carriesData, scopeList } from './granted-scopes.ts';
import { isLiveGrant } from './grant-summary.ts';
import { connectedApp, findPatientApp } from './list-connected-apps.ts';
import { PATIENT_REVOKED_REASON, revokeAll } from './revoke-app.ts';
import { recordGrantChange } from './record-grant-change.ts';

/**
 * Takes one scope away from every live grant the app holds for the patient: its tokens lose it on
 * their next request, and refreshes no longer issue it. A grant left with no access to data (only
 * identity, launch context or offline/online access) is revoked instead — and when that is all the
 * app would keep, the whole app is. Returns the app's entry as it now stands.
 */
export async function removeScope(deps: ConnectedAppsDeps, actor: PatientActor, clientId: string, scope: string): Promise<ConnectedApp> {
  if (scope === '' || /\s/.test(scope)) throw new ConnectedAppsError('invalid_request', 'scope must be one scope, such as patient/Observation.rs');
  const app = await findPatientApp(deps, actor.patientId, clientId);
  const now = deps.now();
  const live = app.grants.filter((g) => isLiveGrant(g, now));
  const changes = live.map((grant) => {
    const held = scopeList(grant.scope);
    return { grant, holds: held.includes(scope), left: held.filter((s) => s !== scope) };
  });
  if (!changes.some((c) => c.holds)) throw new ConnectedAppsError('invalid_request', 'The app does not hold that scope');

  if (!changes.some((c) => c.left.some(carriesData))) {
    await revokeAll(deps, actor, app, scope);
  } else {
    for (const { grant, holds, left } of changes) {
      if (!holds) continue;
      if (left.some(carriesData)) {
        await deps.store.grants.narrow(grant.id, left.join(' '), now);
        await recordGrantChange(deps, actor, 'grant.narrow', grant, scope, now);
      } else {
        await deps.store.grants.revoke(grant.id, PATIENT_REVOKED_REASON, now);
        await recordGrantChange(deps, actor, 'grant.revoke', grant, scope, now);
      }
    }
  }
  return connectedApp(deps, actor.patientId, await findPatientApp(deps, actor.patientId, clientId));
}

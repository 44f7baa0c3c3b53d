import { PORTAL_CLIENT_ID } from '@portico/shared/portal/portal-client';
import type { ConnectedApp } from '@portico/shared/portal/connected-apps';
import type { GrantRecord } from '../db/oauth-records.ts';
import type { ClientRecord } from '../db/store.ts';
import { accessHistory } from './access-history.ts';
import type { ConnectedAppsDeps } from './context.ts';
import { appNotFound } from './errors.ts';
import { grantedScopes } from './granted-scopes.ts';
import { summarizeGrants, type GrantSummary } from './grant-summary.ts';

/** One app of the patient's, with the grants behind its entry. */
export interface PatientApp {
  readonly client: ClientRecord;
  /** Every grant of the app for the patient, whatever its state. */
  readonly grants: readonly GrantRecord[];
  readonly summary: GrantSummary;
}

const STATUS_ORDER: Readonly<Record<ConnectedApp['status'], number>> = { active: 0, disabled: 1, revoked: 2 };

/**
 * Every app holding (or, in the last 90 days, having lost) a grant for the patient, with what it
 * may do in plain language and what it did: apps that can still reach the record first, then by name.
 * The portal itself and backend services are not the patient's to manage and are left out.
 */
export async function listConnectedApps(deps: ConnectedAppsDeps, patientId: string): Promise<ConnectedApp[]> {
  const byClient = new Map<string, GrantRecord[]>();
  for (const grant of await deps.store.grants.list({ patientId })) {
    if (grant.kind !== 'user' || grant.clientId === PORTAL_CLIENT_ID) continue;
    const list = byClient.get(grant.clientId) ?? [];
    list.push(grant);
    byClient.set(grant.clientId, list);
  }
  const now = deps.now();
  const apps: ConnectedApp[] = [];
  for (const [clientId, grants] of byClient) {
    const client = await deps.store.clients.findById(clientId);
    const summary = client && summarizeGrants(grants, client, now);
    if (client && summary) apps.push(await connectedApp(deps, patientId, { client, grants, summary }));
  }
  return apps.sort((a, b) => STATUS_ORDER[a.status] - STATUS_ORDER[b.status] || a.name.localeCompare(b.name) || a.clientId.localeCompare(b.clientId));
}

/** One app of the patient's list; `not_found` when it is not on it (another patient's, the portal, unknown). */
export async function findPatientApp(deps: ConnectedAppsDeps, patientId: string, clientId: string): Promise<PatientApp> {
  if (clientId === PORTAL_CLIENT_ID) throw appNotFound();
  const client = await deps.store.clients.findById(clientId);
  if (!client) throw appNotFound();
  const grants = (await deps.store.grants.list({ clientId, patientId })).filter((g) => g.kind === 'user');
  const summary = summarizeGrants(grants, client, deps.now());
  if (!summary) throw appNotFound();
  return { client, grants, summary };
}

/** The app's entry as the portal shows it, with its last use and access history from the audit trail. */
export async function connectedApp(deps: ConnectedAppsDeps, patientId: string, app: PatientApp): Promise<ConnectedApp> {
  const { client, summary } = app;
  const [lastUsed, rows, refusedSince] = await Promise.all([
    deps.store.audit.lastUsed(client.clientId, [patientId]).then((times) => times.get(patientId)),
    deps.store.audit.accessSummary(client.clientId, patientId),
    summary.refusedFrom ? deps.store.audit.refusedSince(client.clientId, patientId, summary.refusedFrom) : Promise.resolve(0),
  ]);
  return {
    clientId: client.clientId,
    name: client.name,
    logoUri: client.logoUri,
    policyUri: client.policyUri,
    status: summary.status,
    disabledAt: client.disabledAt?.toISOString() ?? null,
    scopes: grantedScopes(summary.scopes),
    grantedAt: summary.grantedAt.toISOString(),
    expiresAt: summary.expiresAt?.toISOString() ?? null,
    untilSignOut: summary.untilSignOut,
    lastUsedAt: lastUsed?.toISOString() ?? null,
    revokedAt: summary.revokedAt?.toISOString() ?? null,
    refusedSince,
    access: accessHistory(rows),
  };
}

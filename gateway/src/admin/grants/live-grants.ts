import type { GrantRecord } from '../../db/oauth-records.ts';
import type { GatewayStore } from '../../db/store.ts';

/** The app's grants that still give access (not revoked, not expired), oldest first. */
export async function liveGrantsOf(store: GatewayStore, clientId: string, now: Date): Promise<GrantRecord[]> {
  return (await store.grants.list({ clientId })).filter((g) => g.revokedAt === null && (g.expiresAt === null || g.expiresAt > now));
}

/** What one patient (or, without one, one grant) has allowed an app, folded over its live grants. */
export interface PatientAccess {
  readonly patientId: string | null;
  readonly grantIds: readonly string[];
  /** Every scope held by any of the grants, in first-seen order. */
  readonly scopes: readonly string[];
  readonly grantedAt: Date;
  /** null: until revoked. */
  readonly until: Date | null;
  /** Some grant lives only as long as a sign-in session (online_access). */
  readonly whileSignedIn: boolean;
}

/** Groups live grants by patient; grants without a patient (backend services, user-level) stay one per row. */
export function accessByPatient(grants: readonly GrantRecord[]): PatientAccess[] {
  const groups = new Map<string, GrantRecord[]>();
  for (const grant of grants) {
    const key = grant.patientId === null ? `grant:${grant.id}` : `patient:${grant.patientId}`;
    groups.set(key, [...(groups.get(key) ?? []), grant]);
  }
  return [...groups.values()].map((group) => ({
    patientId: group[0]!.patientId,
    grantIds: group.map((g) => g.id),
    scopes: [...new Set(group.flatMap((g) => g.scope.split(' ').filter((s) => s !== '')))],
    grantedAt: new Date(Math.min(...group.map((g) => g.createdAt.getTime()))),
    until: group.some((g) => g.expiresAt === null) ? null : new Date(Math.max(...group.map((g) => g.expiresAt!.getTime()))),
    whileSignedIn: group.some((g) => g.sessionId !== null),
  }));
}

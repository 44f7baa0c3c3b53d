import type { GrantRecord } from '../db/oauth-records.ts';
import { scopeList } from './granted-scopes.ts';

/** How long an app the patient (or the practice) revoked stays on the list, showing the effect. */
export const REVOKED_SHOWN_MS = 90 * 86_400_000;

/** One app's grants for one patient, merged into what the "Connected apps" page shows. */
export interface GrantSummary {
  readonly status: 'active' | 'revoked' | 'disabled';
  /** The grants the entry stands on: the live ones, or (status `revoked`) the recently revoked ones. */
  readonly grants: readonly GrantRecord[];
  /** The union of the live grants' scopes, in the order first granted; empty once revoked. */
  readonly scopes: readonly string[];
  readonly grantedAt: Date;
  /** null: until revoked, or until sign-out when `untilSignOut`. */
  readonly expiresAt: Date | null;
  readonly untilSignOut: boolean;
  readonly revokedAt: Date | null;
  /** Since when refused requests are worth counting (the revocation, or the app being disabled). */
  readonly refusedFrom: Date | null;
}

/** Not revoked and not expired (whether its app is enabled is the app's matter). */
export function isLiveGrant(grant: GrantRecord, now: Date): boolean {
  return grant.revokedAt === null && (grant.expiresAt === null || grant.expiresAt > now);
}

/**
 * Merges one app's grants for one patient (granted twice, say) into one entry: live grants make
 * it `active` (or `disabled` when a practice admin turned the app off); without any, grants revoked
 * in the last 90 days make it `revoked`, so the patient sees what revoking did. Grants that merely
 * ran out, or were revoked long ago, show nothing: undefined. Backend grants are never a patient's.
 */
export function summarizeGrants(grants: readonly GrantRecord[], app: { readonly disabledAt: Date | null }, now: Date): GrantSummary | undefined {
  const own = grants.filter((g) => g.kind === 'user');
  const live = own.filter((g) => isLiveGrant(g, now));
  if (live.length > 0) {
    const disabled = app.disabledAt !== null;
    return {
      status: disabled ? 'disabled' : 'active',
      grants: live,
      scopes: [...new Set(live.flatMap((g) => scopeList(g.scope)))],
      ...period(live),
      revokedAt: null,
      refusedFrom: app.disabledAt,
    };
  }
  // A grant revoked after it had expired (a sweep of everything the app held) was not live to lose.
  const revoked = own.filter(
    (g) => g.revokedAt !== null && g.revokedAt.getTime() > now.getTime() - REVOKED_SHOWN_MS && (g.expiresAt === null || g.expiresAt > g.revokedAt),
  );
  if (revoked.length === 0) return undefined;
  const revokedAt = latest(revoked.map((g) => g.revokedAt!));
  return { status: 'revoked', grants: revoked, scopes: [], ...period(revoked), revokedAt, refusedFrom: revokedAt };
}

/**
 * When the grants began and until when they last. Session-bound grants (online_access or "this
 * sign-in only") carry a `sessionId` and expire with the sign-in session: when every grant is one,
 * access lasts until sign-out and no date is given.
 */
function period(grants: readonly GrantRecord[]): Pick<GrantSummary, 'grantedAt' | 'expiresAt' | 'untilSignOut'> {
  const grantedAt = new Date(Math.min(...grants.map((g) => g.createdAt.getTime())));
  const untilSignOut = grants.every((g) => g.sessionId !== null);
  const expiresAt = untilSignOut || grants.some((g) => g.expiresAt === null) ? null : latest(grants.map((g) => g.expiresAt!));
  return { grantedAt, expiresAt, untilSignOut };
}

function latest(dates: readonly Date[]): Date {
  return new Date(Math.max(...dates.map((d) => d.getTime())));
}

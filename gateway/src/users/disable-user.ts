import { recordAudit } from '../audit/record-audit.ts';
import type { GatewayStore, UserRecord } from '../db/store.ts';
import type { RequestOrigin } from './invitations.ts';

/** Who did it: the admin's user id (null from the command line) and FHIR user, if linked. */
export interface Actor {
  readonly userId: string | null;
  readonly fhirUser?: string | null;
}

/**
 * Disables a user: sign-in is refused from now on, every sign-in session of theirs ends, and every
 * grant they made is revoked — their apps' access and refresh tokens are refused from the next
 * request on. The user is disabled first, so no new sign-in or consent slips in between.
 */
export async function disableUser(store: GatewayStore, userId: string, actor: Actor, now: Date, origin: RequestOrigin = {}): Promise<UserRecord | undefined> {
  const user = await store.users.update(userId, { disabledAt: now });
  if (!user) return undefined;
  await store.users.endSessions(userId, now);
  const revoked = await store.grants.revokeWhere({ userId }, 'user disabled', now);
  await recordAudit(store.audit, { category: 'admin', action: 'user.disable', outcome: 'success', userId: actor.userId, fhirUser: actor.fhirUser ?? null, detail: `user ${userId}; ${revoked} grants revoked`, ...origin });
  return user;
}

/** Lets a disabled user sign in again (their old grants stay revoked). */
export async function enableUser(store: GatewayStore, userId: string, actor: Actor, origin: RequestOrigin = {}): Promise<UserRecord | undefined> {
  const user = await store.users.update(userId, { disabledAt: null });
  if (user) await recordAudit(store.audit, { category: 'admin', action: 'user.enable', outcome: 'success', userId: actor.userId, fhirUser: actor.fhirUser ?? null, detail: `user ${userId}`, ...origin });
  return user;
}

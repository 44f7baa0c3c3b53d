import type { Context } from 'hono';
import type { AuditRepository } from '../db/audit-records.ts';
import type { UserRecord } from '../db/store.ts';
import { recordAudit, requestOrigin } from './record-audit.ts';

export interface SignInAttempt {
  /** `sign-in`: the password step; `mfa`: the one-time-code step. */
  readonly action: 'sign-in' | 'mfa';
  /** The app whose authorization the person is signing in for. */
  readonly clientId: string;
  /** Who it is, when known: the user of the MFA step, or the user the typed username names. */
  readonly user: () => Promise<UserRecord | undefined>;
}

/**
 * Runs one sign-in step and records it as `login`/`sign-in` or `login`/`mfa`, success or failure
 * (`denied`), with the user id when the username names a user. What was typed is never recorded:
 * not the password, and not an unknown username (people type passwords into the username field).
 * A success whose row cannot be written fails the step, so no session exists without its row.
 */
export async function auditedSignIn<T extends { sessionSecret?: string }>(
  audit: AuditRepository,
  c: Context,
  attempt: SignInAttempt,
  step: () => Promise<T>,
): Promise<T> {
  let result: T;
  try {
    result = await step();
  } catch (error) {
    const user = await attempt.user();
    await recordAudit(audit, {
      category: 'login',
      action: attempt.action,
      outcome: 'denied',
      userId: user?.id ?? null,
      fhirUser: user?.fhirUser ?? null,
      clientId: attempt.clientId,
      ...requestOrigin(c),
      detail: error instanceof Error && /^Too many/.test(error.message) ? 'locked' : 'invalid credentials',
    });
    throw error;
  }
  const user = await attempt.user();
  await recordAudit(audit, {
    category: 'login',
    action: attempt.action,
    outcome: 'success',
    userId: user?.id ?? null,
    fhirUser: user?.fhirUser ?? null,
    clientId: attempt.clientId,
    ...requestOrigin(c),
    detail: result.sessionSecret ? null : 'one-time code required',
  });
  return result;
}

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
    const detail = error instanceof Error && /^Too many/.test(error.message) ? 'locked' : 'invalid credentials';
    await recordSignInStep(audit, c, { action: attempt.action, outcome: 'denied', user: await attempt.user(), clientId: attempt.clientId, detail });
    throw error;
  }
  const detail = result.sessionSecret ? null : 'one-time code required';
  await recordSignInStep(audit, c, { action: attempt.action, outcome: 'success', user: await attempt.user(), clientId: attempt.clientId, detail });
  return result;
}

/**
 * Records one sign-in step (the app flow's, the console's or the account pages'): `denied` when it
 * was refused, so every refused sign-in reads the same to an auditor wherever it happened, with the
 * user when known. Never what was typed (an unknown username may be someone's password).
 */
export async function recordSignInStep(
  audit: AuditRepository,
  c: Context,
  step: { action: 'sign-in' | 'mfa' | 'sign-out'; outcome: 'success' | 'denied'; user: UserRecord | undefined; clientId?: string | null; detail: string | null },
): Promise<void> {
  await recordAudit(audit, {
    category: 'login',
    action: step.action,
    outcome: step.outcome,
    userId: step.user?.id ?? null,
    fhirUser: step.user?.fhirUser ?? null,
    clientId: step.clientId ?? null,
    ...requestOrigin(c),
    detail: step.detail,
  });
}

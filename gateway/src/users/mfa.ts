import { createHash, randomInt } from 'node:crypto';
import * as OTPAuth from 'otpauth';
import QRCode from 'qrcode';
import type { GatewayStore, UserRecord, UserRepository } from '../db/store.ts';
import { recordAudit } from '../audit/record-audit.ts';
import { checkOneTimeCode } from '../oauth/sign-in/authenticate.ts';
import type { Actor } from './disable-user.ts';
import type { RequestOrigin } from './invitations.ts';

/**
 * Two-step verification with TOTP (RFC 6238: SHA-1, 6 digits, 30 s — what every authenticator app
 * speaks) and one-time recovery codes. Enrolment is two-phase: a secret is shown (pending) and
 * becomes active only when a first code made from it comes back, so nobody ends up locked out by a
 * secret their app never saved.
 */

export const RECOVERY_CODE_COUNT = 10;
const PERIOD_SECONDS = 30;
const ISSUER = 'Portico';
// No 0/o, 1/l/i: codes are read off paper.
const RECOVERY_ALPHABET = 'abcdefghjkmnpqrstuvwxyz23456789';

/** Why an MFA change was refused; `message` is for the person on the form. */
export class MfaError extends Error {
  constructor(
    readonly reason: 'already-enrolled' | 'not-enrolling' | 'invalid-code',
    message: string,
  ) {
    super(message);
    this.name = 'MfaError';
  }
}

/** Whether the user must have MFA on before signing in: staff, when `REQUIRE_STAFF_MFA` is on. */
export function mfaRequired(user: Pick<UserRecord, 'role'>, requireStaffMfa: boolean): boolean {
  return requireStaffMfa && (user.role === 'admin' || user.role === 'practitioner');
}

/** What an authenticator app needs, in the three forms people use: a QR code, the `otpauth://` link and the secret to type. */
export interface Enrolment {
  /** Base32, grouped in fours for typing. */
  readonly secret: string;
  readonly otpauthUri: string;
  /** An SVG image of the QR code (made here from our own URI: safe to inline). */
  readonly qrSvg: string;
}

/**
 * Starts (or shows again) enrolment. `binding` names where it happens (the sign-in flow, the
 * browser): the secret already pending is shown again only there — so a reload or a mistyped code
 * does not invalidate what the person scanned — and anywhere else a new one replaces it. Otherwise
 * someone who once saw a pending secret (knowing the password) could wait for its owner to confirm
 * that very secret, and share their second factor without anyone noticing.
 */
export async function beginEnrolment(store: GatewayStore, user: UserRecord, binding = ''): Promise<Enrolment> {
  if (user.totpSecret) throw new MfaError('already-enrolled', 'Two-step verification is already on for this account.');
  const pending = pendingOf(user);
  let secret = pending && pending.binding === bindingHash(binding) ? pending.secret : null;
  if (!secret) {
    secret = new OTPAuth.Secret({ size: 20 }).base32;
    await store.users.update(user.id, { totpPendingSecret: `${secret}:${bindingHash(binding)}` });
  }
  const totp = totpOf(secret, user.username);
  const otpauthUri = totp.toString();
  const qrSvg = await QRCode.toString(otpauthUri, { type: 'svg', errorCorrectionLevel: 'M', margin: 2, width: 220 });
  return { secret: secret.replace(/(.{4})/g, '$1 ').trim(), otpauthUri, qrSvg };
}

/**
 * Confirms enrolment with a first code from the pending secret: MFA is on from now, that code's
 * time step counts as used, and the user gets {@link RECOVERY_CODE_COUNT} recovery codes — returned
 * here once, stored only as SHA-256 hashes.
 */
export async function confirmEnrolment(store: GatewayStore, user: UserRecord, code: string, now: Date, binding = ''): Promise<string[]> {
  if (user.totpSecret) throw new MfaError('already-enrolled', 'Two-step verification is already on for this account.');
  const pending = pendingOf(user);
  if (!pending || pending.binding !== bindingHash(binding)) throw new MfaError('not-enrolling', 'This setup was restarted elsewhere. Scan the new code on this page.');
  const step = matchingStep(pending.secret, code, now);
  if (step === null) throw new MfaError('invalid-code', 'That code does not match. Enter the current 6-digit code from your authenticator app.');
  const codes = newRecoveryCodes();
  // Compare-and-set on the pending secret: of two concurrent confirmations one wins, so the codes
  // shown are the codes stored.
  const updated = await store.users.update(
    user.id,
    { totpSecret: pending.secret, totpPendingSecret: null, totpLastStep: step, recoveryCodes: codes.map(hashRecoveryCode) },
    { totpPendingSecret: user.totpPendingSecret, totpSecret: null },
  );
  if (!updated) throw new MfaError('not-enrolling', 'This setup was already finished or restarted. Reload the page.');
  return codes;
}

/**
 * The second sign-in step: a current TOTP code (once per time step, one step of drift either way)
 * or an unused recovery code, which is used up. Returns which one matched, or null.
 */
export async function verifySecondFactor(users: UserRepository, user: UserRecord, input: string, now: Date): Promise<'totp' | 'recovery-code' | null> {
  if (!user.totpSecret) return null;
  const value = input.trim();
  if (/^\d{6}$/.test(value)) return (await checkOneTimeCode(users, user, value, now)) ? 'totp' : null;
  const normalised = normaliseRecoveryCode(value);
  if (normalised === null) return null;
  return (await users.useRecoveryCode(user.id, hashRecoveryCode(normalised))) ? 'recovery-code' : null;
}

/**
 * Turns MFA off (an admin's reset after a lost phone): secret, pending secret and recovery codes go,
 * the user's sessions end, and the reset is audited. With `REQUIRE_STAFF_MFA`, staff set it up again
 * at their next sign-in.
 */
export async function resetMfa(store: GatewayStore, userId: string, actor: Actor, now: Date, origin: RequestOrigin = {}): Promise<UserRecord | undefined> {
  const user = await store.users.update(userId, { totpSecret: null, totpPendingSecret: null, totpLastStep: null, recoveryCodes: [] });
  if (!user) return undefined;
  await store.users.endSessions(userId, now);
  await recordAudit(store.audit, { category: 'admin', action: 'user.reset-mfa', outcome: 'success', userId: actor.userId, fhirUser: actor.fhirUser ?? null, detail: `user ${userId}`, ...origin });
  return user;
}

/** The pending secret and the hash of the binding it was shown under (stored as `SECRET:HASH`). */
function pendingOf(user: UserRecord): { secret: string; binding: string } | null {
  const [secret, binding = ''] = (user.totpPendingSecret ?? '').split(':');
  return secret ? { secret, binding } : null;
}

function bindingHash(binding: string): string {
  return createHash('sha256').update(`mfa-enrolment\n${binding}`).digest('hex');
}

/** `xxxxx-xxxxx`: 10 characters of a 31-letter alphabet, about 50 bits. */
export function newRecoveryCodes(count = RECOVERY_CODE_COUNT): string[] {
  const one = () => Array.from({ length: 10 }, () => RECOVERY_ALPHABET[randomInt(RECOVERY_ALPHABET.length)]).join('');
  return Array.from({ length: count }, () => one().replace(/^(.{5})/, '$1-'));
}

/** SHA-256 (hex) of a recovery code in its normal form; the codes are random, so no slow hash is needed. */
export function hashRecoveryCode(code: string): string {
  return createHash('sha256').update(normaliseRecoveryCode(code) ?? code).digest('hex');
}

/** A recovery code as typed (any case, spaces or a dash) in its normal form `xxxxx-xxxxx`, or null. */
function normaliseRecoveryCode(input: string): string | null {
  const compact = input.toLowerCase().replace(/[\s-]/g, '');
  return /^[a-z2-9]{10}$/.test(compact) ? `${compact.slice(0, 5)}-${compact.slice(5)}` : null;
}

/** The time step `code` is valid for under `secret` (±1 step), or null. */
function matchingStep(secret: string, code: string, now: Date): number | null {
  const value = code.trim();
  if (!/^\d{6}$/.test(value)) return null;
  const delta = totpOf(secret).validate({ token: value, timestamp: now.getTime(), window: 1 });
  return delta === null ? null : Math.floor(now.getTime() / 1000 / PERIOD_SECONDS) + delta;
}

function totpOf(secret: string, label = 'account'): OTPAuth.TOTP {
  return new OTPAuth.TOTP({ issuer: ISSUER, label, secret: OTPAuth.Secret.fromBase32(secret), algorithm: 'SHA1', digits: 6, period: PERIOD_SECONDS });
}

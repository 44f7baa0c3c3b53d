import * as OTPAuth from 'otpauth';
import type { UserRecord, UserRepository } from '../../db/store.ts';
import { hashPassword, verifyPassword } from '../../users/password.ts';
import type { LoginThrottle } from './login-throttle.ts';

export type PasswordCheck =
  | { readonly outcome: 'ok'; readonly user: UserRecord }
  | { readonly outcome: 'invalid' }
  | { readonly outcome: 'locked'; readonly until: Date };

// Unknown usernames are checked against this hash too, so a wrong name and a wrong password take
// the same time (no account enumeration by timing).
// Made on first use, not at import: the CLI and processes that never sign anyone in skip the scrypt.
let decoy: Promise<string> | undefined;
const decoyHash = () => (decoy ??= hashPassword('portico decoy password that matches nothing'));

/** Checks a username and password, under the sign-in throttle. */
export async function checkPassword(
  users: UserRepository,
  throttle: LoginThrottle,
  attempt: { username: string; password: string; address: string },
  now: Date,
): Promise<PasswordCheck> {
  const until = await throttle.lockedUntil(attempt.username, attempt.address, now);
  if (until) return { outcome: 'locked', until };
  const user = await users.findByUsername(attempt.username.trim());
  const matches = await verifyPassword(attempt.password, user?.passwordHash ?? (await decoyHash()));
  if (!user || !matches || user.disabledAt !== null) {
    await throttle.recordFailure(attempt.username, attempt.address, now);
    return { outcome: 'invalid' };
  }
  // With MFA on, the password alone is half a sign-in: forgiving the failures here would let anyone
  // who knows it guess one-time codes without end, re-entering the password every fourth try.
  if (!user.totpSecret) await throttle.recordSuccess(attempt.username);
  return { outcome: 'ok', user };
}

const PERIOD_SECONDS = 30;

/**
 * Checks a TOTP code (RFC 6238: SHA-1, 6 digits, 30 s) with one step of clock drift either way, and
 * uses it up: the same code, or an older one, is refused afterwards.
 */
export async function checkOneTimeCode(users: UserRepository, user: UserRecord, code: string, now: Date): Promise<boolean> {
  if (!user.totpSecret || !/^\d{6}$/.test(code.trim())) return false;
  const totp = new OTPAuth.TOTP({ secret: OTPAuth.Secret.fromBase32(user.totpSecret), algorithm: 'SHA1', digits: 6, period: PERIOD_SECONDS });
  const delta = totp.validate({ token: code.trim(), timestamp: now.getTime(), window: 1 });
  if (delta === null) return false;
  const step = Math.floor(now.getTime() / 1000 / PERIOD_SECONDS) + delta;
  return users.useTotpStep(user.id, step);
}

/** A TOTP code for `secret` at `now` (for enrolment checks and tests). */
export function oneTimeCode(secret: string, now: Date): string {
  return new OTPAuth.TOTP({ secret: OTPAuth.Secret.fromBase32(secret), algorithm: 'SHA1', digits: 6, period: PERIOD_SECONDS }).generate({
    timestamp: now.getTime(),
  });
}

import type { LoginThrottleRepository } from '../../db/oauth-records.ts';

/** Failures allowed per account before it is locked, and per network address. */
export const ACCOUNT_FAILURES = 5;
export const ADDRESS_FAILURES = 30;
const WINDOW_MS = 15 * 60_000;
const LOCK_MS = 15 * 60_000;

/**
 * Slows password guessing: after 5 failed sign-ins for one account, or 30 from one address, within
 * 15 minutes, that account or address is locked for 15 minutes. Kept in the database, so it holds
 * across restarts and across every gateway process.
 */
export class LoginThrottle {
  constructor(private readonly repository: LoginThrottleRepository) {}

  /** When sign-in is refused for this account or address: the time the lock ends; else undefined. */
  async lockedUntil(username: string, address: string, now: Date): Promise<Date | undefined> {
    const locks = await Promise.all([this.repository.find(accountKey(username)), this.repository.find(addressKey(address))]);
    const ends = locks.map((l) => l?.lockedUntil).filter((d): d is Date => d != null && d > now);
    return ends.length === 0 ? undefined : new Date(Math.max(...ends.map((d) => d.getTime())));
  }

  async recordFailure(username: string, address: string, now: Date): Promise<void> {
    await this.bump(accountKey(username), ACCOUNT_FAILURES, now);
    await this.bump(addressKey(address), ADDRESS_FAILURES, now);
  }

  /** A good sign-in forgives the account's failures (not the address's: one success must not reset a spray). */
  async recordSuccess(username: string): Promise<void> {
    await this.repository.clear(accountKey(username));
  }

  private async bump(key: string, limit: number, now: Date): Promise<void> {
    const current = await this.repository.find(key);
    const fresh = !current || now.getTime() - current.windowStart.getTime() > WINDOW_MS;
    const failures = fresh ? 1 : current.failures + 1;
    await this.repository.save({
      key,
      failures: failures >= limit ? 0 : failures,
      windowStart: fresh || failures >= limit ? now : current.windowStart,
      lockedUntil: failures >= limit ? new Date(now.getTime() + LOCK_MS) : (current?.lockedUntil ?? null),
    });
  }
}

const accountKey = (username: string) => `user:${username.trim().toLowerCase()}`;
const addressKey = (address: string) => `ip:${address}`;

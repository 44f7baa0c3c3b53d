import * as OTPAuth from 'otpauth';
import { beforeEach, describe, expect, it } from 'vitest';
import { applyMigrations, openSqlite } from '../db/sqlite/connection.ts';
import { createSqliteStore } from '../db/sqlite/store.ts';
import type { GatewayStore, UserRecord } from '../db/store.ts';
import { beginEnrolment, confirmEnrolment, hashRecoveryCode, mfaRequired, resetMfa, verifySecondFactor } from './mfa.ts';
import { registerUser } from './register-user.ts';

const T0 = new Date('2026-11-23T10:00:00Z');
const at = (seconds: number) => new Date(T0.getTime() + seconds * 1000);
const codeFor = (secret: string, when: Date) =>
  new OTPAuth.TOTP({ secret: OTPAuth.Secret.fromBase32(secret.replace(/\s/g, '')), algorithm: 'SHA1', digits: 6, period: 30 }).generate({ timestamp: when.getTime() });

let store: GatewayStore;
let user: UserRecord;
const fresh = async () => (await store.users.findById(user.id))!;

beforeEach(async () => {
  const db = openSqlite(':memory:');
  applyMigrations(db, 'sqlite');
  store = createSqliteStore(db);
  user = await registerUser(store, { username: 'dr.kim', password: 'a long passphrase', role: 'admin' }, { now: () => T0, fhirUserExists: async () => true });
});

/** Enrols the user with a code at T0; returns the secret and the recovery codes. */
async function enrol(): Promise<{ secret: string; codes: string[] }> {
  const { secret } = await beginEnrolment(store, await fresh());
  const codes = await confirmEnrolment(store, await fresh(), codeFor(secret, T0), T0);
  return { secret, codes };
}

describe('enrolment', () => {
  it('shows a pending secret as QR code, otpauth URI and text, and keeps it across reloads', async () => {
    const first = await beginEnrolment(store, user);
    expect(first.secret).toMatch(/^([A-Z2-7]{4} )+[A-Z2-7]{1,4}$/);
    expect(first.otpauthUri).toMatch(/^otpauth:\/\/totp\/Portico:dr\.kim\?.*secret=[A-Z2-7]{32}/);
    expect(first.qrSvg).toMatch(/^<svg[^>]*>[\s\S]*<path[\s\S]*<\/svg>\s*$/);
    expect((await fresh()).totpPendingSecret).toMatch(new RegExp(`^${first.secret.replace(/ /g, '')}:[0-9a-f]{64}$`));
    expect((await fresh()).totpSecret).toBeNull();
    expect((await beginEnrolment(store, await fresh())).secret).toBe(first.secret);
  });

  it('shows a pending secret again only where it was shown: elsewhere a new one replaces it', async () => {
    const seenByA = await beginEnrolment(store, user, 'browser A');
    const seenByB = await beginEnrolment(store, await fresh(), 'browser B');
    expect(seenByB.secret).not.toBe(seenByA.secret);
    await expect(confirmEnrolment(store, await fresh(), codeFor(seenByA.secret, T0), T0, 'browser A')).rejects.toThrow('restarted elsewhere');
    await expect(confirmEnrolment(store, await fresh(), codeFor(seenByB.secret, T0), T0, 'browser A')).rejects.toThrow('restarted elsewhere');
    expect(await confirmEnrolment(store, await fresh(), codeFor(seenByB.secret, T0), T0, 'browser B')).toHaveLength(10);
    expect((await fresh()).totpSecret).toBe(seenByB.secret.replace(/ /g, ''));
  });

  it('turns MFA on with a first code: ten recovery codes shown once, stored as SHA-256 hashes', async () => {
    const { secret, codes } = await enrol();
    expect(codes).toHaveLength(10);
    expect(new Set(codes).size).toBe(10);
    for (const code of codes) expect(code).toMatch(/^[a-z2-9]{5}-[a-z2-9]{5}$/);
    const stored = await fresh();
    expect(stored.totpSecret).toBe(secret.replace(/ /g, ''));
    expect(stored.totpPendingSecret).toBeNull();
    expect(stored.recoveryCodes).toEqual(codes.map(hashRecoveryCode));
    expect(JSON.stringify(stored)).not.toContain(codes[0]!);
  });

  it('refuses a wrong code and keeps the secret pending', async () => {
    const { secret } = await beginEnrolment(store, user);
    const wrong = String((Number(codeFor(secret, T0)) + 1) % 1_000_000).padStart(6, '0');
    await expect(confirmEnrolment(store, await fresh(), wrong, T0)).rejects.toThrow('That code does not match');
    await expect(confirmEnrolment(store, await fresh(), 'abcdef', T0)).rejects.toThrow('That code does not match');
    expect((await fresh()).totpSecret).toBeNull();
    expect((await fresh()).totpPendingSecret).not.toBeNull();
  });

  it('lets only one of two concurrent confirmations win', async () => {
    const { secret } = await beginEnrolment(store, user);
    const pending = await fresh();
    const results = await Promise.allSettled([confirmEnrolment(store, pending, codeFor(secret, T0), T0), confirmEnrolment(store, pending, codeFor(secret, T0), T0)]);
    expect(results.map((r) => r.status).sort()).toEqual(['fulfilled', 'rejected']);
    const winner = results.find((r) => r.status === 'fulfilled') as PromiseFulfilledResult<string[]>;
    expect((await fresh()).recoveryCodes).toEqual(winner.value.map(hashRecoveryCode));
  });

  it('refuses to enrol twice', async () => {
    await enrol();
    await expect(beginEnrolment(store, await fresh())).rejects.toThrow('already on');
  });
});

describe('TOTP at sign-in', () => {
  it('accepts a code once: the same code, replayed, fails', async () => {
    const { secret } = await enrol();
    const later = at(60);
    const code = codeFor(secret, later);
    expect(await verifySecondFactor(store.users, await fresh(), code, later)).toBe('totp');
    expect(await verifySecondFactor(store.users, await fresh(), code, later)).toBeNull();
    expect(await verifySecondFactor(store.users, await fresh(), code, at(65))).toBeNull();
  });

  it('refuses the code that confirmed enrolment', async () => {
    const { secret } = await enrol();
    expect(await verifySecondFactor(store.users, await fresh(), codeFor(secret, T0), at(5))).toBeNull();
  });

  it('allows one 30 s step of drift either way, not two', async () => {
    const { secret } = await enrol();
    const now = at(300);
    expect(await verifySecondFactor(store.users, await fresh(), codeFor(secret, at(270)), now)).toBe('totp');
    expect(await verifySecondFactor(store.users, await fresh(), codeFor(secret, at(330)), now)).toBe('totp');
    expect(await verifySecondFactor(store.users, await fresh(), codeFor(secret, at(420)), at(480))).toBeNull();
    expect(await verifySecondFactor(store.users, await fresh(), codeFor(secret, at(600)), at(540))).toBeNull();
  });

  it('refuses an earlier step once a later one was used', async () => {
    const { secret } = await enrol();
    expect(await verifySecondFactor(store.users, await fresh(), codeFor(secret, at(330)), at(300))).toBe('totp');
    expect(await verifySecondFactor(store.users, await fresh(), codeFor(secret, at(300)), at(300))).toBeNull();
  });
});

describe('recovery codes', () => {
  it('each works once, typed in any case, with or without the dash', async () => {
    const { codes } = await enrol();
    const [first, second] = codes as [string, string];
    expect(await verifySecondFactor(store.users, await fresh(), first, at(60))).toBe('recovery-code');
    expect(await verifySecondFactor(store.users, await fresh(), first, at(90))).toBeNull();
    expect(await verifySecondFactor(store.users, await fresh(), ` ${second.replace('-', '').toUpperCase()} `, at(90))).toBe('recovery-code');
    expect((await fresh()).recoveryCodes).toHaveLength(8);
  });

  it('refuses made-up codes', async () => {
    await enrol();
    expect(await verifySecondFactor(store.users, await fresh(), 'abcde-fghjk', at(60))).toBeNull();
    expect(await verifySecondFactor(store.users, await fresh(), '', at(60))).toBeNull();
  });
});

describe('reset', () => {
  it('turns MFA off, forgets the recovery codes and ends the sessions', async () => {
    await enrol();
    await store.sessions.insert({ id: 's1', userId: user.id, createdAt: T0, expiresAt: at(3600), endedAt: null });
    await resetMfa(store, user.id, { userId: 'admin-1' }, at(10));
    expect(await fresh()).toMatchObject({ totpSecret: null, totpPendingSecret: null, totpLastStep: null, recoveryCodes: [] });
    expect(await store.sessions.findActive('s1', at(20))).toBeUndefined();
    expect((await store.audit.list({ action: 'user.reset-mfa' }, { limit: 5 })).events[0]).toMatchObject({ userId: 'admin-1', detail: `user ${user.id}` });
  });
});

describe('mfaRequired', () => {
  it('is staff only, and only when the practice requires it', () => {
    expect(mfaRequired({ role: 'admin' }, true)).toBe(true);
    expect(mfaRequired({ role: 'practitioner' }, true)).toBe(true);
    expect(mfaRequired({ role: 'patient' }, true)).toBe(false);
    expect(mfaRequired({ role: 'admin' }, false)).toBe(false);
  });
});

import { decodeProtectedHeader, jwtVerify, createLocalJWKSet } from 'jose';
import { beforeEach, describe, expect, it } from 'vitest';
import { applyMigrations, openSqlite } from '../db/sqlite/connection.ts';
import { createSqliteStore } from '../db/sqlite/store.ts';
import type { GatewayStore } from '../db/store.ts';
import { createAccessTokenVerifier, signAccessToken, type TokenSettings } from '../oauth/tokens/access-token.ts';
import { KeyRing } from './key-ring.ts';

const RETENTION_SECONDS = 3900;

describe('KeyRing', () => {
  let store: GatewayStore;
  let clock: Date;
  const now = () => clock;
  const settings: TokenSettings = { issuer: 'https://portico.test', audience: 'https://portico.test/fhir', now };

  beforeEach(async () => {
    const db = openSqlite(':memory:');
    applyMigrations(db, 'sqlite');
    store = createSqliteStore(db);
    clock = new Date('2026-11-23T10:00:00Z');
    await store.grants.insert({
      id: 'g1', clientId: 'c', kind: 'backend', userId: null, patientId: null, encounterId: null, scope: 'system/*.rs',
      sessionId: null, createdAt: clock, expiresAt: null, revokedAt: null, revokedReason: null,
    });
  });
  const grantAlive = (id: string, at: Date) => store.grants.liveness(id, at);

  const ring = () => new KeyRing(store.signingKeys, { now, retentionSeconds: RETENTION_SECONDS });

  it('creates one ES256 and one RS256 key on first start, and no more on the next', async () => {
    await ring().ensureCurrentKeys();
    await ring().ensureCurrentKeys();
    const jwks = await ring().jwks();
    expect(jwks.keys.map((k) => k.alg).sort()).toEqual(['ES256', 'RS256']);
    for (const key of jwks.keys) {
      expect(key).toMatchObject({ use: 'sig', kid: expect.any(String) });
      expect(key).not.toHaveProperty('d');
    }
    const rsa = jwks.keys.find((k) => k.alg === 'RS256')!;
    expect(Buffer.from(rsa.n!, 'base64url').length * 8).toBe(2048);
  });

  it('signs with the new key after a rotation and keeps verifying the old key until its tokens have expired', async () => {
    const keys = ring();
    await keys.ensureCurrentKeys();
    const verify = createAccessTokenVerifier(keys, settings, grantAlive);
    const before = await signAccessToken(keys, settings, { sub: 'u', client_id: 'c', scope: 'system/*.rs', grant_id: 'g1' }, 3600);

    await keys.rotate();
    const after = await signAccessToken(keys, settings, { sub: 'u', client_id: 'c', scope: 'system/*.rs', grant_id: 'g1' }, 3600);
    expect(decodeProtectedHeader(after.token).kid).not.toBe(decodeProtectedHeader(before.token).kid);
    expect((await keys.jwks()).keys).toHaveLength(4);
    await expect(verify(before.token)).resolves.toMatchObject({ sub: 'u' });

    // Past the retention the old keys leave the JWKS and their tokens no longer verify.
    clock = new Date(clock.getTime() + (RETENTION_SECONDS + 1) * 1000);
    const fresh = createAccessTokenVerifier(keys, settings, grantAlive);
    expect((await keys.jwks()).keys).toHaveLength(2);
    await expect(fresh(before.token)).rejects.toThrow(/invalid or expired/);
  });

  it('publishes a rotation made by another process on the very next call', async () => {
    const gateway = ring();
    await gateway.ensureCurrentKeys();
    const kidsBefore = (await gateway.jwks()).keys.map((k) => k.kid);

    const cli = ring();
    const rotated = await cli.rotate();

    const kidsAfter = (await gateway.jwks()).keys.map((k) => k.kid);
    expect(kidsAfter).toEqual(expect.arrayContaining([...kidsBefore, ...rotated.map((k) => k.kid)]));
    const token = await signAccessToken(gateway, settings, { sub: 'u', client_id: 'c', scope: 's', grant_id: 'g1' }, 60);
    expect(decodeProtectedHeader(token.token).kid).toBe(rotated.find((k) => k.alg === 'ES256')!.kid);
    // A third party verifying against the published JWKS accepts it.
    const { payload } = await jwtVerify(token.token, createLocalJWKSet(await gateway.jwks()), { currentDate: clock });
    expect(payload.sub).toBe('u');
  });

  it('forgets keys retired longer ago than the retention when it rotates again', async () => {
    const keys = ring();
    await keys.ensureCurrentKeys();
    await keys.rotate();
    clock = new Date(clock.getTime() + (RETENTION_SECONDS + 60) * 1000);
    await keys.rotate();
    expect(await store.signingKeys.list()).toHaveLength(4);
  });
});

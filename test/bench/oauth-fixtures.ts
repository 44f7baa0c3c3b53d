import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { generateKeyPair, exportJWK, SignJWT, type CryptoKey } from 'jose';
import { registerClient } from '../../gateway/src/clients/register-client.ts';
import { applyMigrations, openSqlite } from '../../gateway/src/db/sqlite/connection.ts';
import { createSqliteStore } from '../../gateway/src/db/sqlite/store.ts';
import type { GatewayStore } from '../../gateway/src/db/store.ts';
import { JWT_BEARER } from '../../gateway/src/oauth/client-assertion.ts';
import { hashSecret, newSecret } from '../../gateway/src/oauth/secrets.ts';
import { registerUser } from '../../gateway/src/users/register-user.ts';

const REDIRECT = 'https://bench.example/cb';

/**
 * What the token-endpoint benchmarks send: each body works once (codes and refresh tokens are
 * single-use, assertions carry a fresh jti), so they are made up front, written straight into the
 * gateway's database the way the consent step and earlier token responses would have.
 */
export async function oauthFixtures(file: string, patientId: string) {
  const db = openSqlite(file);
  applyMigrations(db, 'sqlite');
  const store = createSqliteStore(db);
  const now = () => new Date();
  const { client: app } = await registerClient(store, { name: `Bench app ${randomUUID()}`, redirectUris: [REDIRECT] }, now);
  const user = await registerUser(
    store,
    { username: `bench-${randomBytes(4).toString('hex')}`, password: 'bench password long enough', role: 'patient', fhirUser: `Patient/${patientId}` },
    { now, fhirUserExists: async () => true },
  );
  const { privateKey, publicKey } = await generateKeyPair('RS384', { extractable: true });
  const { client: backend } = await registerClient(
    store,
    { name: 'Bench backend', grantType: 'client_credentials', jwks: { keys: [{ ...(await exportJWK(publicKey)), kid: 'bench', alg: 'RS384' }] }, scope: 'system/Observation.rs' },
    now,
  );
  const verifier = randomBytes(32).toString('base64url');
  const challenge = createHash('sha256').update(verifier).digest('base64url');

  return {
    /** Bodies exchanging fresh authorization codes (scope with openid: an id_token each). */
    async codeExchanges(n: number): Promise<string[]> {
      const bodies: string[] = [];
      const created = now();
      for (let i = 0; i < n; i++) {
        const code = newSecret();
        await store.codes.insert({
          codeHash: hashSecret(code),
          clientId: app.clientId,
          redirectUri: REDIRECT,
          codeChallenge: challenge,
          scope: 'launch/patient openid fhirUser offline_access patient/*.rs',
          userId: user.id,
          sessionId: null,
          patientId,
          encounterId: null,
          nonce: null,
          duration: 'forever',
          needPatientBanner: true,
          createdAt: created,
          // Longer than the real 60 s so that a whole run's codes can be made before it starts.
          expiresAt: new Date(created.getTime() + 600_000),
          consumedAt: null,
          grantId: null,
        });
        bodies.push(new URLSearchParams({ grant_type: 'authorization_code', code, redirect_uri: REDIRECT, code_verifier: verifier, client_id: app.clientId }).toString());
      }
      return bodies;
    },
    /** Bodies each refreshing a different live grant. */
    async refreshes(n: number): Promise<string[]> {
      const bodies: string[] = [];
      for (let i = 0; i < n; i++) {
        const secret = newSecret();
        const grantId = randomUUID();
        await store.grants.insert(
          {
            id: grantId, clientId: app.clientId, kind: 'user', userId: user.id, patientId, encounterId: null,
            scope: 'launch/patient openid fhirUser offline_access patient/*.rs', sessionId: null, createdAt: now(), expiresAt: null, revokedAt: null, revokedReason: null,
          },
          { tokenHash: hashSecret(secret), grantId, clientId: app.clientId, createdAt: now(), usedAt: null },
        );
        bodies.push(new URLSearchParams({ grant_type: 'refresh_token', refresh_token: secret, client_id: app.clientId }).toString());
      }
      return bodies;
    },
    /** Backend-service token requests, each with a freshly signed RS384 assertion. */
    async backendRequests(n: number, tokenEndpoint: string): Promise<string[]> {
      const bodies: string[] = [];
      for (let i = 0; i < n; i++) {
        const assertion = await sign(privateKey, backend.clientId, tokenEndpoint);
        bodies.push(
          new URLSearchParams({ grant_type: 'client_credentials', scope: 'system/Observation.rs', client_assertion_type: JWT_BEARER, client_assertion: assertion }).toString(),
        );
      }
      return bodies;
    },
    close: () => store.close(),
    store: store as GatewayStore,
  };
}

function sign(key: CryptoKey, clientId: string, audience: string): Promise<string> {
  const iat = Math.floor(Date.now() / 1000);
  return new SignJWT({ jti: randomUUID() })
    .setProtectedHeader({ alg: 'RS384', kid: 'bench', typ: 'JWT' })
    .setIssuer(clientId)
    .setSubject(clientId)
    .setAudience(audience)
    .setIssuedAt(iat)
    .setExpirationTime(iat + 280)
    .sign(key);
}

import { createHash } from 'node:crypto';
import { exportJWK, generateKeyPair, type JWK } from 'jose';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { applyMigrations, openSqlite, type SqliteDatabase } from '../db/sqlite/connection.ts';
import { createSqliteStore } from '../db/sqlite/store.ts';
import type { GatewayStore } from '../db/store.ts';
import { hashSecret } from '../oauth/secrets.ts';
import { DEFAULT_APP_SCOPE, DEFAULT_BACKEND_SCOPE, registerClient, type NewClient } from './register-client.ts';

const NOW = new Date('2026-11-23T10:00:00Z');
const now = () => NOW;
const APP = { name: 'Growth charts', redirectUris: ['https://apps.example.org/callback'] } as const;

let db: SqliteDatabase;
let store: GatewayStore;
let publicJwks: { keys: JWK[] };
let privateJwk: JWK;

beforeAll(async () => {
  const { publicKey, privateKey } = await generateKeyPair('ES384', { extractable: true });
  publicJwks = { keys: [{ ...(await exportJWK(publicKey)), kid: 'k1', alg: 'ES384' }] };
  privateJwk = await exportJWK(privateKey);
});

beforeEach(() => {
  db = openSqlite(':memory:');
  applyMigrations(db, 'sqlite');
  store = createSqliteStore(db);
});

const register = (input: NewClient) => registerClient(store, input, now);
/** The ValidationError's field, or 'accepted' when registration succeeds. */
const refusal = (input: NewClient) =>
  register(input).then(
    () => 'accepted',
    (error: { name: string; field?: string }) => (error.name === 'ValidationError' ? error.field : `unexpected ${error.name}`),
  );

describe('registerClient defaults', () => {
  it('registers a public authorization-code app with the default read-only patient scope and stores it as returned', async () => {
    const { client, secret } = await register({ ...APP, name: '  Growth charts  ' });
    expect(secret).toBeUndefined();
    expect(client).toEqual({
      clientId: expect.stringMatching(/^[\w-]{22}$/),
      name: 'Growth charts',
      type: 'public',
      redirectUris: ['https://apps.example.org/callback'],
      launchUri: null,
      scope: DEFAULT_APP_SCOPE,
      grantTypes: ['authorization_code'],
      secretHash: null,
      jwks: null,
      jwksUri: null,
      policyUri: null,
      createdAt: NOW,
      disabledAt: null,
      corsOrigins: [],
      logoUri: null,
      privacyAttestation: null,
      postLogoutRedirectUris: [],
      updatedAt: null,
    });
    expect(await store.clients.findById(client.clientId)).toEqual(client);
  });

  it('makes a client_credentials client a confidential-asymmetric backend with system/*.rs and no redirect URIs', async () => {
    const { client, secret } = await register({ name: 'Nightly export', grantType: 'client_credentials', jwks: publicJwks });
    expect(secret).toBeUndefined();
    expect(client).toMatchObject({ type: 'confidential-asymmetric', scope: DEFAULT_BACKEND_SCOPE, grantTypes: ['client_credentials'], redirectUris: [], jwks: publicJwks });
    expect(DEFAULT_BACKEND_SCOPE).toBe('system/*.rs');
  });

  it('gives every client a different random id', async () => {
    const ids = new Set<string>();
    for (let i = 0; i < 5; i++) ids.add((await register(APP)).client.clientId);
    expect(ids.size).toBe(5);
  });

  it('never starts an id with - or _, which a command line would read as an option', async () => {
    // Without the rule one id in 32 would; 300 registrations all miss it by chance once in ~14,000 runs.
    const ids = await Promise.all(Array.from({ length: 300 }, async () => (await register(APP)).client.clientId));
    expect(ids.filter((id) => !/^[A-Za-z0-9][\w-]{21}$/.test(id))).toEqual([]);
  });

  it('keeps a launch URI and a JWKS URL as given', async () => {
    const { client } = await register({
      ...APP,
      type: 'confidential-asymmetric',
      launchUri: 'https://apps.example.org/launch',
      jwksUri: 'https://apps.example.org/.well-known/jwks.json',
    });
    expect(client).toMatchObject({ launchUri: 'https://apps.example.org/launch', jwksUri: 'https://apps.example.org/.well-known/jwks.json', jwks: null });
  });
});

describe('client secrets', () => {
  it('shows a confidential-symmetric secret once and stores only its SHA-256', async () => {
    const { client, secret } = await register({ ...APP, type: 'confidential-symmetric' });
    expect(secret).toMatch(/^[\w-]{43}$/); // 256 random bits, base64url
    const sha256 = createHash('sha256').update(secret!).digest('hex');
    expect(client.secretHash).toBe(sha256);
    expect(hashSecret(secret!)).toBe(sha256);
    const row = JSON.stringify(db.prepare('SELECT * FROM clients WHERE client_id = ?').get(client.clientId));
    expect(row).toContain(sha256);
    expect(row).not.toContain(secret);
  });

  it('makes a different secret for every client', async () => {
    const a = await register({ ...APP, type: 'confidential-symmetric' });
    const b = await register({ ...APP, type: 'confidential-symmetric' });
    expect(a.secret).not.toBe(b.secret);
    expect(a.client.secretHash).not.toBe(b.client.secretHash);
  });
});

describe('registerClient validation', () => {
  it.each([
    ['an empty name', { ...APP, name: '   ' }, 'name'],
    ['a 201-character name', { ...APP, name: 'x'.repeat(201) }, 'name'],
    ['an unknown type', { ...APP, type: 'trusted' as never }, 'type'],
    ['an unknown grant type', { ...APP, grantType: 'password' as never }, 'grant-type'],
    ['a public backend service', { name: 'Export', grantType: 'client_credentials' as const, type: 'public' as const }, 'type'],
    ['a symmetric backend service', { name: 'Export', grantType: 'client_credentials' as const, type: 'confidential-symmetric' as const }, 'type'],
    ['an app without redirect URIs', { name: 'App' }, 'redirect-uri'],
    ['a relative launch URI', { ...APP, launchUri: '/launch' }, 'launch-uri'],
    ['an ftp launch URI', { ...APP, launchUri: 'ftp://apps.example.org/launch' }, 'launch-uri'],
    ['a relative JWKS URL', { ...APP, type: 'confidential-asymmetric' as const, jwksUri: 'jwks.json' }, 'jwks-uri'],
    ['an asymmetric client without keys', { ...APP, type: 'confidential-asymmetric' as const }, 'jwks'],
    ['a backend service without keys', { name: 'Export', grantType: 'client_credentials' as const }, 'jwks'],
    ['a public client with a JWKS URL', { ...APP, jwksUri: 'https://apps.example.org/jwks.json' }, 'jwks'],
    ['a symmetric client with a JWKS URL', { ...APP, type: 'confidential-symmetric' as const, jwksUri: 'https://apps.example.org/jwks.json' }, 'jwks'],
    ['an empty scope', { ...APP, scope: '   ' }, 'scope'],
    ['a scope with a quote', { ...APP, scope: 'openid "patient/*.rs"' }, 'scope'],
    ['a scope with a backslash', { ...APP, scope: 'patient\\*.rs' }, 'scope'],
    ['a scope with a non-ASCII character', { ...APP, scope: 'patient/Obsérvation.rs' }, 'scope'],
  ] satisfies [string, NewClient, string][])('refuses %s (field %s)', async (_, input, field) => {
    expect(await refusal(input)).toBe(field);
  });

  it('refuses keys that are missing, private, symmetric, or given twice', async () => {
    const asymmetric = { ...APP, type: 'confidential-asymmetric' as const };
    expect(await refusal({ ...asymmetric, jwks: { keys: [] } })).toBe('jwks');
    expect(await refusal({ ...asymmetric, jwks: { keys: [privateJwk] } })).toBe('jwks');
    expect(await refusal({ ...asymmetric, jwks: { keys: [{ kty: 'oct', k: 'c2VjcmV0' }] } })).toBe('jwks');
    expect(await refusal({ ...asymmetric, jwks: publicJwks, jwksUri: 'https://apps.example.org/jwks.json' })).toBe('jwks');
    expect(await refusal({ ...APP, jwks: publicJwks })).toBe('jwks');
    expect(await refusal({ ...asymmetric, jwks: publicJwks })).toBe('accepted');
  });

  it('stores nothing when it refuses', async () => {
    await refusal({ ...APP, redirectUris: ['http://apps.example.org/cb'] });
    expect(db.prepare('SELECT count(*) AS n FROM clients').get()).toEqual({ n: 0 });
  });

  it('says which rule a refused redirect URI breaks', async () => {
    await expect(register({ ...APP, redirectUris: ['https://apps.example.org/cb#x'] })).rejects.toThrow('redirect-uri: must not contain a fragment');
    await expect(register({ ...APP, redirectUris: ['http://apps.example.org/cb'] })).rejects.toThrow(
      'redirect-uri: must use https (http is allowed only on localhost)',
    );
  });
});

describe('redirect URIs', () => {
  const withUri = (uri: string) => refusal({ ...APP, redirectUris: [uri] });

  it.each([
    'https://apps.example.org/callback',
    'https://apps.example.org/callback?tenant=7',
    'http://localhost:3000/callback',
    'http://127.0.0.1:8765/cb',
    'http://[::1]:8765/cb',
  ])('accepts %s', async (uri) => {
    expect(await withUri(uri)).toBe('accepted');
  });

  it.each([
    'http://apps.example.org/callback', // plain http off loopback
    'http://localhost.evil.example/callback', // looks like loopback, is not
    'http://127.0.0.1.nip.io/callback',
    'https://apps.example.org/callback#state',
    'https://apps.example.org/callback#', // an empty fragment is still a fragment
    '/callback',
    'apps.example.org/callback',
    'javascript:alert(1)',
    'data:text/html,hi',
    'file:///etc/passwd',
  ])('refuses %s', async (uri) => {
    expect(await withUri(uri)).toBe('redirect-uri');
  });

  it('refuses the whole registration when any one of several redirect URIs is bad', async () => {
    expect(await refusal({ ...APP, redirectUris: ['https://apps.example.org/a', 'http://apps.example.org/b'] })).toBe('redirect-uri');
  });
});

describe('scopes', () => {
  it('collapses whitespace and drops repeated scopes, keeping their order', async () => {
    const { client } = await register({ ...APP, scope: '  openid\tfhirUser  patient/*.rs openid\n launch ' });
    expect(client.scope).toBe('openid fhirUser patient/*.rs launch');
  });
});

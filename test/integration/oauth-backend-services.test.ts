import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK } from 'jose';
import * as oauth from 'oauth4webapi';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { json, startTestGateway, type TestGateway } from '../helpers/gateway.ts';
import {
  authorizeCode,
  createPatientUser,
  discover,
  expectOAuthError,
  postForm,
  registerApp,
  TestClock,
  viaApp,
  type RegisteredApp,
} from '../helpers/oauth.ts';

const JWT_BEARER = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';
const clock = new TestClock();

interface KeyPair {
  readonly kid: string;
  readonly alg: 'ES384' | 'RS384';
  readonly privateKey: CryptoKey;
  /** The public JWK as Inferno publishes its keys: with alg and key_ops. */
  readonly jwk: JWK;
}

async function keyPair(alg: 'ES384' | 'RS384', kid: string): Promise<KeyPair> {
  const { publicKey, privateKey } = await generateKeyPair(alg);
  return { kid, alg, privateKey, jwk: { ...(await exportJWK(publicKey)), kid, alg, key_ops: ['verify'] } };
}

/** A JWKS URL on a loopback fixture server whose keys and Cache-Control the test changes; counts fetches. */
async function jwksServer() {
  const state = { keys: [] as JWK[], cacheControl: 'max-age=5', fetches: 0 };
  const server = http.createServer((_req, res) => {
    state.fetches++;
    res.writeHead(200, { 'Content-Type': 'application/json', 'Cache-Control': state.cacheControl });
    res.end(JSON.stringify({ keys: state.keys }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as { port: number }).port}/jwks.json`;
  return { state, url, close: () => new Promise((resolve) => server.close(resolve)) };
}

let gw: TestGateway;
let es: KeyPair;
let rs: KeyPair;
let inline: RegisteredApp;
let patientId: string;
let fixture: Awaited<ReturnType<typeof jwksServer>>;

const TOKEN_URL = () => gw.config.publicUrl + '/auth/token';

beforeAll(async () => {
  gw = await startTestGateway({}, clock.now);
  fixture = await jwksServer();
  [es, rs] = await Promise.all([keyPair('ES384', 'es-1'), keyPair('RS384', 'rs-1')]);
  inline = await registerApp(gw, {
    grantType: 'client_credentials',
    type: 'confidential-asymmetric',
    redirectUris: [],
    jwks: { keys: [es.jwk, rs.jwk] },
    scope: 'system/Patient.rs system/Observation.rs',
  });
  patientId = (await createPatientUser(gw, 'alice')).patientId;
});

afterAll(async () => {
  await fixture.close();
  await gw.close();
});

/** A client assertion (RFC 7523) for `clientId`, valid by default; `claims`/`header` override or (undefined) remove. */
async function assertion(key: KeyPair, clientId = inline.clientId, claims: Record<string, unknown> = {}, header: Record<string, unknown> = {}): Promise<string> {
  const now = Math.floor(clock.now().getTime() / 1000);
  const payload: Record<string, unknown> = { iss: clientId, sub: clientId, aud: TOKEN_URL(), exp: now + 300, jti: randomUUID(), ...claims };
  for (const name of Object.keys(payload)) if (payload[name] === undefined) delete payload[name];
  return new SignJWT(payload).setProtectedHeader({ alg: key.alg, kid: key.kid, typ: 'JWT', ...header } as any).sign(key.privateKey);
}

function backendToken(clientAssertion: string, extra: Record<string, string> = {}): Promise<Response> {
  return postForm(gw, '/auth/token', {
    grant_type: 'client_credentials',
    scope: 'system/Patient.rs',
    client_assertion_type: JWT_BEARER,
    client_assertion: clientAssertion,
    ...extra,
  }, { headers: { Accept: 'application/json' } });
}

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

describe('discovery and a valid request', () => {
  it('BS-01 discovery advertises client_credentials, private_key_jwt with RS384 and ES384, and system scopes', async () => {
    const config = await json(await gw.app.request('/fhir/.well-known/smart-configuration'));
    expect(config.grant_types_supported).toContain('client_credentials');
    expect(config.token_endpoint_auth_methods_supported).toContain('private_key_jwt');
    expect(config.token_endpoint_auth_signing_alg_values_supported).toEqual(expect.arrayContaining(['RS384', 'ES384']));
    expect(config.capabilities).toContain('client-confidential-asymmetric');
    expect(config.scopes_supported.some((s: string) => s.startsWith('system/'))).toBe(true);
  });

  it.each(['ES384', 'RS384'] as const)('BS-02 BS-03 BS-04 BS-09 an %s assertion (no iat, keys with alg and key_ops) gets a short-lived token without refresh token', async (alg) => {
    const res = await backendToken(await assertion(alg === 'ES384' ? es : rs));
    expect(res.headers.get('cache-control')).toContain('no-store');
    const body = await json(res);
    expect(res.status, JSON.stringify(body)).toBe(200);
    expect(body.token_type.toLowerCase()).toBe('bearer');
    expect(typeof body.expires_in).toBe('number');
    expect(body.expires_in).toBeLessThanOrEqual(300);
    expect(body.scope).toBe('system/Patient.rs');
    expect(body).not.toHaveProperty('refresh_token');
    expect(body).not.toHaveProperty('id_token');
    expect((await gw.fhir(`/fhir/Patient/${patientId}`, { token: body.access_token })).status).toBe(200);
  });

  it('BS-03 oauth4webapi (PrivateKeyJwt, aud = the issuer) gets a token', async () => {
    const as = await discover(gw);
    const client = { client_id: inline.clientId, [oauth.clockSkew]: Math.round((clock.now().getTime() - Date.now()) / 1000) };
    const auth = oauth.PrivateKeyJwt({ key: es.privateKey, kid: es.kid });
    const res = await oauth.clientCredentialsGrantRequest(as, client, auth, new URLSearchParams({ scope: 'system/Observation.rs' }), viaApp(gw));
    const body = await oauth.processClientCredentialsResponse(as, client, res);
    expect(body.scope).toBe('system/Observation.rs');
  });

  it('BS-11 grants requested ∩ pre-authorized, and refuses a request wholly outside it with invalid_scope', async () => {
    const granted = async (scope: string) => (await json(await backendToken(await assertion(es), { scope }))).scope;
    expect(await granted('system/*.rs')).toBe('system/Patient.rs system/Observation.rs');
    expect(await granted('system/Patient.rs system/Encounter.rs')).toBe('system/Patient.rs');
    expect(await granted('system/Patient.cruds')).toBe('system/Patient.rs');
    await expectOAuthError(await backendToken(await assertion(es), { scope: 'system/Encounter.rs' }), 400, 'invalid_scope');
    await expectOAuthError(await backendToken(await assertion(es), { scope: 'patient/*.rs user/*.rs' }), 400, 'invalid_scope');
  });

  it('API-11 a backend token is refused once its 300 seconds are over', async () => {
    const { access_token } = await json(await backendToken(await assertion(es)));
    clock.advance(301);
    expect((await gw.fhir(`/fhir/Patient/${patientId}`, { token: access_token })).status).toBe(401);
  });
});

describe('refusals', () => {
  it('BS-05 an unknown grant_type with a valid assertion is exactly 400 unsupported_grant_type', async () => {
    await expectOAuthError(await backendToken(await assertion(es), { grant_type: 'not_a_grant_type' }), 400, 'unsupported_grant_type');
  });

  it('BS-06 an unknown client_assertion_type is 401 invalid_client', async () => {
    await expectOAuthError(await backendToken(await assertion(es), { client_assertion_type: 'not_an_assertion_type' }), 401, 'invalid_client');
  });

  it('NG-16 client_credentials with a client secret is refused', async () => {
    const conf = await registerApp(gw, { type: 'confidential-symmetric' });
    await expectOAuthError(await postForm(gw, '/auth/token', { grant_type: 'client_credentials', scope: 'system/Patient.rs' }, { basic: [conf.clientId, conf.secret!] }), 400, 'unauthorized_client');
  });

  const now = () => Math.floor(clock.now().getTime() / 1000);
  it.each<[string, () => Promise<string>]>([
    ['exp more than five minutes ahead', () => assertion(es, undefined, { exp: now() + 600 })],
    ['an expired exp', () => assertion(es, undefined, { exp: now() - 300 })],
    ['no exp', () => assertion(es, undefined, { exp: undefined })],
    ['no jti', () => assertion(es, undefined, { jti: undefined })],
    ['aud = the FHIR base', () => assertion(es, undefined, { aud: gw.config.fhirBaseUrl })],
    ['aud = another server', () => assertion(es, undefined, { aud: 'https://other.example/token' })],
    ['iss ≠ sub', () => assertion(es, undefined, { sub: 'someone-else' })],
    ['G.41 an iat ten minutes in the future', () => assertion(es, undefined, { iat: now() + 600, exp: now() + 60 })],
    ['an unknown kid', () => assertion(es, undefined, {}, { kid: 'nope' })],
    ['RS384 with the kid of the EC key', () => assertion({ ...rs, kid: 'es-1' })],
    ['a jku that is not registered', () => assertion(es, undefined, {}, { jku: 'https://evil.example/jwks.json' })],
    ['alg none', async () => `${b64({ alg: 'none', typ: 'JWT' })}.${b64({ iss: inline.clientId, sub: inline.clientId, aud: TOKEN_URL(), exp: now() + 60, jti: randomUUID() })}.`],
    ['HS256 keyed with the client_id', () =>
      new SignJWT({ iss: inline.clientId, sub: inline.clientId, aud: TOKEN_URL(), exp: now() + 60, jti: randomUUID() })
        .setProtectedHeader({ alg: 'HS256', kid: 'es-1' })
        .sign(new TextEncoder().encode(inline.clientId))],
    ['a tampered payload', async () => {
      const [h, , sig] = (await assertion(es)).split('.');
      return `${h}.${b64({ iss: inline.clientId, sub: inline.clientId, aud: TOKEN_URL(), exp: now() + 60, jti: randomUUID() })}.${sig}`;
    }],
    ['not a JWT at all', async () => 'garbage'],
  ])('NG-15 BS-07 BS-08 BS-09 %s is 401 invalid_client', async (_name, make) => {
    await expectOAuthError(await backendToken(await make()), 401, 'invalid_client');
  });

  it('NG-15 BS-07 a replayed assertion (same jti) is 401 invalid_client, also freshly signed', async () => {
    const jti = randomUUID();
    const first = await assertion(es, undefined, { jti });
    expect((await backendToken(first)).status).toBe(200);
    await expectOAuthError(await backendToken(first), 401, 'invalid_client');
    await expectOAuthError(await backendToken(await assertion(rs, undefined, { jti })), 401, 'invalid_client');
  });

  it('NG-15 a jti is remembered across a restart on the same database file', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'portico-jti-'));
    const env = { DATABASE_URL: `file:${path.join(dir, 'gateway.db')}` };
    try {
      const first = await startTestGateway(env, clock.now);
      const client = await registerApp(first, { grantType: 'client_credentials', type: 'confidential-asymmetric', redirectUris: [], jwks: { keys: [es.jwk] } });
      const signed = await assertion(es, client.clientId);
      const form = { grant_type: 'client_credentials', scope: 'system/Patient.rs', client_assertion_type: JWT_BEARER, client_assertion: signed };
      expect((await postForm(first, '/auth/token', form)).status).toBe(200);
      await first.close();
      const second = await startTestGateway(env, clock.now);
      await expectOAuthError(await postForm(second, '/auth/token', form), 401, 'invalid_client');
      await second.close();
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('a JWKS URL', () => {
  let byUrl: RegisteredApp;
  let first: KeyPair;
  let rotated: KeyPair;

  beforeAll(async () => {
    [first, rotated] = await Promise.all([keyPair('ES384', 'url-1'), keyPair('RS384', 'url-2')]);
    fixture.state.keys = [first.jwk];
    byUrl = await registerApp(gw, { grantType: 'client_credentials', type: 'confidential-asymmetric', redirectUris: [], jwksUri: fixture.url });
  });

  it('BS-02 BS-08 authenticates with a key fetched from the URL, a matching jku included, and caches it', async () => {
    const before = fixture.state.fetches;
    expect((await backendToken(await assertion(first, byUrl.clientId))).status).toBe(200);
    expect((await backendToken(await assertion(first, byUrl.clientId, {}, { jku: fixture.url }))).status).toBe(200);
    expect(fixture.state.fetches).toBe(before + 1);
  });

  it('BS-08 a jku other than the registered URL is refused without fetching anything', async () => {
    const before = fixture.state.fetches;
    await expectOAuthError(await backendToken(await assertion(first, byUrl.clientId, {}, { jku: `${fixture.url}?other` })), 401, 'invalid_client');
    expect(fixture.state.fetches).toBe(before);
  });

  it('BS-10 after a rotation and the max-age, the new key works and the retired one does not', async () => {
    fixture.state.keys = [rotated.jwk];
    clock.advance(6);
    const fetches = fixture.state.fetches;
    expect((await backendToken(await assertion(rotated, byUrl.clientId))).status).toBe(200);
    expect(fixture.state.fetches).toBe(fetches + 1);
    clock.advance(6);
    await expectOAuthError(await backendToken(await assertion(first, byUrl.clientId)), 401, 'invalid_client');
  });
});

describe('an app-launch client with private_key_jwt', () => {
  it('TK-10 BS-12 RF-06 exchanges its code without client_id, refreshes with fresh assertions, and a reused assertion is refused', async () => {
    const key = await keyPair('ES384', 'launch-1');
    const app = await registerApp(gw, { type: 'confidential-asymmetric', jwks: { keys: [key.jwk] } });
    const { code, verifier } = await authorizeCode(gw, app, { username: 'alice' });
    const auth = async () => ({ client_assertion_type: JWT_BEARER, client_assertion: await assertion(key, app.clientId) });
    const exchanged = await postForm(gw, '/auth/token', { grant_type: 'authorization_code', code, code_verifier: verifier, redirect_uri: app.redirectUri, ...(await auth()) });
    const tokens = await json(exchanged);
    expect(exchanged.status, JSON.stringify(tokens)).toBe(200);
    expect(tokens.patient).toBe(patientId);
    const firstAuth = await auth();
    const once = await json(await postForm(gw, '/auth/token', { grant_type: 'refresh_token', refresh_token: tokens.refresh_token, ...firstAuth }));
    const twice = await json(await postForm(gw, '/auth/token', { grant_type: 'refresh_token', refresh_token: once.refresh_token, ...(await auth()) }));
    expect(twice.access_token).toBeTypeOf('string');
    const replay = await postForm(gw, '/auth/token', { grant_type: 'refresh_token', refresh_token: twice.refresh_token, ...firstAuth });
    await expectOAuthError(replay, 401, 'invalid_client');
  });
});

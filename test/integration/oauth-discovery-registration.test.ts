import { exportJWK, generateKeyPair } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashSecret, newSecret } from '../../gateway/src/oauth/secrets.ts';
import { json, startTestGateway, type TestGateway } from '../helpers/gateway.ts';
import { createPatientUser, createPractitioner, createUser, ehrLaunch, expectOAuthError, launch, postForm, registerApp } from '../helpers/oauth.ts';

let gw: TestGateway;
let config: Record<string, any>;

beforeAll(async () => {
  gw = await startTestGateway();
  await createPatientUser(gw, 'alice');
  config = await json(await gw.app.request('/fhir/.well-known/smart-configuration'));
});
afterAll(() => gw.close());

const ENDPOINT_FIELDS = ['authorization_endpoint', 'token_endpoint', 'jwks_uri', 'introspection_endpoint', 'revocation_endpoint', 'management_endpoint', 'registration_endpoint'];

describe('SMART discovery', () => {
  it.each(['', 'text/html', 'application/fhir+json'])('D-01 D-02 is public JSON whatever Accept says (Accept: "%s")', async (accept) => {
    const res = await gw.app.request('/fhir/.well-known/smart-configuration', accept ? { headers: { Accept: accept } } : {});
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    expect(await res.json()).toEqual(config);
  });

  it('D-03 D-07 has the required fields with their types; capabilities are strings', () => {
    expect(typeof config.authorization_endpoint).toBe('string');
    expect(typeof config.token_endpoint).toBe('string');
    for (const field of ['capabilities', 'grant_types_supported', 'code_challenge_methods_supported']) expect(Array.isArray(config[field]), field).toBe(true);
    expect(config.capabilities.every((c: unknown) => typeof c === 'string')).toBe(true);
  });

  it('D-04 D-05 D-06 offers the code and client_credentials grants, S256 and never plain, and an issuer with its JWKS', () => {
    expect(config.grant_types_supported).toEqual(expect.arrayContaining(['authorization_code', 'client_credentials']));
    expect(config.code_challenge_methods_supported).toEqual(['S256']);
    expect(config.capabilities).toContain('sso-openid-connect');
    expect(config.issuer).toBe(gw.config.publicUrl);
    expect(config.jwks_uri).toBe(`${gw.config.publicUrl}/.well-known/jwks.json`);
  });

  it('D-08 D-09 D-10 lists every capability the gateway implements, in SMART 2 and 1.0 spelling', () => {
    expect([...config.capabilities].sort()).toEqual(
      [
        'launch-ehr', 'launch-standalone', 'authorize-post',
        'client-public', 'client-confidential-symmetric', 'client-confidential-asymmetric',
        'context-banner', 'context-style', 'context-passthrough-banner', 'context-passthrough-style',
        'context-ehr-patient', 'context-ehr-encounter', 'context-standalone-patient',
        'permission-offline', 'permission-online', 'permission-patient', 'permission-user', 'permission-v1', 'permission-v2',
        'sso-openid-connect',
      ].sort(),
    );
  });

  it('D-11 every endpoint URL is absolute, and https when PUBLIC_URL is', async () => {
    const https = await startTestGateway({ PUBLIC_URL: 'https://portico.example' });
    try {
      const secure = await json(await https.app.request('/fhir/.well-known/smart-configuration'));
      for (const field of ENDPOINT_FIELDS) expect(secure[field], field).toMatch(/^https:\/\/portico\.example\//);
      for (const field of ENDPOINT_FIELDS) expect(new URL(config[field]).origin, field).toBe('http://localhost');
    } finally {
      await https.close();
    }
  });

  it('D-12 D-13 BS-01 publishes the recommended metadata and what asymmetric clients need', () => {
    expect(config.response_types_supported).toEqual(['code']);
    expect(config.token_endpoint_auth_methods_supported).toEqual(expect.arrayContaining(['client_secret_basic', 'private_key_jwt']));
    for (const method of config.token_endpoint_auth_methods_supported) expect(['client_secret_basic', 'client_secret_post', 'private_key_jwt', 'none']).toContain(method);
    expect(config.token_endpoint_auth_signing_alg_values_supported).toEqual(expect.arrayContaining(['RS384', 'ES384']));
    expect(config.token_endpoint_auth_signing_alg_values_supported).not.toContain('none');
    expect(config.token_endpoint_auth_signing_alg_values_supported.some((a: string) => a.startsWith('HS'))).toBe(false);
    expect(config.scopes_supported.length).toBeGreaterThan(0);
    expect(config.authorization_response_iss_parameter_supported).toBe(true);
  });

  it('D-12 every scope in scopes_supported can be granted', async () => {
    const practitioner = await createPractitioner(gw);
    const { id: userId } = await createUser(gw, { username: 'dr.scopes', role: 'practitioner', fhirUser: `Practitioner/${practitioner}` });
    const supported: string[] = config.scopes_supported;
    const app = await registerApp(gw, { type: 'confidential-symmetric', launchUri: 'https://app.example/launch', scope: supported.join(' ') });
    const patient = (await createPatientUser(gw, 'scoped')).patientId;
    const { launch: id } = await ehrLaunch(gw, { clientId: app.clientId, patientId: patient, userId });
    const personal = supported.filter((s) => !s.startsWith('system/'));
    const body = await launch(gw, app, { username: 'dr.scopes', scope: personal.join(' '), launch: id });
    expect(body.scope.split(' ').sort()).toEqual([...personal].sort());
  });

  it('D-14 D-15 discovery, OIDC discovery, JWKS and /metadata answer any Origin with CORS', async () => {
    for (const path of ['/fhir/.well-known/smart-configuration', '/.well-known/openid-configuration', '/.well-known/jwks.json', '/fhir/metadata']) {
      const res = await gw.app.request(path, { headers: { Origin: 'https://inferno.healthit.gov', Accept: 'application/fhir+json' } });
      expect(res.status, path).toBe(200);
      expect(res.headers.get('access-control-allow-origin'), path).toBe('*');
    }
  });

  it("D-15 /metadata's oauth-uris extension equals the discovery URLs", async () => {
    const metadata = await json(await gw.app.request('/fhir/metadata'));
    const extension = metadata.rest[0].security.extension.find((e: any) => e.url === 'http://fhir-registry.smarthealthit.org/StructureDefinition/oauth-uris');
    const uris = Object.fromEntries(extension.extension.map((e: any) => [e.url, e.valueUri]));
    expect(uris).toEqual({
      authorize: config.authorization_endpoint,
      token: config.token_endpoint,
      register: config.registration_endpoint,
      manage: config.management_endpoint,
      introspect: config.introspection_endpoint,
      revoke: config.revocation_endpoint,
    });
  });

  it('EL-09 the smart_style_url serves public JSON', async () => {
    const { smart_style_url } = await launch(gw, await registerApp(gw), { username: 'alice' });
    const res = await gw.app.request(new URL(smart_style_url).pathname);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    expect(res.headers.get('cache-control')).toBe('public, max-age=86400');
    expect((await res.json()).color_background).toMatch(/^#/);
  });
});

describe('dynamic client registration (RFC 7591)', () => {
  /** An initial access token as `npm run cli -- client token` makes one. */
  async function initialAccessToken(target = gw, expiresInSeconds = 86_400): Promise<string> {
    const token = newSecret();
    const now = target.now();
    await target.store.initialAccessTokens.insert(hashSecret(token), now, new Date(now.getTime() + expiresInSeconds * 1000));
    return token;
  }

  const register = (metadata: unknown, token?: string, target = gw) =>
    target.app.request('/auth/register', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', ...(token ? { Authorization: `Bearer ${token}` } : {}) },
      body: typeof metadata === 'string' ? metadata : JSON.stringify(metadata),
    });

  const APP = { client_name: 'Registered app', redirect_uris: ['https://registered.example/cb'] };

  it('X-02 needs an initial access token: without one, or with a wrong or expired one, 401', async () => {
    for (const token of [undefined, 'not-a-token', await initialAccessToken(gw, -1)]) {
      const res = await register(APP, token);
      await expectOAuthError(res, 401, 'invalid_token');
      expect(res.headers.get('www-authenticate')).toMatch(/^Bearer /);
    }
  });

  it('X-02 registers a confidential client (201, client_id and secret) that then completes a launch; the token is single-use', async () => {
    const token = await initialAccessToken();
    const res = await register(APP, token);
    expect(res.status).toBe(201);
    expect(res.headers.get('cache-control')).toContain('no-store');
    const body = await json(res);
    expect(body).toMatchObject({ client_name: 'Registered app', redirect_uris: APP.redirect_uris, token_endpoint_auth_method: 'client_secret_basic', grant_types: ['authorization_code'] });
    expect(body.client_id).toBeTypeOf('string');
    expect(body.client_secret).toBeTypeOf('string');
    const tokens = await launch(gw, { clientId: body.client_id, secret: body.client_secret, redirectUri: APP.redirect_uris[0]! }, { username: 'alice' });
    expect(tokens.patient).toBeTypeOf('string');
    await expectOAuthError(await register(APP, token), 401, 'invalid_token');
  });

  it('X-02 registers a public client without a secret, and a private_key_jwt client with its JWKS', async () => {
    const pub = await json(await register({ ...APP, token_endpoint_auth_method: 'none' }, await initialAccessToken()));
    expect(pub).not.toHaveProperty('client_secret');
    const tokens = await launch(gw, { clientId: pub.client_id, redirectUri: APP.redirect_uris[0]! }, { username: 'alice' });
    expect((await gw.fhir(`/fhir/Patient/${tokens.patient}`, { token: tokens.access_token })).status).toBe(200);
    const { publicKey } = await generateKeyPair('ES384');
    const jwks = { keys: [{ ...(await exportJWK(publicKey)), kid: 'k' }] };
    const keyed = await json(await register({ client_name: 'Service', grant_types: ['client_credentials'], token_endpoint_auth_method: 'private_key_jwt', jwks }, await initialAccessToken()));
    expect(keyed).toMatchObject({ grant_types: ['client_credentials'], token_endpoint_auth_method: 'private_key_jwt', jwks });
    expect(keyed).not.toHaveProperty('client_secret');
  });

  it.each<[string, unknown, string]>([
    ['a body that is not JSON', 'not json', 'invalid_client_metadata'],
    ['a JSON array', [], 'invalid_client_metadata'],
    ['an unknown token_endpoint_auth_method', { ...APP, token_endpoint_auth_method: 'magic' }, 'invalid_client_metadata'],
    ['the implicit grant', { ...APP, grant_types: ['implicit'] }, 'invalid_client_metadata'],
    ['a client_name that is not a string', { ...APP, client_name: 42 }, 'invalid_client_metadata'],
    ['a private key in the JWKS', { client_name: 'x', grant_types: ['client_credentials'], token_endpoint_auth_method: 'private_key_jwt', jwks: { keys: [{ kty: 'EC', d: 'secret', crv: 'P-256', x: 'a', y: 'b' }] } }, 'invalid_client_metadata'],
    ['no redirect_uris for an app that signs users in', { client_name: 'x' }, 'invalid_redirect_uri'],
    ['an http redirect URI off loopback', { ...APP, redirect_uris: ['http://registered.example/cb'] }, 'invalid_redirect_uri'],
    ['a redirect URI with a fragment', { ...APP, redirect_uris: ['https://registered.example/cb#x'] }, 'invalid_redirect_uri'],
    ['a javascript: redirect URI', { ...APP, redirect_uris: ['javascript:alert(1)'] }, 'invalid_redirect_uri'],
  ])('X-02 refuses %s with 400 %s', async (_name, metadata, error) => {
    await expectOAuthError(await register(metadata, await initialAccessToken()), 400, error);
  });

  it('X-02 OPEN_REGISTRATION=true registers without a token', async () => {
    const open = await startTestGateway({ OPEN_REGISTRATION: 'true' });
    try {
      const res = await register(APP, undefined, open);
      expect(res.status).toBe(201);
      expect((await json(res)).client_id).toBeTypeOf('string');
    } finally {
      await open.close();
    }
  });

  it('NG-18 the OAuth endpoints take cross-site form posts (no CSRF middleware)', async () => {
    for (const path of ['/auth/token', '/auth/introspect', '/auth/revoke']) {
      const res = await postForm(gw, path, { token: 'x', grant_type: 'refresh_token', refresh_token: 'x' }, { headers: { Origin: 'https://x.example', 'Sec-Fetch-Site': 'cross-site' } });
      expect(res.status, path).not.toBe(403);
    }
  });
});

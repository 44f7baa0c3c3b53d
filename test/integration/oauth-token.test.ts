import { createHash, randomUUID } from 'node:crypto';
import { createLocalJWKSet, decodeJwt, decodeProtectedHeader, exportJWK, generateKeyPair, jwtVerify, type CryptoKey } from 'jose';
import * as oauth from 'oauth4webapi';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { json, startTestGateway, type TestGateway } from '../helpers/gateway.ts';
import {
  authorizeCode,
  createPatientUser,
  discover,
  exchangeCode,
  expectOAuthError,
  launch,
  pkce,
  postForm,
  refresh,
  registerApp,
  signInAndConsent,
  TestClock,
  viaApp,
  type RegisteredApp,
} from '../helpers/oauth.ts';

// oauth4webapi is the strict, independent client: it checks discovery, the authorization response
// (state, RFC 9207 iss), the token response and the id_token claims by the RFCs.

const SCOPE = 'launch/patient openid fhirUser offline_access patient/*.rs';

let gw: TestGateway;
let as: oauth.AuthorizationServer;
let patientId: string;
let pub: RegisteredApp;
let conf: RegisteredApp;
let other: RegisteredApp;
let keyApp: RegisteredApp;
let appKey: CryptoKey;

const alice = { username: 'alice' };

beforeAll(async () => {
  gw = await startTestGateway();
  patientId = (await createPatientUser(gw, 'alice')).patientId;
  pub = await registerApp(gw);
  conf = await registerApp(gw, { type: 'confidential-symmetric' });
  other = await registerApp(gw, { type: 'confidential-symmetric' });
  const { publicKey, privateKey } = await generateKeyPair('ES384');
  appKey = privateKey;
  keyApp = await registerApp(gw, { type: 'confidential-asymmetric', jwks: { keys: [{ ...(await exportJWK(publicKey)), kid: 'app-1', alg: 'ES384' }] } });
  as = await discover(gw);
});

afterAll(() => gw.close());

/** Authorization request (as oauth4webapi's caller builds it), the pages, the callback validated by oauth4webapi, the exchange. */
async function codeExchange(app: RegisteredApp, auth: oauth.ClientAuth, opts: { scope?: string; nonce?: string } = {}) {
  const client = { client_id: app.clientId };
  const verifier = oauth.generateRandomCodeVerifier();
  const state = oauth.generateRandomState();
  const url = new URL(as.authorization_endpoint!);
  const params = { response_type: 'code', client_id: app.clientId, redirect_uri: app.redirectUri, scope: opts.scope ?? SCOPE, state, aud: gw.config.fhirBaseUrl };
  for (const [name, value] of Object.entries(params)) url.searchParams.set(name, value);
  url.searchParams.set('code_challenge', await oauth.calculatePKCECodeChallenge(verifier));
  url.searchParams.set('code_challenge_method', 'S256');
  if (opts.nonce) url.searchParams.set('nonce', opts.nonce);
  const callback = oauth.validateAuthResponse(as, client, new URL(await signInAndConsent(gw, url.pathname + url.search, alice)), state);
  const res = await oauth.authorizationCodeGrantRequest(as, client, auth, callback, app.redirectUri, verifier, viaApp(gw));
  const headers = res.headers;
  const body = await oauth.processAuthorizationCodeResponse(as, client, res, { expectedNonce: opts.nonce, requireIdToken: (opts.scope ?? SCOPE).includes('openid') });
  return { headers, body: body as Record<string, any> };
}

const readPatient = (token: string, id = patientId) => gw.fhir(`/fhir/Patient/${id}`, { token });

describe('the authorization_code grant, by client type (oauth4webapi)', () => {
  it('TK-01 TK-02 TK-03 TK-05 TK-08 TK-12 TK-13 a public client gets a complete, uncacheable token response', async () => {
    const { headers, body } = await codeExchange(pub, oauth.None());
    expect(headers.get('content-type')).toMatch(/^application\/json/);
    expect(headers.get('cache-control')).toContain('no-store');
    expect(headers.get('pragma')).toContain('no-cache');
    expect(body.token_type).toBe('bearer'); // oauth4webapi lower-cases it; the wire value is checked below
    expect(body.expires_in).toBe(3600);
    expect(body.scope).toBe(SCOPE);
    expect(body.patient).toBe(patientId);
    expect(body.refresh_token).toBeTypeOf('string');
    expect(body.access_token).toMatch(/^[A-Za-z0-9._~+/=-]+$/);
    expect(body.access_token.length).toBeLessThan(4096);
    expect(body).not.toHaveProperty('fhirContext');
    expect((await readPatient(body.access_token)).status).toBe(200);
  });

  it('TK-02 expires_in is a JSON number and token_type is "Bearer" on the wire', async () => {
    const body = await launch(gw, pub, alice);
    expect(typeof body.expires_in).toBe('number');
    expect(body.token_type).toBe('Bearer');
  });

  it('TK-09 a confidential symmetric client authenticates with HTTP Basic', async () => {
    const { body } = await codeExchange(conf, oauth.ClientSecretBasic(conf.secret!));
    expect((await readPatient(body.access_token)).status).toBe(200);
  });

  it('TK-10 BS-12 a confidential asymmetric client authenticates with private_key_jwt', async () => {
    const { body } = await codeExchange(keyApp, oauth.PrivateKeyJwt({ key: appKey, kid: 'app-1' }));
    expect(body.id_token).toBeTypeOf('string');
    expect((await readPatient(body.access_token)).status).toBe(200);
  });

  it('TK-11 token responses carry CORS headers for any Origin, errors included, and the preflight answers 204', async () => {
    const { code, verifier } = await authorizeCode(gw, pub, alice);
    const origin = { Origin: 'https://inferno.healthit.gov' };
    const ok = await postForm(gw, '/auth/token', { grant_type: 'authorization_code', code, code_verifier: verifier, redirect_uri: pub.redirectUri, client_id: pub.clientId }, { headers: origin });
    expect(ok.status).toBe(200);
    expect(ok.headers.get('access-control-allow-origin')).toBe('*');
    const bad = await postForm(gw, '/auth/token', { grant_type: 'authorization_code', code, code_verifier: verifier, redirect_uri: pub.redirectUri, client_id: pub.clientId }, { headers: origin });
    await expectOAuthError(bad, 400, 'invalid_grant');
    expect(bad.headers.get('access-control-allow-origin')).toBe('*');
    expect(bad.headers.get('pragma')).toBe('no-cache');
    const preflight = await gw.app.request('/auth/token', {
      method: 'OPTIONS',
      headers: { ...origin, 'Access-Control-Request-Method': 'POST', 'Access-Control-Request-Headers': 'content-type, authorization' },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-origin')).toBe('*');
    expect(preflight.headers.get('access-control-allow-methods')).toContain('POST');
    expect(preflight.headers.get('access-control-allow-headers')!.toLowerCase()).toMatch(/authorization.*content-type|content-type.*authorization/);
  });

  it('M.86 the authorization endpoint, a navigation, answers no CORS preflight', async () => {
    const preflight = await gw.app.request('/auth/authorize', {
      method: 'OPTIONS',
      headers: { Origin: 'https://evil.example', 'Access-Control-Request-Method': 'POST' },
    });
    expect(preflight.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('H.50 no refresh token without offline_access or online_access', async () => {
    const body = await launch(gw, pub, { ...alice, scope: 'launch/patient openid fhirUser patient/*.rs' });
    expect(body).not.toHaveProperty('refresh_token');
  });
});

describe('bad token requests', () => {
  it('TK-14 an unknown grant_type is 400 unsupported_grant_type, even without client authentication', async () => {
    await expectOAuthError(await postForm(gw, '/auth/token', { grant_type: 'foo' }), 400, 'unsupported_grant_type');
    await expectOAuthError(await postForm(gw, '/auth/token', { grant_type: 'password', username: 'alice', password: 'x' }), 400, 'unsupported_grant_type');
  });

  it('NG-14 O.95 GET is 405 with an OAuth error; JSON bodies, a missing grant_type and repeated parameters are 400 invalid_request; a huge body 413', async () => {
    const get = await gw.app.request('/auth/token?grant_type=authorization_code&code=x');
    await expectOAuthError(get, 405, 'invalid_request');
    expect(get.headers.get('allow')).toBe('POST, OPTIONS');
    const jsonBody = await gw.app.request('/auth/token', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{"grant_type":"authorization_code"}' });
    await expectOAuthError(jsonBody, 400, 'invalid_request');
    await expectOAuthError(await postForm(gw, '/auth/token', { client_id: pub.clientId }), 400, 'invalid_request');
    const twice = await gw.app.request('/auth/token', {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: `grant_type=refresh_token&refresh_token=a&refresh_token=b&client_id=${pub.clientId}`,
    });
    await expectOAuthError(twice, 400, 'invalid_request');
    const huge = await postForm(gw, '/auth/token', { grant_type: 'refresh_token', refresh_token: 'x'.repeat(128 * 1024) });
    expect(huge.status).toBe(413);
    expect((await json(huge)).error).toBe('invalid_request');
  });

  it('NG-01 an invalid code with valid client authentication is exactly 400 invalid_grant', async () => {
    await expectOAuthError(await exchangeCode(gw, conf, 'BAD_CODE', pkce().verifier), 400, 'invalid_grant');
  });

  it('NG-02 NG-16 a bad client id, a wrong secret, a malformed Basic header or Basic for a public client is 401 invalid_client with WWW-Authenticate', async () => {
    const { code, verifier } = await authorizeCode(gw, conf, alice);
    const form = { grant_type: 'authorization_code', code, code_verifier: verifier, redirect_uri: conf.redirectUri };
    const cases = [
      await postForm(gw, '/auth/token', form, { basic: ['BAD_CLIENT_ID', conf.secret!] }),
      await postForm(gw, '/auth/token', form, { basic: [conf.clientId, 'wrong'] }),
      await postForm(gw, '/auth/token', form, { headers: { Authorization: 'Basic !!!' } }),
      await postForm(gw, '/auth/token', form, { headers: { Authorization: `Basic ${Buffer.from('no-colon').toString('base64')}` } }),
      await postForm(gw, '/auth/token', form, { basic: [pub.clientId, 'anything'] }),
    ];
    const bodies = [];
    for (const res of cases) {
      bodies.push(await expectOAuthError(res, 401, 'invalid_client'));
      expect(res.headers.get('www-authenticate')).toMatch(/^Basic /);
    }
    expect(bodies[0]).toEqual(bodies[1]); // unknown client and wrong secret are indistinguishable
    expect((await exchangeCode(gw, conf, code, verifier)).status).toBe(200); // none of them used the code up
  });

  it('F.35 ambiguous client identity is refused', async () => {
    const base = { grant_type: 'refresh_token', refresh_token: 'x' };
    await expectOAuthError(await postForm(gw, '/auth/token', { ...base, client_id: other.clientId }, { basic: [conf.clientId, conf.secret!] }), 400, 'invalid_request');
    await expectOAuthError(await postForm(gw, '/auth/token', { ...base, client_id: pub.clientId, client_secret: 'x' }), 401, 'invalid_client');
    await expectOAuthError(await postForm(gw, '/auth/token', { ...base, client_id: conf.clientId }), 401, 'invalid_client');
  });

  it('F.36 an app-launch client cannot use client_credentials', async () => {
    await expectOAuthError(await postForm(gw, '/auth/token', { grant_type: 'client_credentials', scope: 'system/*.rs', client_id: pub.clientId }), 400, 'unauthorized_client');
  });

  it.each([
    ['NG-03 no code_verifier', (_challenge: string) => undefined],
    ['NG-04 a blank code_verifier', () => ''],
    ['NG-05 a wrong 73-character code_verifier', () => `${randomUUID()}-${randomUUID()}`],
    ['NG-06 the code_challenge itself (a "plain" downgrade)', (challenge: string) => challenge],
  ])('%s is 400 invalid_grant, and the code is then dead (SL-12)', async (_name, badVerifier) => {
    const { code, verifier } = await authorizeCode(gw, pub, alice);
    const form: Record<string, string> = { grant_type: 'authorization_code', code, redirect_uri: pub.redirectUri, client_id: pub.clientId };
    const bad = badVerifier(createHash('sha256').update(verifier).digest('base64url'));
    if (bad !== undefined) form.code_verifier = bad;
    await expectOAuthError(await postForm(gw, '/auth/token', form), 400, 'invalid_grant');
    await expectOAuthError(await exchangeCode(gw, pub, code, verifier), 400, 'invalid_grant');
  });

  it('NG-09 a different redirect_uri is 400 invalid_grant; a missing one 400 invalid_request', async () => {
    const { code, verifier } = await authorizeCode(gw, pub, alice);
    await expectOAuthError(await exchangeCode(gw, pub, code, verifier, { redirect_uri: `${pub.redirectUri}/other` }), 400, 'invalid_grant');
    const second = await authorizeCode(gw, pub, alice);
    const res = await postForm(gw, '/auth/token', { grant_type: 'authorization_code', code: second.code, code_verifier: second.verifier, client_id: pub.clientId });
    await expectOAuthError(res, 400, 'invalid_request');
  });

  it('NG-11 a code redeemed by another client (with valid credentials) is 400 invalid_grant', async () => {
    const { code, verifier } = await authorizeCode(gw, conf, alice);
    await expectOAuthError(await exchangeCode(gw, { ...other, redirectUri: conf.redirectUri }, code, verifier), 400, 'invalid_grant');
  });
});

describe('an authorization code is single-use', () => {
  it('SL-12 E.26 a replay is 400 invalid_grant and revokes what the first exchange issued', async () => {
    const { code, verifier } = await authorizeCode(gw, pub, alice);
    const first = await json(await exchangeCode(gw, pub, code, verifier));
    await expectOAuthError(await exchangeCode(gw, pub, code, verifier), 400, 'invalid_grant');
    expect((await readPatient(first.access_token)).status).toBe(401);
    await expectOAuthError(await refresh(gw, pub, first.refresh_token), 400, 'invalid_grant');
  });

  it('E.27 a replay by another client, or with a wrong verifier, does not revoke the first exchange', async () => {
    const { code, verifier } = await authorizeCode(gw, conf, alice);
    const first = await json(await exchangeCode(gw, conf, code, verifier));
    await expectOAuthError(await exchangeCode(gw, { ...other, redirectUri: conf.redirectUri }, code, verifier), 400, 'invalid_grant');
    await expectOAuthError(await exchangeCode(gw, conf, code, pkce().verifier), 400, 'invalid_grant');
    expect((await readPatient(first.access_token)).status).toBe(200);
  });

  it('R1 of 20 concurrent exchanges of one code exactly one succeeds', async () => {
    const { code, verifier } = await authorizeCode(gw, pub, alice);
    const responses = await Promise.all(Array.from({ length: 20 }, () => exchangeCode(gw, pub, code, verifier)));
    expect(responses.filter((r) => r.status === 200)).toHaveLength(1);
    for (const res of responses.filter((r) => r.status !== 200)) await expectOAuthError(res, 400, 'invalid_grant');
  });
});

describe('the refresh_token grant', () => {
  it('RF-02 RF-05 RF-07 a refresh without scope returns the same scopes, a new refresh token and no-store headers', async () => {
    const first = await launch(gw, pub, alice);
    const res = await refresh(gw, pub, first.refresh_token);
    expect(res.headers.get('cache-control')).toContain('no-store');
    expect(res.headers.get('pragma')).toContain('no-cache');
    const body = await json(res);
    expect(res.status).toBe(200);
    expect(body).toMatchObject({ token_type: 'Bearer', scope: first.scope, expires_in: 3600 });
    expect(body.refresh_token).not.toBe(first.refresh_token);
    expect((await readPatient(body.access_token)).status).toBe(200);
  });

  it('RF-03 RF-04 H.49 the same or a narrower scope is granted verbatim; a wider one is 400 invalid_scope; the grant keeps its scope', async () => {
    const first = await launch(gw, conf, alice);
    const same = await json(await refresh(gw, conf, first.refresh_token, { scope: first.scope }));
    expect(same.scope).toBe(first.scope);
    const narrow = await json(await refresh(gw, conf, same.refresh_token, { scope: 'patient/Patient.rs' }));
    expect(narrow.scope).toBe('patient/Patient.rs');
    for (const scope of ['patient/*.cruds', 'patient/Patient.rs __x', '']) {
      await expectOAuthError(await refresh(gw, conf, narrow.refresh_token, { scope }), 400, 'invalid_scope');
    }
    const again = await json(await refresh(gw, conf, narrow.refresh_token));
    expect(again.scope).toBe(first.scope);
  });

  it("RF-06 another client's credentials with the refresh token are 400 invalid_grant, and it still works for its own", async () => {
    const first = await launch(gw, conf, alice);
    await expectOAuthError(await refresh(gw, other, first.refresh_token), 400, 'invalid_grant');
    await expectOAuthError(await refresh(gw, pub, first.refresh_token), 400, 'invalid_grant');
    await expectOAuthError(await postForm(gw, '/auth/token', { grant_type: 'refresh_token', refresh_token: first.refresh_token }), 401, 'invalid_client');
    expect((await refresh(gw, conf, first.refresh_token)).status).toBe(200);
  });

  it('RF-08 a random refresh token with valid client authentication is 400 invalid_grant', async () => {
    await expectOAuthError(await refresh(gw, conf, randomUUID()), 400, 'invalid_grant');
  });

  it('RF-10 reusing a rotated refresh token revokes the whole grant', async () => {
    const first = await launch(gw, pub, alice);
    const second = await json(await refresh(gw, pub, first.refresh_token));
    await expectOAuthError(await refresh(gw, pub, first.refresh_token), 400, 'invalid_grant');
    await expectOAuthError(await refresh(gw, pub, second.refresh_token), 400, 'invalid_grant');
    expect((await readPatient(second.access_token)).status).toBe(401);
  });

  it('RF-12 a refresh token used as a bearer token is 401', async () => {
    const { refresh_token } = await launch(gw, pub, alice);
    expect((await readPatient(refresh_token)).status).toBe(401);
  });

  it('R2 of 10 concurrent refreshes at most one succeeds, and never two refresh tokens are live', async () => {
    const first = await launch(gw, conf, alice);
    const responses = await Promise.all(Array.from({ length: 10 }, () => refresh(gw, conf, first.refresh_token)));
    const successes = await Promise.all(responses.filter((r) => r.status === 200).map((r) => json(r)));
    expect(successes.length).toBeLessThanOrEqual(1);
    const live = [];
    for (const { refresh_token } of successes) {
      const res = await postForm(gw, '/auth/introspect', { token: refresh_token }, { basic: [conf.clientId, conf.secret!] });
      if ((await json(res)).active) live.push(refresh_token);
    }
    expect(live.length).toBeLessThanOrEqual(1);
  });

  it('RF-02 RF-05 oauth4webapi accepts the refresh response (ClientSecretBasic)', async () => {
    const { body } = await codeExchange(conf, oauth.ClientSecretBasic(conf.secret!));
    const res = await oauth.refreshTokenGrantRequest(as, { client_id: conf.clientId }, oauth.ClientSecretBasic(conf.secret!), body.refresh_token, viaApp(gw));
    const refreshed = await oauth.processRefreshTokenResponse(as, { client_id: conf.clientId }, res);
    expect(refreshed.scope).toBe(SCOPE);
    expect((await readPatient(refreshed.access_token)).status).toBe(200);
  });
});

describe('OpenID Connect', () => {
  it('OI-01 OI-06 OI-07 OI-09 the id_token is RS256 with a published kid, verifies, and echoes the nonce', async () => {
    const { body } = await codeExchange(pub, oauth.None(), { nonce: 'n-0S6_WzA2Mj' });
    const header = decodeProtectedHeader(body.id_token);
    expect(header.alg).toBe('RS256');
    const jwks = await json(await gw.app.request('/.well-known/jwks.json'));
    expect(jwks.keys.filter((k: any) => k.kid === header.kid)).toHaveLength(1);
    const { payload } = await jwtVerify(body.id_token, createLocalJWKSet(jwks), { issuer: gw.config.publicUrl, audience: pub.clientId, algorithms: ['RS256'] });
    expect(payload.nonce).toBe('n-0S6_WzA2Mj');
    expect(typeof payload.sub === 'string' && payload.sub.length > 0 && payload.sub.length < 256).toBe(true);
    expect(payload.exp! - payload.iat!).toBeGreaterThan(0);
  });

  it('OI-01 no id_token without openid', async () => {
    const body = await launch(gw, pub, { ...alice, scope: 'launch/patient offline_access patient/*.rs' });
    expect(body).not.toHaveProperty('id_token');
  });

  it('OI-08 the fhirUser claim names a Patient the access token reads with 200', async () => {
    const body = await launch(gw, pub, alice);
    const fhirUser = decodeJwt(body.id_token).fhirUser as string;
    expect(fhirUser).toBe(`${gw.config.fhirBaseUrl}/Patient/${patientId}`);
    const res = await gw.fhir(fhirUser.slice(gw.config.publicUrl.length), { token: body.access_token });
    expect(res.status).toBe(200);
    expect((await json(res)).resourceType).toBe('Patient');
  });

  it('OI-02 OI-03 OI-04 OI-05 discovery lives under the issuer, has the required fields, one issuer everywhere, bare RSA keys', async () => {
    const res = await gw.app.request('/.well-known/openid-configuration');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    const oidc = await json(res);
    for (const field of ['issuer', 'authorization_endpoint', 'token_endpoint', 'jwks_uri', 'response_types_supported', 'subject_types_supported']) {
      expect(oidc[field], field).toBeTruthy();
    }
    expect(oidc.id_token_signing_alg_values_supported).toContain('RS256');
    const smartConfig = await json(await gw.app.request('/fhir/.well-known/smart-configuration'));
    const idToken = (await launch(gw, pub, alice)).id_token;
    expect(new Set([oidc.issuer, smartConfig.issuer, decodeJwt(idToken).iss, as.issuer])).toEqual(new Set([gw.config.publicUrl]));
    const jwks = await json(await gw.app.request(new URL(oidc.jwks_uri).pathname));
    const rsa = jwks.keys.filter((k: any) => k.kty === 'RSA');
    expect(rsa.length).toBeGreaterThan(0);
    for (const key of jwks.keys) expect(key).not.toHaveProperty('d');
    for (const key of rsa) expect(key.n && key.e && key.kid).toBeTruthy();
  });
});

describe('with a clock the test moves', () => {
  const clock = new TestClock();
  let timed: TestGateway;
  let app: RegisteredApp;

  beforeAll(async () => {
    timed = await startTestGateway({}, clock.now);
    await createPatientUser(timed, 'bob');
    app = await registerApp(timed);
  });
  afterAll(() => timed.close());

  it('SL-12 E.30 a code is refused 61 seconds after it was issued', async () => {
    const { code, verifier } = await authorizeCode(timed, app, { username: 'bob' });
    clock.advance(61);
    await expectOAuthError(await exchangeCode(timed, app, code, verifier), 400, 'invalid_grant');
  });

  it('EL-11 a grant "only while I am signed in", or with online_access, ends with its sign-in session; one "until I revoke it" does not', async () => {
    const whileSignedIn = await launch(timed, app, { username: 'bob', duration: 'session' });
    const lasting = await launch(timed, app, { username: 'bob', duration: 'forever' });
    const online = await launch(timed, app, { username: 'bob', duration: 'forever', scope: 'launch/patient online_access patient/*.rs' });
    const rotated = await json(await refresh(timed, app, whileSignedIn.refresh_token));
    clock.advance(timed.config.lifetimes.session + 1);
    await expectOAuthError(await refresh(timed, app, rotated.refresh_token), 400, 'invalid_grant');
    await expectOAuthError(await refresh(timed, app, online.refresh_token), 400, 'invalid_grant');
    expect((await timed.fhir(`/fhir/Patient/${rotated.patient}`, { token: rotated.access_token })).status).toBe(401);
    expect((await refresh(timed, app, lasting.refresh_token)).status).toBe(200);
  });

  it('TK-12 an access token is refused once it has expired', async () => {
    const body = await launch(timed, app, { username: 'bob' });
    const read = () => timed.fhir(`/fhir/Patient/${body.patient}`, { token: body.access_token });
    expect((await read()).status).toBe(200);
    clock.advance(body.expires_in + 10);
    expect((await read()).status).toBe(401);
  });
});

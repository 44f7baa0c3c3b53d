import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { decodeJwt, exportJWK, generateKeyPair } from 'jose';
import * as oauth from 'oauth4webapi';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../gateway/src/config.ts';
import { openCore } from '../../gateway/src/gateway.ts';
import { json, startTestGateway, type TestGateway } from '../helpers/gateway.ts';
import {
  authorizeCode,
  createPatientUser,
  discover,
  expectOAuthError,
  launch,
  postForm,
  refresh,
  registerApp,
  TestClock,
  viaApp,
  type RegisteredApp,
} from '../helpers/oauth.ts';

const clock = new TestClock();
let gw: TestGateway;
let as: oauth.AuthorizationServer;
let pub: RegisteredApp;
let conf: RegisteredApp;
let alicePatient: string;
let bobPatient: string;
let serviceToken: () => Promise<string>;

beforeAll(async () => {
  gw = await startTestGateway({}, clock.now);
  alicePatient = (await createPatientUser(gw, 'alice')).patientId;
  bobPatient = (await createPatientUser(gw, 'bob')).patientId;
  pub = await registerApp(gw);
  conf = await registerApp(gw, { type: 'confidential-symmetric' });
  as = await discover(gw);
  const { publicKey, privateKey } = await generateKeyPair('ES384');
  const service = await registerApp(gw, { grantType: 'client_credentials', type: 'confidential-asymmetric', redirectUris: [], jwks: { keys: [{ ...(await exportJWK(publicKey)), kid: 'svc' }] } });
  serviceToken = async () => {
    // The assertion's times are oauth4webapi's (the real clock); the gateway reads the test's.
    const client = { client_id: service.clientId, [oauth.clockSkew]: Math.round((clock.now().getTime() - Date.now()) / 1000) };
    const auth = oauth.PrivateKeyJwt({ key: privateKey, kid: 'svc' });
    const res = await oauth.clientCredentialsGrantRequest(as, client, auth, new URLSearchParams({ scope: 'system/*.rs' }), viaApp(gw));
    return (await oauth.processClientCredentialsResponse(as, client, res)).access_token;
  };
});
afterAll(() => gw.close());

/** Introspection as the confidential client (HTTP Basic), or with the given Authorization header instead. */
const introspect = (token: string, headers?: { Authorization: string }) =>
  postForm(gw, '/auth/introspect', { token }, headers ? { headers } : { basic: [conf.clientId, conf.secret!] });
const revoke = (app: RegisteredApp, token: string, extra: Record<string, string> = {}) =>
  postForm(gw, '/auth/revoke', { token, ...(app.secret ? {} : { client_id: app.clientId }), ...extra }, app.secret ? { basic: [app.clientId, app.secret] } : {});
const readPatient = (token: string, id = alicePatient) => gw.fhir(`/fhir/Patient/${id}`, { token });

/** IR-05: exactly `{"active":false}`, nothing else. */
async function expectInactive(res: Response): Promise<void> {
  expect(res.status).toBe(200);
  expect(res.headers.get('cache-control')).toContain('no-store');
  expect(await res.text()).toBe('{"active":false}');
}

describe('introspection', () => {
  it('IR-01 IR-02 IR-03 IR-04 an active access token: active, client, the same scope set, exp, patient, and the id_token iss/sub/fhirUser', async () => {
    const tokens = await launch(gw, pub, { username: 'alice' });
    const res = await oauth.introspectionRequest(as, { client_id: conf.clientId }, oauth.ClientSecretBasic(conf.secret!), tokens.access_token, viaApp(gw));
    const body = await oauth.processIntrospectionResponse(as, { client_id: conf.clientId }, res);
    const idToken = decodeJwt(tokens.id_token);
    expect(body.active).toBe(true);
    expect(body.client_id).toBe(pub.clientId);
    expect(body.scope!.split(' ').sort()).toEqual(tokens.scope.split(' ').sort());
    expect(Number.isInteger(body.exp)).toBe(true);
    expect(Math.abs(body.exp! - (Math.floor(clock.now().getTime() / 1000) + tokens.expires_in))).toBeLessThanOrEqual(5);
    expect(body.patient).toBe(alicePatient);
    expect(body.iss).toBe(idToken.iss);
    expect(body.sub).toBe(idToken.sub);
    expect(body.fhirUser).toBe(idToken.fhirUser);
  });

  it('RF-11 a refreshed access token still carries the patient', async () => {
    const tokens = await launch(gw, pub, { username: 'alice' });
    const refreshed = await json(await refresh(gw, pub, tokens.refresh_token));
    expect((await json(await introspect(refreshed.access_token))).patient).toBe(alicePatient);
  });

  it('IR-05 an unknown, malformed, expired or used-up token is {"active":false} and nothing more', async () => {
    const tokens = await launch(gw, pub, { username: 'alice' });
    await expectInactive(await introspect('invalid_token_value'));
    await expectInactive(await introspect(''));
    await expectInactive(await introspect(`${tokens.access_token.slice(0, -4)}AAAA`));
    await refresh(gw, pub, tokens.refresh_token);
    await expectInactive(await introspect(tokens.refresh_token));
    clock.advance(tokens.expires_in + 10);
    await expectInactive(await introspect(tokens.access_token));
  });

  it('IR-06 needs authentication: none, a public client, or a public app token is 401; a backend service token is enough', async () => {
    const tokens = await launch(gw, pub, { username: 'alice' });
    await expectOAuthError(await postForm(gw, '/auth/introspect', { token: tokens.access_token }), 401, 'invalid_client');
    await expectOAuthError(await postForm(gw, '/auth/introspect', { token: tokens.access_token, client_id: pub.clientId }), 401, 'invalid_client');
    await expectOAuthError(await introspect(tokens.access_token, { Authorization: `Bearer ${tokens.access_token}` }), 401, 'invalid_client');
    await expectOAuthError(await introspect(tokens.access_token, { Authorization: 'Bearer not-a-token' }), 401, 'invalid_client');
    const byService = await json(await introspect(tokens.access_token, { Authorization: `Bearer ${await serviceToken()}` }));
    expect(byService).toMatchObject({ active: true, client_id: pub.clientId, patient: alicePatient });
  });
});

describe('revocation (RFC 7009)', () => {
  it('IR-07 revoking a refresh token ends the grant: the access token is 401 and inactive, the refresh token invalid_grant', async () => {
    const tokens = await launch(gw, pub, { username: 'alice' });
    expect((await readPatient(tokens.access_token)).status).toBe(200);
    const res = await oauth.revocationRequest(as, { client_id: pub.clientId }, oauth.None(), tokens.refresh_token, { ...viaApp(gw), additionalParameters: { token_type_hint: 'refresh_token' } });
    await oauth.processRevocationResponse(res);
    expect(res.status).toBe(200);
    expect((await readPatient(tokens.access_token)).status).toBe(401);
    await expectInactive(await introspect(tokens.access_token));
    await expectOAuthError(await refresh(gw, pub, tokens.refresh_token), 400, 'invalid_grant');
  });

  it('IR-07 revoking an access token (confidential client, Basic) ends its grant too', async () => {
    const tokens = await launch(gw, conf, { username: 'alice' });
    expect((await revoke(conf, tokens.access_token, { token_type_hint: 'access_token' })).status).toBe(200);
    expect((await readPatient(tokens.access_token)).status).toBe(401);
    await expectOAuthError(await refresh(gw, conf, tokens.refresh_token), 400, 'invalid_grant');
  });

  it('IR-07 I.53 an unknown token is 200; another client revoking a token is 200 and changes nothing', async () => {
    expect((await revoke(pub, 'no-such-token')).status).toBe(200);
    const tokens = await launch(gw, conf, { username: 'alice' });
    expect((await revoke(pub, tokens.refresh_token)).status).toBe(200);
    expect((await revoke(pub, tokens.access_token)).status).toBe(200);
    expect((await readPatient(tokens.access_token)).status).toBe(200);
  });

  it('I.53 a confidential client must authenticate to revoke; a request without token is 400', async () => {
    await expectOAuthError(await postForm(gw, '/auth/revoke', { token: 'x', client_id: conf.clientId }), 401, 'invalid_client');
    await expectOAuthError(await postForm(gw, '/auth/revoke', { client_id: pub.clientId }), 400, 'invalid_request');
  });
});

describe('administrative revocation', () => {
  it("IR-08 revoking one patient's grants of an app refuses its tokens on the very next request; another patient's grant lives", async () => {
    const alice = await launch(gw, conf, { username: 'alice' });
    const bob = await launch(gw, conf, { username: 'bob' });
    expect((await readPatient(alice.access_token)).status).toBe(200);
    expect(await gw.store.grants.revokeWhere({ clientId: conf.clientId, patientId: alicePatient }, 'revoked by an administrator', gw.now())).toBeGreaterThanOrEqual(1);
    expect((await readPatient(alice.access_token)).status).toBe(401);
    await expectOAuthError(await refresh(gw, conf, alice.refresh_token), 400, 'invalid_grant');
    expect((await readPatient(bob.access_token, bobPatient)).status).toBe(200);
    expect((await refresh(gw, conf, bob.refresh_token)).status).toBe(200);
  });

  it('E.32 a code not yet exchanged dies with an administrative revocation of its app and patient', async () => {
    const { code, verifier } = await authorizeCode(gw, conf, { username: 'alice' });
    await gw.store.grants.revokeWhere({ clientId: conf.clientId, patientId: alicePatient }, 'revoked by an administrator', gw.now());
    const res = await postForm(gw, '/auth/token', { grant_type: 'authorization_code', code, code_verifier: verifier, redirect_uri: conf.redirectUri }, { basic: [conf.clientId, conf.secret!] });
    await expectOAuthError(res, 400, 'invalid_grant');
  });

  it('IR-08 a revocation committed through a second connection to the same database file bites on the next request', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'portico-revoke-'));
    const env = { PUBLIC_URL: 'http://localhost', DATABASE_URL: `file:${path.join(dir, 'gateway.db')}`, SEED: 'none' };
    const first = await startTestGateway(env);
    try {
      await createPatientUser(first, 'carol');
      const app = await registerApp(first);
      const tokens = await launch(first, app, { username: 'carol' });
      const read = () => first.fhir(`/fhir/Patient/${tokens.patient}`, { token: tokens.access_token });
      expect((await read()).status).toBe(200);
      const second = await openCore(loadConfig(env));
      try {
        expect(await second.store.grants.revokeWhere({ clientId: app.clientId }, 'revoked by an administrator', second.now())).toBe(1);
      } finally {
        await second.close();
      }
      expect((await read()).status).toBe(401);
    } finally {
      await first.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

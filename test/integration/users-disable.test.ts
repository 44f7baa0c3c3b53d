import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { hashSecret, newSecret } from '../../gateway/src/oauth/secrets.ts';
import { disableUser } from '../../gateway/src/users/disable-user.ts';
import { json, startTestGateway, type TestGateway } from '../helpers/gateway.ts';
import { authorizeUrl, Browser, createPatientUser, createPractitioner, createUser, formFor, launch, pkce, problemOf, refresh, registerApp, stepOf, type RegisteredApp } from '../helpers/oauth.ts';

let gw: TestGateway;
let app: RegisteredApp;
beforeEach(async () => {
  gw = await startTestGateway({ REQUIRE_STAFF_MFA: 'true' });
  app = await registerApp(gw);
});
afterEach(() => gw.close());

/** The consent page of a fresh flow for `username` (signing in on the way). */
async function upToConsent(browser: Browser, username: string): Promise<string> {
  let res = await browser.get(authorizeUrl(gw, { client_id: app.clientId, code_challenge: pkce().challenge }));
  for (let i = 0; i < 5; i++) {
    if (res.status === 303) {
      res = await browser.get(res.headers.get('location')!);
      continue;
    }
    const html = await res.text();
    if (stepOf(html) !== 'sign-in') return html;
    const form = formFor(html, 'sign-in');
    form.fields.set('username', username);
    form.fields.set('password', 'correct horse battery staple');
    res = await browser.post(form.action, form.fields);
  }
  throw new Error('no consent page');
}

describe('disableUser', () => {
  it('refuses the user\'s live access token at /fhir (401) and their refresh token, and ends their sessions', async () => {
    const { user, patientId } = await createPatientUser(gw, 'amy');
    const tokens = await launch(gw, app, { username: 'amy', duration: 'forever' });
    const session = newSecret();
    await gw.store.sessions.insert({ id: hashSecret(session), userId: user.id, createdAt: gw.now(), expiresAt: new Date(gw.now().getTime() + 3600_000), endedAt: null });
    expect((await gw.fhir(`/fhir/Patient/${patientId}`, { token: tokens.access_token })).status).toBe(200);

    await disableUser(gw.store, user.id, { userId: null }, gw.now());
    const refused = await gw.fhir(`/fhir/Patient/${patientId}`, { token: tokens.access_token });
    expect(refused.status).toBe(401);
    expect(refused.headers.get('www-authenticate')).toContain('invalid_token');
    expect((await json(await refresh(gw, app, tokens.refresh_token))).error).toBe('invalid_grant');
    expect(await gw.store.sessions.findActive(hashSecret(session), gw.now())).toBeUndefined();
  });

  it('gives no code to a user disabled while the consent page was open', async () => {
    const { user } = await createPatientUser(gw, 'amy');
    const browser = new Browser(gw);
    const html = await upToConsent(browser, 'amy');
    expect(stepOf(html)).toBe('consent');
    await disableUser(gw.store, user.id, { userId: null }, gw.now());
    const form = formFor(html, 'consent');
    form.fields.set('decision', 'allow');
    for (const scope of form.scopes) form.fields.append('scope', scope);
    const res = await browser.post(form.action, form.fields);
    expect(res.headers.get('location') ?? '').not.toContain('code=');
    expect(problemOf(await res.text())).toMatch(/cannot sign in/);
  });
});

describe('REQUIRE_STAFF_MFA and existing sessions', () => {
  it('does not carry over a staff session made without the second factor: the flow asks to sign in', async () => {
    const doctor = await createUser(gw, { username: 'dr.old', role: 'practitioner', fhirUser: `Practitioner/${await createPractitioner(gw)}` });
    const browser = new Browser(gw);
    const secret = newSecret();
    await gw.store.sessions.insert({ id: hashSecret(secret), userId: doctor.id, createdAt: gw.now(), expiresAt: new Date(gw.now().getTime() + 3600_000), endedAt: null });
    browser.cookies.set('portico_session', secret);
    let res = await browser.get(authorizeUrl(gw, { client_id: app.clientId, code_challenge: pkce().challenge, scope: 'openid user/Patient.rs' }));
    res = await browser.get(res.headers.get('location')!);
    expect(stepOf(await res.text())).toBe('sign-in');
  });
});

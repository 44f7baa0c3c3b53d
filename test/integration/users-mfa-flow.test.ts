import * as OTPAuth from 'otpauth';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { json, startTestGateway, type TestGateway } from '../helpers/gateway.ts';
import {
  authorizeUrl,
  Browser,
  codeFrom,
  createPatientUser,
  createPractitioner,
  createUser,
  exchangeCode,
  formFor,
  pkce,
  problemOf,
  registerApp,
  signInAndConsent,
  stepOf,
  TestClock,
  type RegisteredApp,
} from '../helpers/oauth.ts';

const SCOPE = 'openid fhirUser user/Patient.rs';
const totp = (secret: string, at: Date) => new OTPAuth.TOTP({ secret: OTPAuth.Secret.fromBase32(secret), digits: 6, period: 30 }).generate({ timestamp: at.getTime() });
const secretOn = (html: string) => /data-secret="([A-Z2-7]+)"/.exec(html)?.[1];

let gw: TestGateway;
let clock: TestClock;
let app: RegisteredApp;

async function start(env: Record<string, string>) {
  clock = new TestClock();
  gw = await startTestGateway(env, clock.now);
  app = await registerApp(gw, { scope: `${SCOPE} launch/patient patient/*.rs` });
}
afterEach(() => gw.close());

/** GET /authorize and the password step; returns the page the flow shows next. */
async function signInWithPassword(browser: Browser, username: string, verifier: { challenge: string }) {
  let res = await browser.get(authorizeUrl(gw, { client_id: app.clientId, code_challenge: verifier.challenge, scope: SCOPE }));
  res = await browser.get(res.headers.get('location')!);
  const form = formFor(await res.text(), 'sign-in');
  form.fields.set('username', username);
  form.fields.set('password', 'correct horse battery staple');
  res = await browser.post(form.action, form.fields);
  expect(res.status).toBe(303);
  const flowUrl = res.headers.get('location')!;
  return { flowUrl, html: await (await browser.get(flowUrl)).text() };
}

describe('REQUIRE_STAFF_MFA=true', () => {
  beforeEach(() => start({ REQUIRE_STAFF_MFA: 'true' }));

  it('makes a practitioner without MFA set it up before the flow continues, then shows the recovery codes once', async () => {
    const practitioner = await createUser(gw, { username: 'dr.ames', role: 'practitioner', fhirUser: `Practitioner/${await createPractitioner(gw)}` });
    const browser = new Browser(gw);
    const challenge = pkce();
    const { flowUrl, html } = await signInWithPassword(browser, 'dr.ames', challenge);
    expect(stepOf(html)).toBe('enrol-mfa');
    expect(html).toContain('<svg');
    expect(html).toContain('Your practice requires a second step');
    const secret = secretOn(html)!;
    expect(secret).toMatch(/^[A-Z2-7]{32}$/);
    expect(browser.cookies.has('portico_session')).toBe(false);

    // The one-time-code step cannot stand in for enrolment, nor can consent be reached.
    const otpForm = formFor(html, 'enrol-mfa');
    const skip = await browser.post(`${flowUrl}/otp`, { csrf: otpForm.fields.get('csrf')!, otp: totp(secret, clock.now()) });
    expect(stepOf(await skip.text())).toBe('enrol-mfa');
    const consent = await browser.post(`${flowUrl}/consent`, { csrf: otpForm.fields.get('csrf')!, decision: 'allow', scope: 'openid' });
    expect(consent.status).not.toBe(302);

    const wrong = await browser.post(otpForm.action, { csrf: otpForm.fields.get('csrf')!, otp: '000000' === totp(secret, clock.now()) ? '111111' : '000000' });
    expect(wrong.status).toBe(400);
    expect(problemOf(await wrong.text())).toMatch(/does not match/);

    const done = await browser.post(otpForm.action, { csrf: otpForm.fields.get('csrf')!, otp: totp(secret, clock.now()) });
    expect(done.status).toBe(200);
    const codesPage = await done.text();
    const codes = [...codesPage.matchAll(/<code>([a-z2-9]{5}-[a-z2-9]{5})<\/code>/g)].map((m) => m[1]);
    expect(codes).toHaveLength(10);
    expect(browser.cookies.has('portico_session')).toBe(true);
    expect((await gw.store.users.findById(practitioner.id))!.totpSecret).toBe(secret);
    const audit = await gw.store.audit.list({ userId: practitioner.id, action: 'mfa' }, { limit: 5 });
    expect(audit.events.map((e) => [e.outcome, e.detail])).toContainEqual(['success', 'enrolled']);

    // Continue: the same flow goes on to consent and a code the app can exchange.
    const next = await browser.get(flowUrl);
    const page = await next.text();
    expect(stepOf(page)).toBe('consent');
    const form = formFor(page, 'consent');
    form.fields.set('decision', 'allow');
    for (const scope of form.scopes) form.fields.append('scope', scope);
    const back = await browser.post(form.action, form.fields);
    const tokens = await exchangeCode(gw, app, codeFrom(gw, back.headers.get('location')!), challenge.verifier);
    expect(tokens.status).toBe(200);
    expect((await json(tokens)).access_token).toBeTruthy();
  });

  it('asks the enrolled practitioner for a code next time, accepting a recovery code once', async () => {
    await createUser(gw, { username: 'dr.ames', role: 'practitioner', fhirUser: `Practitioner/${await createPractitioner(gw)}` });
    const first = new Browser(gw);
    const { html } = await signInWithPassword(first, 'dr.ames', pkce());
    const form = formFor(html, 'enrol-mfa');
    const codesPage = await (await first.post(form.action, { csrf: form.fields.get('csrf')!, otp: totp(secretOn(html)!, clock.now()) })).text();
    const [recovery] = [...codesPage.matchAll(/<code>([a-z2-9-]{11})<\/code>/g)].map((m) => m[1]!);

    const url = () => authorizeUrl(gw, { client_id: app.clientId, code_challenge: pkce().challenge, scope: SCOPE });
    codeFrom(gw, await signInAndConsent(gw, url(), { username: 'dr.ames', otp: recovery! }));
    await expect(signInAndConsent(gw, url(), { username: 'dr.ames', otp: recovery! })).rejects.toThrow(/otp page answered 400: That code is not valid/);
  });

  it('does not ask patients, for whom MFA stays optional', async () => {
    await createPatientUser(gw, 'pat');
    const { html } = await signInWithPassword(new Browser(gw), 'pat', pkce());
    expect(stepOf(html)).toBe('consent');
  });
});

describe('REQUIRE_STAFF_MFA=false', () => {
  beforeEach(() => start({ REQUIRE_STAFF_MFA: 'false' }));

  it('lets a practitioner without MFA sign in with the password alone', async () => {
    await createUser(gw, { username: 'dr.ames', role: 'practitioner', fhirUser: `Practitioner/${await createPractitioner(gw)}` });
    const { html } = await signInWithPassword(new Browser(gw), 'dr.ames', pkce());
    expect(stepOf(html)).toBe('consent');
  });
});

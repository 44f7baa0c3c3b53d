import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { oneTimeCode } from '../../gateway/src/oauth/sign-in/authenticate.ts';
import { json, startTestGateway, type TestGateway } from '../helpers/gateway.ts';
import {
  authorizeUrl,
  Browser,
  codeFrom,
  createPatientUser,
  ehrLaunch,
  exchangeCode,
  formFor,
  launch,
  PASSWORD,
  pkce,
  problemOf,
  registerApp,
  signInAndConsent,
  stepOf,
  TestClock,
  type PageForm,
  type RegisteredApp,
} from '../helpers/oauth.ts';

let gw: TestGateway;
let app: RegisteredApp;
let alicePatient: string;
let bobPatient: string;

beforeAll(async () => {
  gw = await startTestGateway();
  alicePatient = (await createPatientUser(gw, 'alice')).patientId;
  bobPatient = (await createPatientUser(gw, 'bob')).patientId;
  app = await registerApp(gw, { launchUri: 'https://app.example/launch', scope: 'openid fhirUser launch launch/patient offline_access patient/*.rs user/*.rs' });
});
afterAll(() => gw.close());

const alice = { username: 'alice' };
const url = (params: Record<string, string | undefined> = {}) => authorizeUrl(gw, { client_id: app.clientId, code_challenge: pkce().challenge, ...params });

/** A refusal shown to the person: an HTML error page, and no redirect anywhere. */
async function expectErrorPage(res: Response): Promise<void> {
  expect(res.status).toBe(400);
  expect(res.headers.get('location')).toBeNull();
  expect(res.headers.get('content-type')).toMatch(/^text\/html/);
}

/** A refusal sent back to the app: a redirect to its URI with `error`, the exact `state` and `iss`, and no code. */
function expectRedirectError(res: Response, error: string, state = 'state-123'): URL {
  expect(res.status).toBe(302);
  const location = new URL(res.headers.get('location')!);
  expect(location.origin + location.pathname).toBe(app.redirectUri);
  expect(location.searchParams.get('error')).toBe(error);
  expect(location.searchParams.get('state')).toBe(state);
  expect(location.searchParams.get('iss')).toBe(gw.config.publicUrl);
  expect(location.searchParams.has('code')).toBe(false);
  return location;
}

const get = (path: string) => gw.app.request(path);

/** Starts a flow in `browser`, signs alice in, and returns the flow's URL and consent form. */
async function atConsent(browser: Browser, path = url()): Promise<{ flow: string; consent: PageForm }> {
  const { html, flow } = await openFlow(browser, path);
  const signIn = formFor(html, 'sign-in');
  await browser.post(signIn.action, { ...Object.fromEntries(signIn.fields), username: 'alice', password: PASSWORD });
  return { flow, consent: formFor(await (await browser.get(flow)).text(), 'consent') };
}

/** Starts a flow in `browser` and returns the first page's HTML. */
async function openFlow(browser: Browser, path: string): Promise<{ html: string; flow: string }> {
  const res = await browser.get(path);
  expect(res.status).toBe(303);
  const flow = res.headers.get('location')!;
  return { html: await (await browser.get(flow)).text(), flow };
}

describe('requests that cannot be trusted to redirect: an error page', () => {
  it.each<[string, Record<string, string | undefined>]>([
    ['NG-10 an unknown client_id', { client_id: 'nope' }],
    ['NG-08 an unregistered redirect_uri', { redirect_uri: 'https://evil.example/cb' }],
    ['SL-05 a path-traversal variant', { redirect_uri: 'https://app.example/cb/../evil' }],
    ['SL-05 an added query', { redirect_uri: 'https://app.example/cb?x=1' }],
    ['SL-05 a trailing slash', { redirect_uri: 'https://app.example/cb/' }],
    ['SL-05 a different case', { redirect_uri: 'HTTPS://APP.EXAMPLE/cb' }],
    ...[
      'https://app.example/cb#x',
      'https://app.example:8443/cb',
      'http://app.example/cb',
      'https://app.example.evil.example/cb',
      'https://app.example@evil.example/cb',
      '//evil.example/cb',
      'https://app.example/cb/%2E%2E/evil',
      'javascript:alert(1)',
      '/cb',
    ].map((redirect_uri): [string, Record<string, string>] => [`B.4 B.5 B.6 the variant ${redirect_uri}`, { redirect_uri }]),
    ['B.3 no redirect_uri', { redirect_uri: undefined }],
    ['B.7 a bad redirect_uri together with another error', { redirect_uri: 'https://evil.example/cb', response_type: 'token' }],
  ])('%s', async (_name, params) => {
    await expectErrorPage(await get(url(params)));
  });

  it('NG-10 a disabled client', async () => {
    await gw.store.clients.insert({
      clientId: 'disabled-app', name: 'Old', type: 'public', redirectUris: [app.redirectUri], launchUri: null, scope: 'patient/*.rs',
      grantTypes: ['authorization_code'], secretHash: null, jwks: null, jwksUri: null, policyUri: null, createdAt: gw.now(), disabledAt: gw.now(),
      corsOrigins: [], logoUri: null, privacyAttestation: null, postLogoutRedirectUris: [], updatedAt: null,
    });
    await expectErrorPage(await get(url({ client_id: 'disabled-app' })));
  });

  it('C.13 escapes what it echoes', async () => {
    const res = await get(url({ client_id: '<script>alert(1)</script>' }));
    await expectErrorPage(res.clone());
    expect(await res.text()).not.toContain('<script>alert');
  });
});

describe('bad requests from a known app: an error redirect with state and iss', () => {
  it.each([
    ['NG-07 SL-06 a foreign aud', { aud: 'https://inferno.healthit.gov/invalid_aud' }, 'invalid_request'],
    ['SL-06 no aud', { aud: undefined }, 'invalid_request'],
    ['NG-12 response_type=token', { response_type: 'token' }, 'unsupported_response_type'],
    ['B.10 response_type=code id_token', { response_type: 'code id_token' }, 'unsupported_response_type'],
    ['NG-12 no response_type', { response_type: undefined }, 'invalid_request'],
    ['NG-12 no scope', { scope: undefined }, 'invalid_request'],
    ['SL-07 no code_challenge', { code_challenge: undefined }, 'invalid_request'],
    ['SL-07 code_challenge_method=plain', { code_challenge_method: 'plain' }, 'invalid_request'],
    ['SL-07 no code_challenge_method (RFC 7636 would default to plain)', { code_challenge_method: undefined }, 'invalid_request'],
    ['SL-07 a 42-character challenge', { code_challenge: 'a'.repeat(42) }, 'invalid_request'],
    ['SL-07 a 129-character challenge', { code_challenge: 'a'.repeat(129) }, 'invalid_request'],
    ['SL-07 a challenge with = in it', { code_challenge: `${'a'.repeat(42)}=` }, 'invalid_request'],
    ['NG-13 scope launch without a launch parameter', { scope: 'launch patient/*.rs' }, 'invalid_request'],
    ['NG-13 an unknown launch', { scope: 'launch patient/*.rs', launch: 'doesnotexist' }, 'invalid_request'],
  ])('%s', async (_name, params, error) => {
    expectRedirectError(await get(url(params)), error);
  });

  it('NG-12 no state is refused (SMART makes state mandatory), without a state to echo', async () => {
    const res = await get(url({ state: undefined }));
    expect(res.status).toBe(302);
    const location = new URL(res.headers.get('location')!);
    expect(location.searchParams.get('error')).toBe('invalid_request');
    expect(location.searchParams.has('state')).toBe(false);
    expect(location.searchParams.has('code')).toBe(false);
  });
});

describe('successful authorization', () => {
  it('SL-03 C.12 state comes back byte for byte, whatever it holds', async () => {
    for (const state of ['Zz9-._~+/=', 'a+b&c=<x>', 'ü 日本 %41']) {
      codeFrom(gw, await signInAndConsent(gw, url({ state }), alice), state);
    }
  });

  it('C.12 an 8 KB state is refused with invalid_request, not echoed in part', async () => {
    const res = await get(url({ state: 's'.repeat(8192) }));
    expect(res.status).toBe(302);
    const location = new URL(res.headers.get('location')!);
    expect(location.searchParams.get('error')).toBe('invalid_request');
    expect(location.searchParams.has('state')).toBe(false);
  });

  it('SL-09 form-encoded scopes (+ for spaces, granular query percent-encoded) are read as one granular scope', async () => {
    const { verifier, challenge } = pkce();
    const vitals = 'patient/Observation.rs?category=http://terminology.hl7.org/CodeSystem/observation-category|vital-signs';
    const path = url({ code_challenge: challenge }).replace(/scope=[^&]*/, `scope=launch%2Fpatient+${encodeURIComponent(vitals)}`);
    const body = await json(await exchangeCode(gw, app, codeFrom(gw, await signInAndConsent(gw, path, alice)), verifier));
    expect(body.scope).toBe(`launch/patient ${vitals}`);
  });

  it('NG-17 a read-only app asking for patient/*.cruds gets no more than read access', async () => {
    const readOnly = await registerApp(gw, { scope: 'launch/patient patient/*.rs' });
    expect((await launch(gw, readOnly, { ...alice, scope: 'launch/patient patient/*.cruds' })).scope).toBe('launch/patient patient/*.rs');
  });

  it('SL-06 aud with one trailing slash is accepted', async () => {
    codeFrom(gw, await signInAndConsent(gw, url({ aud: `${gw.config.fhirBaseUrl}/` }), alice));
  });

  it('SL-02 a cross-site POST with an Origin header starts the flow and ends with a code', async () => {
    const browser = new Browser(gw);
    const form = new URLSearchParams(url().split('?')[1]);
    const res = await browser.post('/auth/authorize', form, { Origin: 'https://inferno.healthit.gov', 'Sec-Fetch-Site': 'cross-site' });
    expect(res.status).toBe(303);
    expect(res.headers.get('access-control-allow-origin')).toBeNull();
    codeFrom(gw, await signInAndConsent(gw, url(), { ...alice, browser, method: 'POST' }));
  });

  it('SL-10 unknown and unserved scopes are dropped, not fatal', async () => {
    const { challenge, verifier } = pkce();
    const location = await signInAndConsent(gw, url({ scope: 'launch/patient patient/Patient.rs patient/Foo.rs __x', code_challenge: challenge }), alice);
    const body = await json(await exchangeCode(gw, app, codeFrom(gw, location), verifier));
    expect(body.scope).toBe('launch/patient patient/Patient.rs');
  });

  it('SC-06 C.17 unticking a scope grants less, and the token scope says exactly what was granted', async () => {
    const body = await launch(gw, app, { ...alice, scope: 'launch/patient openid fhirUser patient/Patient.rs patient/Observation.rs', uncheck: ['patient/Observation.rs', 'fhirUser'] });
    expect(body.scope).toBe('launch/patient openid patient/Patient.rs');
  });

  it('NG-17 a patient asking for user/*.rs is not offered it, and a forged consent post does not grant it', async () => {
    const offered: string[][] = [];
    const body = await launch(gw, app, {
      ...alice,
      scope: 'launch/patient user/*.rs patient/Patient.rs',
      alsoPost: ['user/*.rs'],
      onPage: (step, html) => void (step === 'consent' && offered.push(formFor(html, 'consent').scopes)),
    });
    expect(offered).toEqual([['launch/patient', 'patient/Patient.rs']]);
    expect(body.scope).toBe('launch/patient patient/Patient.rs');
  });

  it('C.18 a patient cannot put another patient in context: a forged picker post and ?patient= are ignored', async () => {
    let forged: Response | undefined;
    const body = await launch(gw, app, {
      ...alice,
      params: { patient: bobPatient },
      onPage: async (step, html, browser) => {
        if (step !== 'consent') return;
        const consent = formFor(html, 'consent');
        forged = await browser.post(consent.action.replace(/consent$/, 'patient'), { csrf: consent.fields.get('csrf')!, patient: bobPatient });
      },
    });
    expect(forged!.status).toBe(400);
    expect(problemOf(await forged!.text())).toBe('There is no patient to choose for this sign-in.');
    expect(body.patient).toBe(alicePatient);
  });

  it('SL-11 C.17 denying sends access_denied with state and iss, and no code', async () => {
    const location = new URL(await signInAndConsent(gw, url(), { ...alice, decision: 'deny' }));
    expect(location.searchParams.get('error')).toBe('access_denied');
    expect(location.searchParams.get('state')).toBe('state-123');
    expect(location.searchParams.get('iss')).toBe(gw.config.publicUrl);
    expect(location.searchParams.has('code')).toBe(false);
  });

  it('an existing sign-in session skips the sign-in page on the next authorization', async () => {
    const browser = new Browser(gw);
    const steps: string[] = [];
    await signInAndConsent(gw, url(), { ...alice, browser });
    codeFrom(gw, await signInAndConsent(gw, url(), { ...alice, browser, onPage: (step) => void steps.push(step) }));
    expect(steps).toEqual(['consent']);
  });
});

describe('the flow pages', () => {
  it('C.14 a sign-in post without, or with a wrong, csrf token is 403 and signs nobody in', async () => {
    const browser = new Browser(gw);
    const { html, flow } = await openFlow(browser, url());
    const action = formFor(html, 'sign-in').action;
    for (const csrf of [undefined, 'wrong']) {
      const res = await browser.post(action, { username: 'alice', password: PASSWORD, ...(csrf ? { csrf } : {}) });
      expect(res.status).toBe(403);
      expect(res.headers.getSetCookie()).toEqual([]);
    }
    expect(stepOf(await (await browser.get(flow)).text())).toBe('sign-in');
  });

  it('C.14 a consent post without its csrf token is 403 and gives no code', async () => {
    const browser = new Browser(gw);
    const { consent } = await atConsent(browser);
    const res = await browser.post(consent.action, { decision: 'allow', scope: 'launch/patient', duration: 'session' });
    expect(res.status).toBe(403);
    expect(res.headers.get('location')).toBeNull();
  });

  it('C.15 an answered consent cannot be replayed, nor double-submitted into two codes', async () => {
    const browser = new Browser(gw);
    const { consent } = await atConsent(browser);
    const fields = new URLSearchParams(consent.fields);
    fields.set('decision', 'allow');
    const answers = await Promise.all([browser.post(consent.action, fields), browser.post(consent.action, fields)]);
    expect(answers.map((res) => res.status).sort()).toEqual([302, 400]);
    expect(answers.filter((res) => res.headers.get('location')?.includes('code='))).toHaveLength(1);
    const replay = await browser.post(consent.action, fields);
    await expectErrorPage(replay);
  });

  it('C.15 a flow continued in another browser (no flow cookie) is refused', async () => {
    const { html, flow } = await openFlow(new Browser(gw), url());
    const stranger = new Browser(gw);
    await expectErrorPage(await stranger.get(flow));
    const signIn = formFor(html, 'sign-in');
    await expectErrorPage(await stranger.post(signIn.action, { ...Object.fromEntries(signIn.fields), username: 'alice', password: PASSWORD }));
  });

  it('M.85 M.89 every page forbids framing and caching: sign-in, consent, error', async () => {
    const browser = new Browser(gw);
    const signIn = await browser.get((await browser.get(url())).headers.get('location')!);
    const { flow } = await atConsent(browser);
    for (const page of [signIn, await browser.get(flow), await get(url({ client_id: 'nope' }))]) {
      expect(page.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
      expect(page.headers.get('x-frame-options')).toBe('DENY');
      expect(page.headers.get('cache-control')).toBe('no-store');
    }
  });

  it('M.88 cookies are HttpOnly and SameSite; with an https PUBLIC_URL they are __Host- and Secure', async () => {
    const flowCookie = (await get(url())).headers.getSetCookie()[0]!;
    expect(flowCookie).toMatch(/HttpOnly/);
    expect(flowCookie).toMatch(/SameSite=Lax/);
    const https = await startTestGateway({ PUBLIC_URL: 'https://portico.example' });
    try {
      const client = await registerApp(https);
      const res = await https.app.request(authorizeUrl(https, { client_id: client.clientId, code_challenge: pkce().challenge }));
      const [cookie] = res.headers.getSetCookie();
      expect(cookie).toMatch(/^__Host-portico_flow_/);
      expect(cookie).toMatch(/; Secure/);
      expect(cookie).toMatch(/; Path=\//);
      expect(cookie).not.toMatch(/Domain=/i);
    } finally {
      await https.close();
    }
  });
});

describe('EHR launch', () => {
  it('EL-05 EL-10 an authorization with a launch gets the launch patient and encounter in the token response', async () => {
    const encounter = await json(await gw.fhir('/fhir/Encounter', {
      method: 'POST',
      body: JSON.stringify({ resourceType: 'Encounter', status: 'finished', class: { code: 'AMB' }, subject: { reference: `Patient/${bobPatient}` } }),
    }));
    const { launch: id } = await ehrLaunch(gw, { clientId: app.clientId, patientId: bobPatient, encounterId: encounter.id });
    const body = await launch(gw, app, { ...alice, scope: 'launch openid fhirUser patient/*.rs', launch: id });
    expect(body.patient).toBe(bobPatient);
    expect(body.encounter).toBe(encounter.id);
    expect(body.scope).toBe('launch openid fhirUser patient/*.rs');
    expect(body.need_patient_banner).toBeTypeOf('boolean');
  });

  it('NG-13 C.19 a launch is single-use and bound to its client', async () => {
    const { launch: id } = await ehrLaunch(gw, { clientId: app.clientId, patientId: bobPatient });
    const otherApp = await registerApp(gw, { launchUri: 'https://other.example/launch' });
    const stolen = await get(authorizeUrl(gw, { client_id: otherApp.clientId, code_challenge: pkce().challenge, scope: 'launch patient/*.rs', launch: id }));
    expect(new URL(stolen.headers.get('location')!).searchParams.get('error')).toBe('invalid_request');
    expect((await get(url({ scope: 'launch patient/*.rs', launch: id }))).status).toBe(303);
    expectRedirectError(await get(url({ scope: 'launch patient/*.rs', launch: id })), 'invalid_request');
  });
});

describe('sign-in protection (clock moved by the test)', () => {
  const clock = new TestClock();
  let timed: TestGateway;
  let timedApp: RegisteredApp;
  const SECRET = 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP';
  let erinPatient: string;

  beforeAll(async () => {
    timed = await startTestGateway({}, clock.now);
    timedApp = await registerApp(timed);
    await createPatientUser(timed, 'carol');
    erinPatient = (await createPatientUser(timed, 'erin')).patientId;
    for (const username of ['dave', 'frank']) await timed.store.users.setTotpSecret((await createPatientUser(timed, username)).user.id, SECRET);
  });
  afterAll(() => timed.close());

  const timedUrl = () => authorizeUrl(timed, { client_id: timedApp.clientId, code_challenge: pkce().challenge });

  it('N.90 five wrong passwords lock the account, even against the right one, until the lock ends', async () => {
    const browser = new Browser(timed);
    const { html } = await openFlow(browser, timedUrl());
    const form = formFor(html, 'sign-in');
    const attempt = (password: string) => browser.post(form.action, { ...Object.fromEntries(form.fields), username: 'carol', password });
    for (let i = 0; i < 5; i++) expect(problemOf(await (await attempt('wrong password!')).text())).toBe('That username and password do not match.');
    const locked = await attempt(PASSWORD);
    expect(locked.status).toBe(400);
    expect(problemOf(await locked.text())).toMatch(/^Too many failed sign-ins\. Try again in \d+ minutes?\.$/);
    expect(locked.headers.getSetCookie()).toEqual([]);
    clock.advance(15 * 60 + 1);
    codeFrom(timed, await signInAndConsent(timed, timedUrl(), { username: 'carol' }));
  });

  it('MFA asks for a one-time code, refuses a wrong one, accepts the right one once only', async () => {
    const right = oneTimeCode(SECRET, clock.now());
    const wrong = right === '123456' ? '654321' : '123456';
    const browser = new Browser(timed);
    const { html } = await openFlow(browser, timedUrl());
    const signIn = formFor(html, 'sign-in');
    const flow = (await browser.post(signIn.action, { ...Object.fromEntries(signIn.fields), username: 'dave', password: PASSWORD })).headers.get('location')!;
    const otpPage = await (await browser.get(flow)).text();
    const otp = formFor(otpPage, 'otp');
    const refused = await browser.post(otp.action, { ...Object.fromEntries(otp.fields), otp: wrong });
    expect(refused.status).toBe(400);
    expect(stepOf(await refused.text())).toBe('otp');
    expect(refused.headers.getSetCookie()).toEqual([]);
    codeFrom(timed, await signInAndConsent(timed, timedUrl(), { username: 'dave', otp: right }));
    await expect(signInAndConsent(timed, timedUrl(), { username: 'dave', otp: right })).rejects.toThrow(/otp page answered 400: That code is not valid/);
    clock.advance(30);
    codeFrom(timed, await signInAndConsent(timed, timedUrl(), { username: 'dave', otp: oneTimeCode(SECRET, clock.now()) }));
  });

  it('N.90 re-entering the password does not forgive wrong one-time codes: the fifth locks the account', async () => {
    const wrong = oneTimeCode(SECRET, clock.now()) === '123456' ? '654321' : '123456';
    /** A fresh flow: the password, then (if asked) a one-time code; the last page's problem. */
    const attempt = async (otp: string) => {
      const browser = new Browser(timed);
      const { html, flow } = await openFlow(browser, timedUrl());
      const signIn = formFor(html, 'sign-in');
      const after = await browser.post(signIn.action, { ...Object.fromEntries(signIn.fields), username: 'frank', password: PASSWORD });
      if (after.status !== 303) return problemOf(await after.text());
      const form = formFor(await (await browser.get(flow)).text(), 'otp');
      return problemOf(await (await browser.post(form.action, { ...Object.fromEntries(form.fields), otp })).text());
    };
    for (let i = 0; i < 5; i++) expect(await attempt(wrong)).toMatch(/^That code is not valid/);
    expect(await attempt(oneTimeCode(SECRET, clock.now()))).toMatch(/^Too many failed sign-ins\. Try again in/);
  });

  it('NG-13 an expired launch is refused', async () => {
    const client = await registerApp(timed, { launchUri: 'https://app.example/launch' });
    const { launch: id } = await ehrLaunch(timed, { clientId: client.clientId, patientId: erinPatient });
    clock.advance(timed.config.lifetimes.launch + 1);
    const res = await timed.app.request(authorizeUrl(timed, { client_id: client.clientId, code_challenge: pkce().challenge, scope: 'launch patient/*.rs', launch: id }));
    expect(new URL(res.headers.get('location')!).searchParams.get('error')).toBe('invalid_request');
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { oneTimeCode } from '../../gateway/src/oauth/sign-in/authenticate.ts';
import { consolePageOf, consoleSignIn, csrfOf } from '../helpers/console.ts';
import { startTestGateway, type TestGateway } from '../helpers/gateway.ts';
import { authorizeUrl, Browser, createPatientUser, createPractitioner, createUser, pkce, problemOf, registerApp, signInAndConsent } from '../helpers/oauth.ts';

let gw: TestGateway;
let clientId: string;

/** Every console page (GET) and form (POST), with the roles that may use it. */
const PAGES: readonly { path: string; roles: readonly string[] }[] = [
  { path: '/admin/', roles: ['admin', 'practitioner'] },
  { path: '/admin/apps', roles: ['admin'] },
  { path: '/admin/apps/new', roles: ['admin'] },
  { path: '/admin/apps/CLIENT', roles: ['admin'] },
  { path: '/admin/grants/CLIENT', roles: ['admin'] },
  { path: '/admin/launch', roles: ['practitioner'] },
  { path: '/admin/audit', roles: ['admin'] },
  { path: '/admin/audit/export.csv', roles: ['admin'] },
];
const FORMS: readonly { path: string; roles: readonly string[] }[] = [
  { path: '/admin/apps', roles: ['admin'] },
  { path: '/admin/apps/CLIENT', roles: ['admin'] },
  { path: '/admin/apps/CLIENT/rotate-secret', roles: ['admin'] },
  { path: '/admin/apps/CLIENT/disable', roles: ['admin'] },
  { path: '/admin/apps/CLIENT/enable', roles: ['admin'] },
  { path: '/admin/apps/initial-access-token', roles: ['admin'] },
  { path: '/admin/grants/CLIENT/revoke', roles: ['admin'] },
  { path: '/admin/launch', roles: ['practitioner'] },
];
const at = (path: string) => path.replace('CLIENT', clientId);

beforeAll(async () => {
  gw = await startTestGateway();
  clientId = (await registerApp(gw, { name: 'Growth charts', launchUri: 'https://app.example/launch' })).clientId;
  await createUser(gw, { username: 'admin', role: 'admin' });
  await createUser(gw, { username: 'dr.welby', role: 'practitioner', fhirUser: `Practitioner/${await createPractitioner(gw)}` });
  await createPatientUser(gw, 'amy');
});
afterAll(() => gw.close());

describe('who may use the console', () => {
  it('sends anonymous browsers to the console sign-in, coming back to the page asked for', async () => {
    for (const { path } of PAGES) {
      const res = await gw.app.request(at(path));
      expect(res.status, path).toBe(303);
      expect(res.headers.get('location'), path).toBe(`/admin/sign-in?next=${encodeURIComponent(at(path))}`);
    }
    for (const { path } of FORMS) {
      const res = await gw.app.request(at(path), { method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, body: 'csrf=x' });
      expect(res.status, path).toBe(303);
      expect(res.headers.get('location')).toMatch(/^\/admin\/sign-in/);
    }
  });

  it.each(['amy', 'dr.welby', 'admin'])('lets %s into only the pages of their role; every other page and form is 403', async (username) => {
    const browser = await consoleSignIn(gw, username);
    const role = username === 'amy' ? 'patient' : username === 'admin' ? 'admin' : 'practitioner';
    for (const { path, roles } of PAGES) {
      const res = await browser.get(at(path));
      const expected = roles.includes(role) ? (path === '/admin/' ? 303 : 200) : 403;
      expect(res.status, `${role} GET ${path}`).toBe(expected);
      if (expected === 403) expect(await res.text()).toContain('not available to you');
      if (expected === 200 && !path.endsWith('.csv')) expect(res.headers.get('content-type'), path).toMatch(/^text\/html/);
    }
    // A valid token of this session (patients get one in the 403 page's sign-out form): the refusals below are the role's.
    const csrf = csrfOf(await (await browser.get(role === 'practitioner' ? '/admin/launch' : '/admin/apps')).text());
    for (const { path, roles } of FORMS) {
      if (roles.includes(role)) continue;
      const res = await browser.post(at(path), { csrf, name: 'Evil', patient: 'x', client: clientId });
      expect(res.status, `${role} POST ${path}`).toBe(403);
    }
    expect((await gw.store.clients.findById(clientId))?.disabledAt).toBeNull();
  });

  it('shows a signed-in patient the way to the portal instead of the console', async () => {
    const browser = await consoleSignIn(gw, 'amy');
    const res = await browser.get('/admin/apps');
    expect(res.status).toBe(403);
    expect(await res.text()).toContain('href="/portal/"');
  });

  it('sends admins to Apps and practitioners to Patients from /admin/', async () => {
    expect((await (await consoleSignIn(gw, 'admin')).get('/admin/')).headers.get('location')).toBe('/admin/apps');
    expect((await (await consoleSignIn(gw, 'dr.welby')).get('/admin/')).headers.get('location')).toBe('/admin/launch');
  });

  it('refuses a bearer token: the console knows only its session cookie', async () => {
    const res = await gw.app.request('/admin/apps', { headers: { Authorization: `Bearer ${await gw.mintToken({ scope: 'user/*.*' })}` } });
    expect(res.status).toBe(303);
  });
});

describe('console forms and CSRF', () => {
  const disable = (browser: Browser, body: Record<string, string>, headers: Record<string, string> = {}) => browser.post(`/admin/apps/${clientId}/disable`, body, headers);

  it('refuses a post without the CSRF token, with a wrong one or with another session\'s, and changes nothing', async () => {
    const browser = await consoleSignIn(gw, 'admin');
    const other = await consoleSignIn(gw, 'admin');
    const { csrf: othersToken } = await consolePageOf(other, '/admin/apps');
    for (const body of [{}, { csrf: '' }, { csrf: 'not-the-token' }, { csrf: othersToken }] as Record<string, string>[]) {
      const res = await disable(browser, body);
      expect(res.status, JSON.stringify(body)).toBe(403);
      expect(await res.text()).toContain('This form has expired');
    }
    expect((await gw.store.clients.findById(clientId))?.disabledAt).toBeNull();
  });

  it('refuses a cross-site post and a post that is not an urlencoded form even with the right token', async () => {
    const browser = await consoleSignIn(gw, 'admin');
    const { csrf } = await consolePageOf(browser, '/admin/apps');
    expect((await disable(browser, { csrf }, { 'Sec-Fetch-Site': 'cross-site' })).status).toBe(403);
    expect((await disable(browser, { csrf }, { 'Sec-Fetch-Site': 'same-site' })).status).toBe(403);
    expect((await disable(browser, { csrf }, { Origin: 'https://evil.example' })).status).toBe(403);
    expect((await disable(browser, { csrf }, { Origin: 'null' })).status).toBe(403);
    const plain = await browser.request(`/admin/apps/${clientId}/disable`, { method: 'POST', body: `csrf=${csrf}`, headers: { 'Content-Type': 'text/plain' } });
    expect(plain.status).toBe(403);
    const typeless = await browser.request(`/admin/apps/${clientId}/disable`, { method: 'POST', body: new Blob([`csrf=${csrf}`]) });
    expect(typeless.status).toBe(403);
    expect((await gw.store.clients.findById(clientId))?.disabledAt).toBeNull();
    // The same request from the console's own page goes through (Chromium sends Origin: null under no-referrer).
    const ok = await disable(browser, { csrf }, { 'Sec-Fetch-Site': 'same-origin', Origin: 'null' });
    expect(ok.status).toBe(303);
    expect((await gw.store.clients.findById(clientId))?.disabledAt).not.toBeNull();
    expect((await browser.post(`/admin/apps/${clientId}/enable`, { csrf }, { Origin: gw.config.publicUrl })).status).toBe(303);
    expect((await gw.store.clients.findById(clientId))?.disabledAt).toBeNull();
  });

  it('refuses a sign-in post without the sign-in form\'s token', async () => {
    const browser = new Browser(gw);
    await browser.get('/admin/sign-in');
    const res = await browser.post('/admin/sign-in', { csrf: 'forged', username: 'admin', password: 'correct horse battery staple' });
    expect(res.status).toBe(403);
    expect(res.headers.getSetCookie().join()).not.toContain('portico_session=');
  });
});

describe('console pages refuse framing and caching', () => {
  it('sends frame-ancestors none, X-Frame-Options DENY, no-store and nosniff on every page, the sign-in page included', async () => {
    const browser = await consoleSignIn(gw, 'admin');
    for (const path of ['/admin/sign-in', '/admin/apps', '/admin/apps/new', `/admin/apps/${clientId}`, `/admin/grants/${clientId}`, '/admin/audit', '/admin/audit/export.csv']) {
      const res = await browser.get(path);
      expect(res.headers.get('content-security-policy'), path).toContain("frame-ancestors 'none'");
      expect(res.headers.get('content-security-policy'), path).not.toContain('unsafe-inline');
      expect(res.headers.get('x-frame-options'), path).toBe('DENY');
      expect(res.headers.get('cache-control'), path).toBe('no-store');
      expect(res.headers.get('x-content-type-options'), path).toBe('nosniff');
    }
  });
});

describe('console sign-in', () => {
  it('locks the account after five wrong passwords: the right one is refused too, with the same throttle as app sign-in', async () => {
    await createUser(gw, { username: 'locked.admin', role: 'admin' });
    const browser = new Browser(gw);
    const attempt = async (password: string) => {
      const page = await browser.get('/admin/sign-in');
      return browser.post('/admin/sign-in', { csrf: csrfOf(await page.text()), username: 'locked.admin', password });
    };
    for (let i = 0; i < 4; i++) {
      const res = await attempt('wrong password');
      expect(res.status).toBe(400);
      expect(problemOf(await res.text())).toBe('That username and password do not match.');
    }
    expect((await attempt('wrong password')).status).toBe(400);
    // Refused as app sign-ins are: `denied`, naming the user, never what was typed.
    const lockedAdmin = await gw.store.users.findByUsername('locked.admin');
    const refusals = (await gw.store.audit.list({ category: 'login', action: 'sign-in', userId: lockedAdmin!.id }, { limit: 10 })).events;
    expect(refusals).toHaveLength(5);
    expect(refusals[0]).toMatchObject({ outcome: 'denied', detail: 'console invalid credentials' });
    const locked = await attempt('correct horse battery staple');
    expect(locked.status).toBe(429);
    expect(problemOf(await locked.text())).toMatch(/^Too many failed sign-ins\. Try again in 1[45] minutes\.$/);
    // The lock is the account's, wherever the sign-in comes from: the app sign-in refuses it as well.
    const { challenge } = pkce();
    await expect(signInAndConsent(gw, authorizeUrl(gw, { client_id: clientId, code_challenge: challenge }), { username: 'locked.admin' })).rejects.toThrow(/Too many failed sign-ins/);
  });

  it('asks a user with MFA on for the one-time code, refuses a wrong one, and signs in with the right one', async () => {
    const user = await createUser(gw, { username: 'mfa.admin', role: 'admin' });
    const secret = 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP';
    await gw.store.users.setTotpSecret(user.id, secret);
    const browser = new Browser(gw);
    const page = await browser.get('/admin/sign-in?next=%2Fadmin%2Fapps%2Fnew');
    const res = await browser.post('/admin/sign-in', { csrf: csrfOf(await page.text()), username: 'mfa.admin', password: 'correct horse battery staple', next: '/admin/apps/new' });
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe('/admin/sign-in/otp?next=%2Fadmin%2Fapps%2Fnew');
    expect((await browser.get('/admin/apps')).status).toBe(303); // not signed in yet
    const otpPage = await browser.get(res.headers.get('location')!);
    const otpHtml = await otpPage.text();
    expect(otpHtml).toContain('name="otp"');
    const wrong = await browser.post('/admin/sign-in/otp', { csrf: csrfOf(otpHtml), otp: '000000', next: '/admin/apps/new' });
    expect(wrong.status).toBe(400);
    expect(problemOf(await wrong.text())).toMatch(/not valid/);
    const right = await browser.post('/admin/sign-in/otp', { csrf: csrfOf(otpHtml), otp: oneTimeCode(secret, gw.now()), next: '/admin/apps/new' });
    expect(right.status).toBe(303);
    expect(right.headers.get('location')).toBe('/admin/apps/new');
    expect((await browser.get('/admin/apps/new')).status).toBe(200);
  });

  it('does not follow a next parameter off the console', async () => {
    for (const next of ['https://evil.example/', '//evil.example/admin/', '/admin//evil.example', '/portal/', '/admin/sign-in']) {
      const browser = new Browser(gw);
      const page = await browser.get('/admin/sign-in');
      const res = await browser.post('/admin/sign-in', { csrf: csrfOf(await page.text()), username: 'admin', password: 'correct horse battery staple', next });
      expect(res.headers.get('location'), next).toBe('/admin/apps');
    }
  });

  it('shares the gateway session both ways: an app sign-in opens the console, a console sign-in skips the app sign-in', async () => {
    const fromApp = new Browser(gw);
    const { challenge } = pkce();
    const pages: string[] = [];
    await signInAndConsent(gw, authorizeUrl(gw, { client_id: clientId, code_challenge: challenge, scope: 'openid fhirUser user/*.rs' }), {
      username: 'admin',
      browser: fromApp,
      onPage: (step) => void pages.push(step),
    });
    expect(pages).toEqual(['sign-in', 'consent']);
    expect((await fromApp.get('/admin/apps')).status).toBe(200);

    const fromConsole = await consoleSignIn(gw, 'admin');
    const later: string[] = [];
    await signInAndConsent(gw, authorizeUrl(gw, { client_id: clientId, code_challenge: challenge, scope: 'openid fhirUser user/*.rs' }), {
      username: 'admin',
      browser: fromConsole,
      onPage: (step) => void later.push(step),
    });
    expect(later).toEqual(['consent']);
  });

  it('signs out: the session ends for the console and for apps', async () => {
    const browser = await consoleSignIn(gw, 'admin');
    const { csrf } = await consolePageOf(browser, '/admin/apps');
    const res = await browser.post('/admin/sign-out', { csrf });
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe('/admin/sign-in');
    expect((await browser.get('/admin/apps')).status).toBe(303);
  });
});

describe('REQUIRE_STAFF_MFA in the console', () => {
  it('makes staff without MFA set it up before the console opens, shows the recovery codes once, then asks for codes', async () => {
    const strict = await startTestGateway({ REQUIRE_STAFF_MFA: 'true' });
    try {
      await createUser(strict, { username: 'new.admin', role: 'admin' });
      const browser = new Browser(strict);
      const page = await browser.get('/admin/sign-in');
      const res = await browser.post('/admin/sign-in', { csrf: csrfOf(await page.text()), username: 'new.admin', password: 'correct horse battery staple' });
      expect(res.headers.get('location')).toBe('/admin/sign-in/otp');
      expect((await browser.get('/admin/apps')).status).toBe(303);
      const enrol = await (await browser.get('/admin/sign-in/otp')).text();
      expect(enrol).toContain('Set up two-step verification');
      expect(enrol).toContain('<svg');
      const pending = /data-secret="([A-Z2-7]+)"/.exec(enrol)![1]!;
      const wrong = await browser.post('/admin/sign-in/otp', { csrf: csrfOf(enrol), otp: '000000' });
      expect(wrong.status).toBe(400);
      const done = await browser.post('/admin/sign-in/otp', { csrf: csrfOf(enrol), otp: oneTimeCode(pending, strict.now()) });
      expect(done.status).toBe(200);
      const codes = [...(await done.text()).matchAll(/<li><code>([^<]+)<\/code><\/li>/g)].map((m) => m[1]);
      expect(codes).toHaveLength(10);
      expect((await browser.get('/admin/apps')).status).toBe(200);
      // From now on the console asks for a code (a recovery code does too).
      const again = new Browser(strict);
      const signIn = await again.get('/admin/sign-in');
      await again.post('/admin/sign-in', { csrf: csrfOf(await signIn.text()), username: 'new.admin', password: 'correct horse battery staple' });
      const otp = await (await again.get('/admin/sign-in/otp')).text();
      expect(otp).toContain('Enter your verification code');
      // A browser will not submit a value its field's pattern rejects: a recovery code must pass it.
      const pattern = /<input id="otp"[^>]*\spattern="([^"]*)"/.exec(otp)?.[1];
      if (pattern !== undefined) expect(codes[0]).toMatch(new RegExp(`^(?:${pattern})$`));
      expect((await again.post('/admin/sign-in/otp', { csrf: csrfOf(otp), otp: codes[0]! })).status).toBe(303);
      expect((await again.get('/admin/apps')).status).toBe(200);
    } finally {
      await strict.close();
    }
  });
});

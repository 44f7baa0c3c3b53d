import { PORTAL_CLIENT_ID, PORTAL_SCOPES } from '@portico/shared/portal/portal-client';
import { decodeJwt } from 'jose';
import * as oauth from 'oauth4webapi';
import { beforeEach, describe, expect, it } from 'vitest';
import { json, startTestGateway, type TestGateway } from '../helpers/gateway.ts';
import {
  authorizeCode,
  authorizeUrl,
  Browser,
  createPatientUser,
  discover,
  exchangeCode,
  expectOAuthError,
  pkce,
  postForms,
  refresh,
  registerApp,
  stepOf,
  TestClock,
  viaApp,
  type RegisteredApp,
} from '../helpers/oauth.ts';

const SIGNED_OUT = 'http://localhost/portal/signed-out';

let gw: TestGateway;
let clock: TestClock;
let patientId: string;
const portal: RegisteredApp = { clientId: PORTAL_CLIENT_ID, redirectUri: 'http://localhost/portal/' };

/** Signs `browser` in as amy and authorizes `app`; returns the token response. */
async function signIn(browser: Browser, app: RegisteredApp = portal, scope = PORTAL_SCOPES, duration?: 'session' | '30d' | 'forever') {
  const { code, verifier } = await authorizeCode(gw, app, { username: 'amy', scope, browser, duration });
  const res = await exchangeCode(gw, app, code, verifier);
  const body = await json(res);
  expect(res.status, JSON.stringify(body)).toBe(200);
  return body as { access_token: string; refresh_token: string; id_token: string };
}

/** What the next authorization request in a browser holding `cookies` shows: the sign-in page or not. */
async function nextStepWith(cookies: Map<string, string>): Promise<string> {
  const browser = new Browser(gw);
  for (const [name, value] of cookies) browser.cookies.set(name, value);
  let res = await browser.get(authorizeUrl(gw, { client_id: PORTAL_CLIENT_ID, redirect_uri: portal.redirectUri, scope: PORTAL_SCOPES, code_challenge: pkce().challenge }));
  if (res.status === 303) res = await browser.get(res.headers.get('location')!);
  return stepOf(await res.text());
}

const fhirStatus = async (token: string) => (await gw.fhir(`/fhir/Patient/${patientId}`, { token })).status;

beforeEach(async () => {
  clock = new TestClock();
  gw = await startTestGateway({}, clock.now);
  ({ patientId } = await createPatientUser(gw, 'amy'));
});

describe('discovery', () => {
  it('publishes end_session_endpoint in the OpenID and SMART configurations', async () => {
    const as = await discover(gw);
    expect(as.end_session_endpoint).toBe('http://localhost/auth/logout');
    const smart = await json(await gw.app.request('/fhir/.well-known/smart-configuration'));
    expect(smart.end_session_endpoint).toBe('http://localhost/auth/logout');
  });
});

describe('GET /auth/logout with an id_token_hint', () => {
  it('names the sign-in session in the id_token (sid), which oauth4webapi validates', async () => {
    const as = await discover(gw);
    expect(as.claims_supported).toContain('sid');
    const client: oauth.Client = { client_id: PORTAL_CLIENT_ID };
    const browser = new Browser(gw);
    const { code, verifier } = await authorizeCode(gw, portal, { username: 'amy', scope: PORTAL_SCOPES, browser });
    const callback = oauth.validateAuthResponse(as, client, new URLSearchParams({ code, state: 'state-123', iss: gw.config.publicUrl }), 'state-123');
    const response = await oauth.authorizationCodeGrantRequest(as, client, oauth.None(), callback, portal.redirectUri, verifier, viaApp(gw));
    const result = await oauth.processAuthorizationCodeResponse(as, client, response);
    const claims = oauth.getValidatedIdTokenClaims(result)!;
    expect(claims.sid).toMatch(/^[A-Za-z0-9_-]{20,}$/);
    // Another browser's sign-in is another session, with another sid.
    const other = decodeJwt((await signIn(new Browser(gw))).id_token);
    expect(other.sid).not.toBe(claims.sid);
    // The hint names that session: logging out with it signs this browser out.
    const cookiesBefore = new Map(browser.cookies);
    await browser.get(`/auth/logout?${new URLSearchParams({ id_token_hint: result.id_token! })}`);
    expect(await nextStepWith(cookiesBefore)).toBe('sign-in');
  });

  it('ends the session and its grants, clears the cookie and returns to the registered URI with state', async () => {
    const browser = new Browser(gw);
    const tokens = await signIn(browser);
    const cookiesBefore = new Map(browser.cookies);
    expect(await fhirStatus(tokens.access_token)).toBe(200);

    const query = new URLSearchParams({ id_token_hint: tokens.id_token, post_logout_redirect_uri: SIGNED_OUT, state: 'bye-123' });
    const res = await browser.get(`/auth/logout?${query}`);
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe(`${SIGNED_OUT}?state=bye-123`);
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(res.headers.getSetCookie().some((c) => /^portico_session=;.*max-age=0/i.test(c))).toBe(true);
    expect(browser.cookies.has('portico_session')).toBe(false);

    expect(await fhirStatus(tokens.access_token)).toBe(401);
    await expectOAuthError(await refresh(gw, portal, tokens.refresh_token), 400, 'invalid_grant');
    // The old cookie, replayed, no longer signs anyone in.
    expect(await nextStepWith(cookiesBefore)).toBe('sign-in');
    const { events } = await gw.store.audit.list({ category: 'login', action: 'sign-out' }, { limit: 10 });
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ outcome: 'success', clientId: PORTAL_CLIENT_ID, userId: decodeJwt(tokens.id_token).sub, detail: 'id_token_hint' });
  });

  it('accepts a POSTed logout and an expired id_token as the hint', async () => {
    const browser = new Browser(gw);
    const tokens = await signIn(browser);
    clock.advance(2 * 3600);
    expect(decodeJwt(tokens.id_token).exp! * 1000).toBeLessThan(clock.now().getTime());
    const res = await browser.post('/auth/logout', { id_token_hint: tokens.id_token, post_logout_redirect_uri: SIGNED_OUT });
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe(SIGNED_OUT);
    await expectOAuthError(await refresh(gw, portal, tokens.refresh_token), 400, 'invalid_grant');
  });

  it('never redirects to a post_logout_redirect_uri that is not registered, but still signs out', async () => {
    for (const uri of ['https://evil.example/signed-out', 'http://localhost/portal/signed-out/', 'http://localhost/portal/', `${SIGNED_OUT}?x=1`]) {
      const browser = new Browser(gw);
      const tokens = await signIn(browser);
      const res = await browser.get(`/auth/logout?${new URLSearchParams({ id_token_hint: tokens.id_token, post_logout_redirect_uri: uri, state: 's' })}`);
      expect(res.status, uri).toBe(200);
      expect(res.headers.get('location')).toBeNull();
      const html = await res.text();
      expect(html).toContain('You are signed out');
      expect(html).not.toContain('evil.example');
      expect(res.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
      expect(await fhirStatus(tokens.access_token)).toBe(401);
    }
  });

  it("revokes the id_token's own grant even when it outlives the session (offline_access)", async () => {
    const app = await registerApp(gw, { scope: 'openid fhirUser launch/patient offline_access patient/*.rs' });
    await gw.store.clients.update(app.clientId, { postLogoutRedirectUris: ['https://app.example/bye'] });
    const browser = new Browser(gw);
    const offline = await signIn(browser, app, 'openid fhirUser launch/patient offline_access patient/*.rs', 'forever');
    const portalTokens = await signIn(browser);
    const cookiesBefore = new Map(browser.cookies);
    const res = await browser.get(`/auth/logout?${new URLSearchParams({ id_token_hint: offline.id_token, post_logout_redirect_uri: 'https://app.example/bye', client_id: app.clientId })}`);
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe('https://app.example/bye');
    await expectOAuthError(await refresh(gw, app, offline.refresh_token), 400, 'invalid_grant');
    // The browser's session (the one the id_token was issued in) ended, and the portal's grant with it.
    expect(await fhirStatus(portalTokens.access_token)).toBe(401);
    expect(await nextStepWith(cookiesBefore)).toBe('sign-in');
  });

  it('leaves other sign-in sessions alone', async () => {
    const here = new Browser(gw);
    const elsewhere = new Browser(gw);
    const mine = await signIn(here);
    const theirs = await signIn(elsewhere);
    await here.get(`/auth/logout?${new URLSearchParams({ id_token_hint: mine.id_token })}`);
    expect(await fhirStatus(mine.access_token)).toBe(401);
    expect(await fhirStatus(theirs.access_token)).toBe(200);
    expect(await nextStepWith(elsewhere.cookies)).toBe('consent');
  });

  it('refuses a client_id that differs from the hint', async () => {
    const browser = new Browser(gw);
    const tokens = await signIn(browser);
    const res = await browser.get(`/auth/logout?${new URLSearchParams({ id_token_hint: tokens.id_token, client_id: 'someone-else', post_logout_redirect_uri: SIGNED_OUT })}`);
    expect(res.status).toBe(400);
    expect(res.headers.get('location')).toBeNull();
    expect(await fhirStatus(tokens.access_token)).toBe(200);
  });
});

describe('/auth/logout without a valid hint', () => {
  it('asks for confirmation in a CSRF-protected form, unframeable, and signs out only when confirmed', async () => {
    const browser = new Browser(gw);
    const tokens = await signIn(browser);
    const cookiesBefore = new Map(browser.cookies);
    const tampered = tokens.id_token.slice(0, -4) + (tokens.id_token.endsWith('AAAA') ? 'BBBB' : 'AAAA');

    for (const path of ['/auth/logout', `/auth/logout?${new URLSearchParams({ id_token_hint: tampered, post_logout_redirect_uri: SIGNED_OUT })}`]) {
      const page = await browser.get(path);
      expect(page.status, path).toBe(200);
      expect(page.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
      expect(page.headers.get('x-frame-options')).toBe('DENY');
      const html = await page.text();
      expect(html).toContain('Sign out of Portico?');
      expect(postForms(html)[0]?.fields.get('csrf')).toBeTruthy();
    }
    expect(await fhirStatus(tokens.access_token)).toBe(200);

    const page = await browser.get(`/auth/logout?${new URLSearchParams({ client_id: PORTAL_CLIENT_ID, post_logout_redirect_uri: SIGNED_OUT, state: 'st' })}`);
    const form = postForms(await page.text())[0]!;
    expect(form.action).toBe('/auth/logout');
    // A forged form (no or another token) is refused and changes nothing.
    for (const csrf of ['', 'forged']) {
      const fields = new URLSearchParams(form.fields);
      fields.set('csrf', csrf);
      expect((await browser.post(form.action, fields)).status).toBe(403);
    }
    expect(await fhirStatus(tokens.access_token)).toBe(200);

    const confirmed = await browser.post(form.action, form.fields);
    expect(confirmed.status).toBe(303);
    expect(confirmed.headers.get('location')).toBe(`${SIGNED_OUT}?state=st`);
    expect(await fhirStatus(tokens.access_token)).toBe(401);
    await expectOAuthError(await refresh(gw, portal, tokens.refresh_token), 400, 'invalid_grant');
    expect(await nextStepWith(cookiesBefore)).toBe('sign-in');
  });

  it('shows the signed-out page to a browser that is not signed in', async () => {
    const res = await new Browser(gw).get(`/auth/logout?${new URLSearchParams({ post_logout_redirect_uri: 'https://evil.example/' })}`);
    expect(res.status).toBe(200);
    expect(res.headers.get('location')).toBeNull();
    expect(await res.text()).toContain('You are signed out');
  });
});

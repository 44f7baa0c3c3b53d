import { PORTAL_CLIENT_ID, PORTAL_SCOPES } from '@portico/shared/portal/portal-client';
import type { ConnectedApp, ConnectedAppsResponse } from '@portico/shared/portal/connected-apps';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { create } from '../helpers/fhir.ts';
import { json, startTestGateway, type TestGateway } from '../helpers/gateway.ts';
import { createPatientUser, createPractitioner, createUser, expectOAuthError, launch, refresh, registerApp, TestClock, type LaunchOptions, type RegisteredApp } from '../helpers/oauth.ts';

const APP_SCOPE = 'launch/patient openid fhirUser offline_access patient/Patient.r patient/Observation.rs patient/Condition.rs';

const clock = new TestClock();
let gw: TestGateway;
let portal: RegisteredApp;
let amy: { userId: string; patientId: string };
let bob: { userId: string; patientId: string };

beforeAll(async () => {
  gw = await startTestGateway({}, clock.now);
  portal = { clientId: PORTAL_CLIENT_ID, redirectUri: `${gw.config.publicUrl}/portal/` };
  const a = await createPatientUser(gw, 'amy');
  const b = await createPatientUser(gw, 'bob');
  amy = { userId: a.user.id, patientId: a.patientId };
  bob = { userId: b.user.id, patientId: b.patientId };
  for (const patient of [amy.patientId, bob.patientId]) {
    await create(gw, { resourceType: 'Observation', status: 'final', code: { text: 'Heart rate' }, subject: { reference: `Patient/${patient}` } });
  }
});
afterAll(() => gw.close());

/** The portal's access token for a patient, through the real sign-in and token exchange. */
async function portalToken(username: string): Promise<string> {
  return (await launch(gw, portal, { username, scope: PORTAL_SCOPES })).access_token;
}

/** A third-party app the patient has connected: its registration and its tokens. */
async function connectApp(username: string, opts: Partial<LaunchOptions> & { name?: string; app?: RegisteredApp } = {}) {
  const app = opts.app ?? (await registerApp(gw, { name: opts.name ?? 'Heart Tracker', policyUri: 'https://app.example/privacy' }));
  const tokens = await launch(gw, app, { username, scope: APP_SCOPE, duration: 'forever', ...opts });
  return { app, tokens: tokens as { access_token: string; refresh_token: string } };
}

async function api(path: string, token: string | null, init: RequestInit = {}): Promise<Response> {
  const headers = new Headers(init.headers);
  if (token !== null) headers.set('Authorization', `Bearer ${token}`);
  return gw.app.request(`/api/me${path}`, { ...init, headers });
}

async function listApps(token: string): Promise<ConnectedApp[]> {
  const res = await api('/apps', token);
  const body = await json<ConnectedAppsResponse>(res);
  expect(res.status, JSON.stringify(body)).toBe(200);
  return [...body.apps];
}

async function appOf(token: string, clientId: string): Promise<ConnectedApp | undefined> {
  return (await listApps(token)).find((a) => a.clientId === clientId);
}

function revokeApp(token: string, clientId: string): Promise<Response> {
  return api(`/apps/${encodeURIComponent(clientId)}/revoke`, token, { method: 'POST' });
}

function removeScope(token: string, clientId: string, scope: unknown): Promise<Response> {
  return api(`/apps/${encodeURIComponent(clientId)}/remove-scope`, token, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ scope }),
  });
}

const readObservations = (token: string, patientId = amy.patientId) => gw.fhir(`/fhir/Observation?patient=${patientId}`, { token });
const readPatient = (token: string, patientId = amy.patientId) => gw.fhir(`/fhir/Patient/${patientId}`, { token });

/**
 * Sets the test clock back to the real time: the audit trail may stamp rows with either, and
 * "refused since the revocation" compares the two.
 */
function syncClock(): void {
  clock.current = new Date();
}

async function expectApiError(res: Response, status: number, error: string): Promise<void> {
  const text = await res.text();
  expect(res.status, text).toBe(status);
  expect(res.headers.get('cache-control')).toContain('no-store');
  const body = JSON.parse(text);
  expect(body.error).toBe(error);
  expect(typeof body.error_description).toBe('string');
}

describe('who may call the connected-apps API', () => {
  it('refuses a request without a bearer token: 401 invalid_token with a Bearer challenge', async () => {
    const res = await api('/apps', null);
    expect(res.headers.get('www-authenticate')).toBe('Bearer realm="portico"');
    await expectApiError(res, 401, 'invalid_token');
  });

  it('refuses a malformed or forged token: 401 invalid_token', async () => {
    const token = await portalToken('amy');
    for (const bad of ['not-a-token', `${token.slice(0, -4)}AAAA`]) {
      const res = await api('/apps', bad);
      expect(res.headers.get('www-authenticate')).toMatch(/^Bearer .*error="invalid_token"/);
      await expectApiError(res, 401, 'invalid_token');
    }
    expect((await api('/apps', null, { headers: { Authorization: `Basic ${Buffer.from('a:b').toString('base64')}` } })).status).toBe(401);
  });

  it("refuses a third-party app's patient token: 403 insufficient_scope, and it cannot revoke itself or others", async () => {
    const { app, tokens } = await connectApp('amy');
    const res = await api('/apps', tokens.access_token);
    expect(res.headers.get('www-authenticate')).toMatch(/error="insufficient_scope"/);
    await expectApiError(res, 403, 'insufficient_scope');
    await expectApiError(await revokeApp(tokens.access_token, app.clientId), 403, 'insufficient_scope');
    expect((await readObservations(tokens.access_token)).status).toBe(200);
  });

  it('refuses a portal token without a patient in context: 403', async () => {
    const token = await gw.mintToken({ client_id: PORTAL_CLIENT_ID, sub: amy.userId, scope: 'openid fhirUser' });
    await expectApiError(await api('/apps', token), 403, 'insufficient_scope');
  });

  it('answers with no-store, the API security headers and no CORS grant; an unknown path is 404', async () => {
    const token = await portalToken('amy');
    const res = await api('/apps', token);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(res.headers.get('content-security-policy')).toContain("default-src 'none'");
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('x-request-id')).toBeTruthy();
    expect(res.headers.get('access-control-allow-origin')).toBeNull();
    await expectApiError(await api('/apps/x/rename', token, { method: 'POST' }), 404, 'not_found');
    await expectApiError(await api('/nothing', token), 404, 'not_found');
  });
});

describe('the list of connected apps', () => {
  it('shows an app the patient connected, in plain language, with when it was granted — but not the portal itself', async () => {
    const grantedAt = clock.now();
    const { app } = await connectApp('amy', { name: 'Plain Words' });
    const apps = await listApps(await portalToken('amy'));
    expect(apps.some((a) => a.clientId === PORTAL_CLIENT_ID)).toBe(false);
    const entry = apps.find((a) => a.clientId === app.clientId)!;
    expect(entry).toMatchObject({
      name: 'Plain Words',
      policyUri: 'https://app.example/privacy',
      logoUri: null,
      status: 'active',
      disabledAt: null,
      grantedAt: grantedAt.toISOString(),
      expiresAt: null,
      untilSignOut: false,
      revokedAt: null,
      refusedSince: 0,
      lastUsedAt: null,
      access: [],
    });
    expect(entry.scopes.map((s) => s.scope).sort()).toEqual(APP_SCOPE.split(' ').sort());
    const wording = Object.fromEntries(entry.scopes.map((s) => [s.scope, s.description]));
    expect(wording['patient/Observation.rs']).toBe('See your health measurements and test results');
    expect(wording['patient/Condition.rs']).toBe('See your health conditions and diagnoses');
    expect(wording['offline_access']).toBe('Keep access when you are not using the app, until you revoke it');
  });

  it('says until when access lasts: 30 days, or until sign-out for "this sign-in only"', async () => {
    const month = await connectApp('amy', { name: 'For a month', duration: '30d' });
    const session = await connectApp('amy', { name: 'For a sign-in', duration: 'session' });
    const token = await portalToken('amy');
    const monthly = (await appOf(token, month.app.clientId))!;
    expect(monthly.untilSignOut).toBe(false);
    expect(monthly.expiresAt).toBe(new Date(clock.now().getTime() + 30 * 86_400_000).toISOString());
    const once = (await appOf(token, session.app.clientId))!;
    expect(once.untilSignOut).toBe(true);
    expect(once.expiresAt).toBeNull();
  });

  it('merges an app granted twice into one entry: scopes of both, the first grant date, the latest end', async () => {
    const first = await connectApp('amy', { name: 'Granted twice', duration: '30d', uncheck: ['patient/Condition.rs'] });
    const firstAt = clock.now();
    clock.advance(60);
    await connectApp('amy', { app: first.app, duration: '30d', uncheck: ['patient/Observation.rs'] });
    const entries = (await listApps(await portalToken('amy'))).filter((a) => a.clientId === first.app.clientId);
    expect(entries).toHaveLength(1);
    const scopes = entries[0]!.scopes.map((s) => s.scope);
    expect(scopes).toContain('patient/Observation.rs');
    expect(scopes).toContain('patient/Condition.rs');
    expect(entries[0]!.grantedAt).toBe(firstAt.toISOString());
    expect(entries[0]!.expiresAt).toBe(new Date(clock.now().getTime() + 30 * 86_400_000).toISOString());
  });

  it("shows the app's FHIR reads as its access history and last use", async () => {
    const { app, tokens } = await connectApp('amy', { name: 'Busy reader' });
    expect((await readObservations(tokens.access_token)).status).toBe(200);
    expect((await readObservations(tokens.access_token)).status).toBe(200);
    expect((await readPatient(tokens.access_token)).status).toBe(200);
    expect((await gw.fhir('/fhir/Immunization', { token: tokens.access_token })).status).toBe(403);
    const entry = (await appOf(await portalToken('amy'), app.clientId))!;
    expect(entry.access.map(({ resourceType, action, count }) => ({ resourceType, action, count }))).toEqual([
      { resourceType: 'Observation', action: 'search', count: 2 },
      { resourceType: 'Patient', action: 'read', count: 1 },
    ]);
    const [searches, patientRead] = entry.access;
    expect(Date.parse(searches!.firstAt)).toBeLessThanOrEqual(Date.parse(searches!.lastAt));
    expect(Date.parse(searches!.lastAt)).toBeLessThanOrEqual(Date.parse(patientRead!.firstAt));
    expect(entry.lastUsedAt).not.toBeNull();
    expect(entry.lastUsedAt).toBe(patientRead!.lastAt);
  });

  it("keeps patients apart: another patient's apps are not listed, and cannot be revoked or narrowed (404)", async () => {
    const { app, tokens } = await connectApp('amy', { name: 'Amy only' });
    const bobToken = await portalToken('bob');
    expect((await listApps(bobToken)).some((a) => a.clientId === app.clientId)).toBe(false);
    await expectApiError(await revokeApp(bobToken, app.clientId), 404, 'not_found');
    await expectApiError(await removeScope(bobToken, app.clientId, 'patient/Observation.rs'), 404, 'not_found');
    await expectApiError(await revokeApp(bobToken, 'no-such-app'), 404, 'not_found');
    await expectApiError(await revokeApp(bobToken, PORTAL_CLIENT_ID), 404, 'not_found');
    expect((await readObservations(tokens.access_token)).status).toBe(200);
    expect((await appOf(await portalToken('amy'), app.clientId))?.status).toBe('active');
  });

  it("lists a clinician's launch for the patient under the patient, not under the clinician's other patients", async () => {
    await createUser(gw, { username: 'dr.who', role: 'practitioner', fhirUser: `Practitioner/${await createPractitioner(gw)}` });
    const app = await registerApp(gw, { name: 'Clinic viewer', scope: 'launch/patient openid fhirUser user/*.rs' });
    await launch(gw, app, { username: 'dr.who', scope: 'launch/patient openid fhirUser user/Observation.rs', patient: bob.patientId });
    expect((await appOf(await portalToken('bob'), app.clientId))?.status).toBe('active');
    expect(await appOf(await portalToken('amy'), app.clientId)).toBeUndefined();
  });
});

describe('revoking an app', () => {
  it("kills its access token on the very next request and its refresh token, and shows the effect with refused requests counted", async () => {
    syncClock();
    const { app, tokens } = await connectApp('amy', { name: 'To revoke' });
    expect((await readObservations(tokens.access_token)).status).toBe(200);
    const token = await portalToken('amy');

    const res = await revokeApp(token, app.clientId);
    const entry = await json<ConnectedApp>(res);
    expect(res.status, JSON.stringify(entry)).toBe(200);
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(entry).toMatchObject({ clientId: app.clientId, status: 'revoked', revokedAt: clock.now().toISOString(), scopes: [], refusedSince: 0 });

    expect((await readObservations(tokens.access_token)).status).toBe(401);
    expect((await readPatient(tokens.access_token)).status).toBe(401);
    const after = (await appOf(token, app.clientId))!;
    expect(after.status).toBe('revoked');
    expect(after.revokedAt).toBe(entry.revokedAt);
    expect(after.refusedSince).toBe(2);
    await expectOAuthError(await refresh(gw, app, tokens.refresh_token), 400, 'invalid_grant');
    expect(after.access).toEqual([expect.objectContaining({ resourceType: 'Observation', action: 'search', count: 1 })]);

    const audit = await gw.store.audit.list({ clientId: app.clientId, action: 'grant.revoke' }, { limit: 10 });
    expect(audit.events).toHaveLength(1);
    expect(audit.events[0]).toMatchObject({ category: 'admin', outcome: 'success', userId: amy.userId, patientId: amy.patientId, clientId: app.clientId, detail: null });
    expect(audit.events[0]!.grantId).toBeTruthy();
  });

  it('revokes every grant of an app granted twice; a second revoke changes nothing', async () => {
    const first = await connectApp('amy', { name: 'Twice revoked' });
    const second = await connectApp('amy', { app: first.app });
    const token = await portalToken('amy');
    expect((await revokeApp(token, first.app.clientId)).status).toBe(200);
    expect((await readObservations(first.tokens.access_token)).status).toBe(401);
    expect((await readObservations(second.tokens.access_token)).status).toBe(401);
    const again = await revokeApp(token, first.app.clientId);
    expect(again.status).toBe(200);
    expect((await json<ConnectedApp>(again)).status).toBe('revoked');
    expect((await gw.store.audit.list({ clientId: first.app.clientId, action: 'grant.revoke' }, { limit: 10 })).events).toHaveLength(2);
  });
});

describe('removing one scope', () => {
  it('refuses the removed kind of data on the next request while the rest still works, and the list loses it', async () => {
    const { app, tokens } = await connectApp('amy', { name: 'To narrow' });
    expect((await readObservations(tokens.access_token)).status).toBe(200);
    const token = await portalToken('amy');

    const res = await removeScope(token, app.clientId, 'patient/Observation.rs');
    const entry = await json<ConnectedApp>(res);
    expect(res.status, JSON.stringify(entry)).toBe(200);
    expect(entry.status).toBe('active');
    expect(entry.scopes.map((s) => s.scope)).not.toContain('patient/Observation.rs');
    expect(entry.scopes.map((s) => s.scope)).toContain('patient/Condition.rs');

    expect((await readObservations(tokens.access_token)).status).toBe(403);
    expect((await readPatient(tokens.access_token)).status).toBe(200);
    expect((await gw.fhir(`/fhir/Condition?patient=${amy.patientId}`, { token: tokens.access_token })).status).toBe(200);

    // A refresh issues only what is left.
    const refreshed = await refresh(gw, app, tokens.refresh_token);
    const body = await json(refreshed);
    expect(refreshed.status, JSON.stringify(body)).toBe(200);
    expect(body.scope.split(' ')).not.toContain('patient/Observation.rs');
    expect((await readObservations(body.access_token)).status).toBe(403);

    expect((await appOf(token, app.clientId))!.scopes.map((s) => s.scope)).not.toContain('patient/Observation.rs');
    const audit = await gw.store.audit.list({ clientId: app.clientId, action: 'grant.narrow' }, { limit: 10 });
    expect(audit.events).toHaveLength(1);
    expect(audit.events[0]).toMatchObject({ category: 'admin', userId: amy.userId, patientId: amy.patientId, detail: 'patient/Observation.rs' });
  });

  it('refuses a scope the app does not hold, or a body without one: 400 invalid_request, nothing changed', async () => {
    const { app, tokens } = await connectApp('amy', { name: 'Not held' });
    const token = await portalToken('amy');
    await expectApiError(await removeScope(token, app.clientId, 'patient/Immunization.rs'), 400, 'invalid_request');
    await expectApiError(await removeScope(token, app.clientId, 'patient/Observation.rs patient/Patient.r'), 400, 'invalid_request');
    await expectApiError(await removeScope(token, app.clientId, 42), 400, 'invalid_request');
    await expectApiError(
      await api(`/apps/${app.clientId}/remove-scope`, token, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{"scope":' }),
      400,
      'invalid_request',
    );
    expect((await readObservations(tokens.access_token)).status).toBe(200);
    expect((await appOf(token, app.clientId))!.scopes).toHaveLength(APP_SCOPE.split(' ').length);
  });

  it('revokes the app instead when nothing but sign-in and launch scopes would be left', async () => {
    const { app, tokens } = await connectApp('amy', { name: 'Last data scope', uncheck: ['patient/Observation.rs', 'patient/Condition.rs'] });
    const token = await portalToken('amy');
    const res = await removeScope(token, app.clientId, 'patient/Patient.r');
    const entry = await json<ConnectedApp>(res);
    expect(res.status, JSON.stringify(entry)).toBe(200);
    expect(entry.status).toBe('revoked');
    expect(entry.scopes).toEqual([]);
    expect((await readPatient(tokens.access_token)).status).toBe(401);
    await expectOAuthError(await refresh(gw, app, tokens.refresh_token), 400, 'invalid_grant');
    const audit = await gw.store.audit.list({ clientId: app.clientId, action: 'grant.revoke' }, { limit: 10 });
    expect(audit.events.map((e) => e.detail)).toEqual(['patient/Patient.r']);
  });
});

describe('an app a practice admin disabled', () => {
  it('shows as disabled with the time, its token is refused, and the refusals are counted', async () => {
    syncClock();
    const { app, tokens } = await connectApp('amy', { name: 'Switched off' });
    expect((await readObservations(tokens.access_token)).status).toBe(200);
    const portalAccess = await portalToken('amy');
    expect((await appOf(portalAccess, app.clientId))!.refusedSince).toBe(0);
    const disabledAt = clock.now();
    await gw.store.clients.update(app.clientId, { disabledAt });
    expect((await readObservations(tokens.access_token)).status).toBe(401);
    const entry = (await appOf(portalAccess, app.clientId))!;
    expect(entry.status).toBe('disabled');
    expect(entry.disabledAt).toBe(disabledAt.toISOString());
    expect(entry.scopes.map((s) => s.scope).sort()).toEqual(APP_SCOPE.split(' ').sort());
    expect(entry.refusedSince).toBe(1);
  });
});

describe('after 90 days', () => {
  it('a revoked app leaves the list', async () => {
    const { app } = await connectApp('bob', { name: 'Long gone' });
    expect((await revokeApp(await portalToken('bob'), app.clientId)).status).toBe(200);
    clock.advance(89 * 86_400);
    expect((await appOf(await portalToken('bob'), app.clientId))?.status).toBe('revoked');
    clock.advance(2 * 86_400);
    expect(await appOf(await portalToken('bob'), app.clientId)).toBeUndefined();
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { consolePageOf, consoleSignIn, submitConsoleForm } from '../helpers/console.ts';
import { json, startTestGateway, type TestGateway } from '../helpers/gateway.ts';
import { basicAuth, Browser, createPatientUser, createUser, launch, postForm, problemOf, refresh, REDIRECT_URI, type RegisteredApp } from '../helpers/oauth.ts';

let gw: TestGateway;
let admin: Browser;
let amy: { patientId: string };
let ben: { patientId: string };

beforeAll(async () => {
  gw = await startTestGateway();
  await createUser(gw, { username: 'admin', role: 'admin' });
  amy = await createPatientUser(gw, 'amy');
  ben = await createPatientUser(gw, 'ben');
  admin = await consoleSignIn(gw, 'admin');
});
afterAll(() => gw.close());

const APP_FORM = {
  name: 'Growth charts',
  type: 'public',
  redirect_uris: `${REDIRECT_URI}\nhttps://app.example/cb2`,
  launch_uri: 'https://app.example/launch',
  scope: '',
  jwks: '',
  jwks_uri: '',
  cors_origins: 'https://app.example',
  logo_uri: 'https://app.example/logo.png',
  policy_uri: 'https://app.example/privacy',
  privacy_attestation: 'Reviewed by the practice in March: keeps data in the EU, sells nothing.',
};

/** Registers an app through the console's form; returns its client id and the secret page's secret, if any. */
async function registerInConsole(fields: Record<string, string>): Promise<{ clientId: string; secret?: string }> {
  const before = new Set((await gw.store.clients.list()).map((c) => c.clientId));
  const res = await submitConsoleForm(admin, '/admin/apps/new', '/admin/apps', fields);
  const created = (await gw.store.clients.list()).find((c) => !before.has(c.clientId));
  if (!created) throw new Error(`nothing registered: ${res.status} ${problemOf(await res.text())}`);
  if (res.status === 303) return { clientId: created.clientId };
  const html = await res.text();
  expect(res.status).toBe(200);
  return { clientId: created.clientId, secret: /<p class="secret" id="shown-once">([^<]+)<\/p>/.exec(html)![1]! };
}

const auditActions = async (clientId: string) => (await gw.store.audit.list({ clientId, category: 'admin' }, { limit: 50 })).events.map((e) => e.action);
const fhirStatus = async (token: string, patientId: string) => (await gw.fhir(`/fhir/Patient/${patientId}`, { token })).status;

describe('registering and editing apps', () => {
  it('registers a public app with every setting, lists it, and records who did it', async () => {
    const { clientId, secret } = await registerInConsole(APP_FORM);
    expect(secret).toBeUndefined();
    expect(await gw.store.clients.findById(clientId)).toMatchObject({
      name: 'Growth charts',
      type: 'public',
      grantTypes: ['authorization_code'],
      redirectUris: [REDIRECT_URI, 'https://app.example/cb2'],
      launchUri: 'https://app.example/launch',
      corsOrigins: ['https://app.example'],
      logoUri: 'https://app.example/logo.png',
      policyUri: 'https://app.example/privacy',
      privacyAttestation: APP_FORM.privacy_attestation,
      disabledAt: null,
    });
    const { html } = await consolePageOf(admin, '/admin/apps');
    expect(html).toContain(`href="/admin/apps/${clientId}">Growth charts</a>`);
    const events = (await gw.store.audit.list({ clientId, action: 'client.register' }, { limit: 5 })).events;
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ category: 'admin', outcome: 'success', userId: (await gw.store.users.findByUsername('admin'))!.id });
  });

  it("shows patients the app's logo and the practice's privacy attestation on the consent screen", async () => {
    const { clientId } = await registerInConsole({ ...APP_FORM, name: 'Attested app' });
    let consent = '';
    await launch(gw, { clientId, redirectUri: REDIRECT_URI }, { username: 'amy', onPage: (step, html) => void (step === 'consent' && (consent = html)) });
    expect(consent).toContain('<img class="app-logo" src="https://app.example/logo.png" alt="Attested app logo"');
    expect(consent).toContain('What your practice says about this app');
    expect(consent).toContain(APP_FORM.privacy_attestation);
    const list = await admin.get('/admin/apps');
    expect(list.headers.get('content-security-policy')).toContain("img-src 'self' https://app.example");
    expect(list.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
  });

  it('shows what is wrong with a form, keeps what was typed, and stores nothing', async () => {
    const count = (await gw.store.clients.list()).length;
    const res = await submitConsoleForm(admin, '/admin/apps/new', '/admin/apps', { ...APP_FORM, name: 'Bad redirect app', redirect_uris: 'http://app.example/cb' });
    expect(res.status).toBe(400);
    const html = await res.text();
    expect(problemOf(html)).toBe('redirect-uri: must use https (http is allowed only on localhost)');
    expect(html).toContain('value="Bad redirect app"');
    for (const [field, value, message] of [
      ['cors_origins', 'https://app.example/path', /not an origin/],
      ['logo_uri', 'javascript:alert(1)', /https/],
      ['jwks', '{not json', /JWK Set/],
    ] as const) {
      const bad = await submitConsoleForm(admin, '/admin/apps/new', '/admin/apps', { ...APP_FORM, [field]: value });
      expect(bad.status, field).toBe(400);
      expect(problemOf(await bad.text()), field).toMatch(message);
    }
    expect((await gw.store.clients.list()).length).toBe(count);
  });

  it('shows a confidential app its secret once; the secret authenticates it; rotating replaces it at once', async () => {
    const { clientId, secret } = await registerInConsole({ ...APP_FORM, name: 'Billing', type: 'confidential-symmetric' });
    expect(secret).toMatch(/^[\w-]{43}$/);
    const introspect = (s: string) => postForm(gw, '/auth/introspect', { token: 'nothing' }, { headers: { Authorization: basicAuth(clientId, s) } });
    expect((await introspect(secret!)).status).toBe(200);
    // The edit page never shows it again.
    expect((await consolePageOf(admin, `/admin/apps/${clientId}`)).html).not.toContain(secret);

    const res = await submitConsoleForm(admin, `/admin/apps/${clientId}`, `/admin/apps/${clientId}/rotate-secret`);
    const rotated = /<p class="secret" id="shown-once">([^<]+)<\/p>/.exec(await res.text())![1]!;
    expect(rotated).not.toBe(secret);
    expect((await introspect(secret!)).status).toBe(401);
    expect((await introspect(rotated)).status).toBe(200);
    expect(await auditActions(clientId)).toEqual(['client.rotate-secret', 'client.register']);
  });

  it('registers a backend service with a JWKS URL and no redirect URI', async () => {
    const { clientId } = await registerInConsole({ ...APP_FORM, name: 'Nightly export', type: 'backend', redirect_uris: '', jwks_uri: 'https://app.example/jwks.json', scope: 'system/Observation.rs' });
    expect(await gw.store.clients.findById(clientId)).toMatchObject({ type: 'confidential-asymmetric', grantTypes: ['client_credentials'], jwksUri: 'https://app.example/jwks.json', scope: 'system/Observation.rs' });
  });

  it('edits an app: the form shows the current settings and saves the new ones', async () => {
    const { clientId } = await registerInConsole({ ...APP_FORM, name: 'Old name' });
    const { html } = await consolePageOf(admin, `/admin/apps/${clientId}`);
    expect(html).toContain('value="Old name"');
    expect(html).toContain(APP_FORM.privacy_attestation);
    const res = await submitConsoleForm(admin, `/admin/apps/${clientId}`, `/admin/apps/${clientId}`, { ...APP_FORM, name: 'New name', privacy_attestation: 'Re-reviewed.', scope: 'openid patient/Observation.rs' });
    expect(res.status).toBe(303);
    expect(await gw.store.clients.findById(clientId)).toMatchObject({ name: 'New name', privacyAttestation: 'Re-reviewed.', scope: 'openid patient/Observation.rs', updatedAt: expect.any(Date) });
    expect(await auditActions(clientId)).toEqual(['client.update', 'client.register']);
  });

  it('creates an initial access token that registers exactly one app at /auth/register', async () => {
    const res = await submitConsoleForm(admin, '/admin/apps', '/admin/apps/initial-access-token');
    const token = /<p class="secret" id="shown-once">([^<]+)<\/p>/.exec(await res.text())![1]!;
    const register = () =>
      gw.app.request('/auth/register', {
        method: 'POST',
        headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
        body: JSON.stringify({ client_name: 'Self-registered', redirect_uris: [REDIRECT_URI], token_endpoint_auth_method: 'none' }),
      });
    expect((await register()).status).toBe(201);
    expect((await register()).status).toBe(401);
    expect((await gw.store.audit.list({ action: 'iat.create' }, { limit: 5 })).events).toHaveLength(1);
  });
});

describe('grants and disabling', () => {
  let app: RegisteredApp;
  let amyTokens: Record<string, any>;
  let benTokens: Record<string, any>;

  beforeAll(async () => {
    const { clientId } = await registerInConsole({ ...APP_FORM, name: 'Step counter' });
    app = { clientId, redirectUri: REDIRECT_URI };
    amyTokens = await launch(gw, app, { username: 'amy' });
    benTokens = await launch(gw, app, { username: 'ben' });
    expect(await fhirStatus(amyTokens.access_token, amy.patientId)).toBe(200);
  });

  it('lists the patients who granted the app, what in plain language, since when, until when and when last used', async () => {
    const { html } = await consolePageOf(admin, `/admin/grants/${app.clientId}`);
    expect(html).toContain(`(Patient/${amy.patientId})`);
    expect(html).toContain(`(Patient/${ben.patientId})`);
    expect(html).toContain('Pat amy');
    expect(html).toMatch(/title="patient\/\*\.rs">[^<]+</);
    expect(html).not.toMatch(/title="patient\/\*\.rs">patient\/\*\.rs</);
    expect(html).toContain('Until revoked');
    expect(html).toContain(new Date().toISOString().slice(0, 10));
    // Amy's app read her record above; Ben's has not been used.
    expect(html).toMatch(new RegExp(`Patient/${amy.patientId}\\)[\\s\\S]*?\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d UTC`));
    expect((await consolePageOf(admin, '/admin/apps')).html).toContain(`href="/admin/grants/${app.clientId}">2</a>`);
  });

  it("revokes one patient's grant: their tokens die at once, the other patient's keep working", async () => {
    const res = await submitConsoleForm(admin, `/admin/grants/${app.clientId}`, `/admin/grants/${app.clientId}/revoke`, { patient: amy.patientId });
    expect(res.status).toBe(303);
    expect(await fhirStatus(amyTokens.access_token, amy.patientId)).toBe(401);
    expect((await refresh(gw, app, amyTokens.refresh_token)).status).toBe(400);
    expect(await fhirStatus(benTokens.access_token, ben.patientId)).toBe(200);
    const { html } = await consolePageOf(admin, `/admin/grants/${app.clientId}?revoked=1`);
    expect(html).not.toContain(`(Patient/${amy.patientId})`);
    expect(html).toContain(`(Patient/${ben.patientId})`);
    expect((await consolePageOf(admin, '/admin/apps')).html).toContain(`href="/admin/grants/${app.clientId}">1</a>`);
    const [event] = (await gw.store.audit.list({ clientId: app.clientId, action: 'grant.revoke' }, { limit: 5 })).events;
    expect(event).toMatchObject({ category: 'admin', patientId: amy.patientId, outcome: 'success' });
  });

  it('disables the app: every token it holds is refused on its next request, and enabling brings them back', async () => {
    amyTokens = await launch(gw, app, { username: 'amy' });
    const res = await submitConsoleForm(admin, `/admin/apps/${app.clientId}`, `/admin/apps/${app.clientId}/disable`);
    expect(res.status).toBe(303);
    expect(await fhirStatus(amyTokens.access_token, amy.patientId)).toBe(401);
    expect(await fhirStatus(benTokens.access_token, ben.patientId)).toBe(401);
    const refused = await refresh(gw, app, benTokens.refresh_token);
    expect(refused.status).toBe(401);
    expect((await json(refused)).error).toBe('invalid_client');
    expect((await consolePageOf(admin, '/admin/apps')).html).toContain('Disabled');
    // A disabled app cannot start a sign-in either.
    expect((await gw.app.request(`/auth/authorize?client_id=${app.clientId}&response_type=code&redirect_uri=${encodeURIComponent(REDIRECT_URI)}`)).status).toBe(400);

    await submitConsoleForm(admin, `/admin/apps/${app.clientId}`, `/admin/apps/${app.clientId}/enable`);
    expect(await fhirStatus(benTokens.access_token, ben.patientId)).toBe(200);
    expect((await auditActions(app.clientId)).slice(0, 3)).toEqual(['client.enable', 'client.disable', 'grant.revoke']);
  });
});

import { createHash, randomBytes } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium, screenshot } from '../helpers/browser.ts';
import { create } from '../helpers/fhir.ts';
import type { TestGateway } from '../helpers/gateway.ts';
import { createPatientUser, createPractitioner, createUser, launch, PASSWORD, serveGateway } from '../helpers/oauth.ts';

/**
 * A minimal SMART app on its own loopback port: EHR launch at /launch (to the gateway's /authorize
 * with PKCE), code exchange at /cb, and a page showing the patient its token response carried.
 */
async function startSmartApp() {
  const state = { clientId: '', verifier: '', tokenResponse: undefined as Record<string, any> | undefined };
  const server = http.createServer(async (req, res) => {
    const url = new URL(req.url!, base);
    if (url.pathname === '/launch') {
      state.verifier = randomBytes(32).toString('base64url');
      const iss = url.searchParams.get('iss')!;
      const authorize = new URL(`${new URL(iss).origin}/auth/authorize`);
      for (const [name, value] of Object.entries({
        response_type: 'code',
        client_id: state.clientId,
        redirect_uri: `${base}/cb`,
        scope: 'launch openid fhirUser patient/*.rs',
        state: 'e2e-state',
        aud: iss,
        launch: url.searchParams.get('launch')!,
        code_challenge: createHash('sha256').update(state.verifier).digest('base64url'),
        code_challenge_method: 'S256',
      })) authorize.searchParams.set(name, value);
      res.writeHead(302, { Location: authorize.toString() }).end();
      return;
    }
    if (url.pathname === '/cb') {
      const token = await fetch(`${gatewayBase}/auth/token`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ grant_type: 'authorization_code', code: url.searchParams.get('code') ?? '', redirect_uri: `${base}/cb`, code_verifier: state.verifier, client_id: state.clientId }),
      });
      state.tokenResponse = (await token.json()) as Record<string, any>;
      res.writeHead(200, { 'Content-Type': 'text/html' }).end(`<!doctype html><title>Growth charts</title><h1>Growth charts</h1><p id="patient">${state.tokenResponse.patient ?? 'none'}</p>`);
      return;
    }
    res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { base, state, close: () => new Promise((resolve) => server.close(resolve)) };
}

let gw: TestGateway;
let gatewayBase: string;
let closeGateway: () => Promise<void>;
let chromium: Browser;
let smartApp: Awaited<ReturnType<typeof startSmartApp>>;
let amy: string;
let ben: string;

beforeAll(async () => {
  ({ gw, base: gatewayBase, close: closeGateway } = await serveGateway());
  smartApp = await startSmartApp();
  chromium = await launchChromium();
  await createUser(gw, { username: 'admin', role: 'admin' });
  await createUser(gw, { username: 'dr.chen', role: 'practitioner', fhirUser: `Practitioner/${await createPractitioner(gw, 'Chen')}` });
  amy = (await createPatientUser(gw, 'amy')).patientId;
  ben = (await createPatientUser(gw, 'ben')).patientId;
  await create(gw, { resourceType: 'Patient', name: [{ family: 'Rivera', given: ['Zoe'] }], birthDate: '1990-04-05' });
});
afterAll(async () => {
  await chromium?.close();
  await smartApp?.close();
  await closeGateway?.();
});

async function signIn(username: string): Promise<Page> {
  const page = await (await chromium.newContext()).newPage();
  await page.goto(`${gatewayBase}/admin/`);
  expect(new URL(page.url()).pathname).toBe('/admin/sign-in');
  await page.getByLabel('Username').fill(username);
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL(/\/admin\/(apps|launch)$/);
  return page;
}

const fhirStatus = async (token: string, patientId: string) => (await fetch(`${gatewayBase}/fhir/Patient/${patientId}`, { headers: { Authorization: `Bearer ${token}` } })).status;

// A browser per step is slow on a shared machine: generous timeouts, no timings asserted.
describe('the admin console in Chromium', { timeout: 90_000 }, () => {
  let admin: Page;
  let clientId: string;
  let amyTokens: Record<string, any>;
  let benTokens: Record<string, any>;

  it('an admin signs in and registers an app', async () => {
    const page = await (await chromium.newContext()).newPage();
    await page.goto(`${gatewayBase}/admin/sign-in`);
    await screenshot(page, 'console-sign-in');
    await page.close();

    admin = await signIn('admin');
    await screenshot(admin, 'console-apps-empty');
    await admin.getByRole('link', { name: 'Register an app' }).click();
    await admin.getByLabel('Name').fill('Growth charts');
    await admin.getByLabel('Type').selectOption('public');
    await admin.getByLabel('Redirect URIs').fill(`${smartApp.base}/cb`);
    await admin.getByLabel('Launch URI').fill(`${smartApp.base}/launch`);
    await admin.getByLabel('Privacy attestation').fill('Reviewed by the practice: data stays in the practice, nothing is sold.');
    await screenshot(admin, 'console-app-register');
    await admin.getByRole('button', { name: 'Register' }).click();
    await expect.poll(() => admin.getByRole('status').textContent()).toBe('Changes saved.');
    clientId = (await gw.store.clients.list()).find((c) => c.name === 'Growth charts')!.clientId;
    smartApp.state.clientId = clientId;
    expect(new URL(admin.url()).pathname).toBe(`/admin/apps/${clientId}`);
    await screenshot(admin, 'console-app-edit');
    await admin.getByRole('link', { name: 'All apps' }).click();
    expect(await admin.getByRole('link', { name: 'Growth charts' }).count()).toBe(1);
  });

  it("the admin revokes one patient's grant: that patient's token dies, the other's lives", async () => {
    const app = { clientId, redirectUri: `${smartApp.base}/cb` };
    amyTokens = await launch(gw, app, { username: 'amy' });
    benTokens = await launch(gw, app, { username: 'ben' });
    expect(await fhirStatus(amyTokens.access_token, amy)).toBe(200);
    await admin.goto(`${gatewayBase}/admin/apps`);
    await admin.getByRole('link', { name: '2', exact: true }).click();
    await screenshot(admin, 'console-grants');
    await admin.getByRole('button', { name: 'Revoke Pat amy' }).click();
    await expect.poll(() => admin.getByRole('status').textContent()).toMatch(/^Revoked 1 grant/);
    expect(await fhirStatus(amyTokens.access_token, amy)).toBe(401);
    expect(await fhirStatus(benTokens.access_token, ben)).toBe(200);
    expect(await admin.getByRole('button', { name: 'Revoke Pat ben' }).count()).toBe(1);
  });

  it('the admin reads the audit log filtered to one patient', async () => {
    await admin.getByRole('link', { name: 'Audit log' }).click();
    await admin.getByLabel('Patient id').fill(ben);
    await admin.getByRole('button', { name: 'Filter' }).click();
    await admin.waitForURL(/patient=/);
    await screenshot(admin, 'console-audit');
    const patients = await admin.locator('tbody tr td:nth-child(6)').allTextContents();
    expect(patients.length).toBeGreaterThan(0);
    expect(new Set(patients)).toEqual(new Set([`Patient/${ben}`]));
  });

  it('a practitioner launches the app for a patient, and the app receives that patient in its token response', async () => {
    const doctor = await signIn('dr.chen');
    expect(new URL(doctor.url()).pathname).toBe('/admin/launch');
    await doctor.getByLabel('Name').fill('Rivera');
    await doctor.getByRole('button', { name: 'Search' }).click();
    await screenshot(doctor, 'console-patients');
    await doctor.getByRole('button', { name: 'Launch Growth charts for Zoe Rivera' }).click();
    // The console's session carries into the app's sign-in: the next page is consent.
    await doctor.getByRole('button', { name: 'Allow' }).waitFor();
    expect(await doctor.content()).toContain('Reviewed by the practice: data stays in the practice, nothing is sold.');
    await screenshot(doctor, 'consent-from-launch');
    await doctor.getByRole('button', { name: 'Allow' }).click();
    await doctor.waitForURL(`${smartApp.base}/cb?**`);
    const zoe = (await gw.store.audit.list({ action: 'launch' }, { limit: 1 })).events[0]!.patientId!;
    expect(await doctor.locator('#patient').textContent()).toBe(zoe);
    expect(smartApp.state.tokenResponse).toMatchObject({ patient: zoe, token_type: 'Bearer' });
    expect(await fhirStatus(smartApp.state.tokenResponse!.access_token, zoe)).toBe(200);
  });

  it("the admin disables the app: all of its tokens die", async () => {
    await admin.goto(`${gatewayBase}/admin/apps/${clientId}`);
    await admin.getByRole('button', { name: 'Disable the app' }).click();
    await expect.poll(() => admin.getByRole('status').textContent()).toMatch(/disabled/);
    await screenshot(admin, 'console-app-disabled');
    expect(await fhirStatus(benTokens.access_token, ben)).toBe(401);
    expect(await fhirStatus(smartApp.state.tokenResponse!.access_token, smartApp.state.tokenResponse!.patient)).toBe(401);
  });

  it('refuses to be framed', async () => {
    const page = await (await chromium.newContext()).newPage();
    await page.setContent(`<iframe src="${gatewayBase}/admin/sign-in"></iframe>`);
    const frame = page.frames()[1];
    // Chromium blocks the framed document: the frame never gets the sign-in form.
    await page.waitForLoadState('load');
    expect(await frame?.locator('form').count().catch(() => 0)).toBe(0);
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { consolePageOf, consoleSignIn, submitConsoleForm } from '../helpers/console.ts';
import { create } from '../helpers/fhir.ts';
import { startTestGateway, type TestGateway } from '../helpers/gateway.ts';
import { authorizeCode, Browser, createPractitioner, createUser, exchangeCode, problemOf, registerApp, type RegisteredApp } from '../helpers/oauth.ts';
import { json } from '../helpers/gateway.ts';

let gw: TestGateway;
let app: RegisteredApp;
let doctor: Browser;
let zoe: string;
let zack: string;
let visit: string;

beforeAll(async () => {
  gw = await startTestGateway();
  app = await registerApp(gw, { name: 'Growth charts', launchUri: 'https://charts.example/launch', scope: 'launch openid fhirUser online_access patient/*.rs' });
  await registerApp(gw, { name: 'No launch URI' });
  zoe = (await create(gw, { resourceType: 'Patient', name: [{ family: 'Quill', given: ['Zoe'] }], birthDate: '1980-02-03' })).id;
  zack = (await create(gw, { resourceType: 'Patient', name: [{ family: 'Quimby', given: ['Zack'] }], birthDate: '1975-07-08' })).id;
  visit = (await create(gw, { resourceType: 'Encounter', status: 'finished', class: { code: 'AMB', display: 'ambulatory' }, subject: { reference: `Patient/${zoe}` }, period: { start: '2026-01-10T09:00:00Z' } })).id;
  await createUser(gw, { username: 'dr.welby', role: 'practitioner', fhirUser: `Practitioner/${await createPractitioner(gw)}` });
  doctor = await consoleSignIn(gw, 'dr.welby');
});
afterAll(() => gw.close());

describe('the practitioner view', () => {
  it('finds patients by name or by birth date, with a Launch button per app that has a launch URI', async () => {
    const byName = (await consolePageOf(doctor, '/admin/launch?name=quil')).html;
    expect(byName).toContain('Zoe Quill');
    expect(byName).not.toContain('Zack Quimby');
    expect(byName).toContain('Launch Growth charts');
    expect(byName).not.toContain('Launch No launch URI');
    const byBirthDate = (await consolePageOf(doctor, '/admin/launch?birthdate=1975-07-08')).html;
    expect(byBirthDate).toContain('Zack Quimby');
    expect(byBirthDate).not.toContain('Zoe Quill');
    const bad = await doctor.get('/admin/launch?birthdate=July');
    expect(bad.status).toBe(400);
    expect(problemOf(await bad.text())).toMatch(/YYYY-MM-DD/);
  });

  it('lets the Launch form leave for the app: form-action allows the launch URI origin, framing is still refused', async () => {
    const res = await doctor.get('/admin/launch');
    expect(res.headers.get('content-security-policy')).toBe(
      "default-src 'self'; frame-ancestors 'none'; object-src 'none'; base-uri 'none'; form-action 'self' https://charts.example",
    );
  });

  it('launches an app for a patient and an encounter: the app gets iss and launch, and its token response carries that patient', async () => {
    const res = await submitConsoleForm(doctor, `/admin/launch?name=Quill`, '/admin/launch', { client: app.clientId, encounter: visit });
    expect(res.status).toBe(303);
    const target = new URL(res.headers.get('location')!);
    expect(`${target.origin}${target.pathname}`).toBe('https://charts.example/launch');
    expect(target.searchParams.get('iss')).toBe(gw.config.fhirBaseUrl);
    const launch = target.searchParams.get('launch')!;
    expect(launch).toMatch(/^[\w-]{43}$/);

    // The app's authorization request, in the same browser: the console's session carries over, so only consent is shown.
    const pages: string[] = [];
    const { code, verifier } = await authorizeCode(gw, app, {
      username: 'dr.welby',
      browser: doctor,
      launch,
      scope: 'launch openid fhirUser patient/*.rs',
      onPage: (step) => void pages.push(step),
    });
    expect(pages).toEqual(['consent']);
    const tokens = await json(await exchangeCode(gw, app, code, verifier));
    expect(tokens.patient).toBe(zoe);
    expect(tokens.encounter).toBe(visit);
    expect((await gw.fhir(`/fhir/Patient/${zoe}`, { token: tokens.access_token })).status).toBe(200);
    expect((await gw.fhir(`/fhir/Patient/${zack}`, { token: tokens.access_token })).status).toBe(404);

    const [event] = (await gw.store.audit.list({ action: 'launch' }, { limit: 5 })).events;
    expect(event).toMatchObject({ category: 'admin', clientId: app.clientId, patientId: zoe, resourceType: 'Encounter', resourceId: visit, userId: (await gw.store.users.findByUsername('dr.welby'))!.id });
  });

  it('binds the launch to the practitioner: another user signing in for it is refused', async () => {
    const res = await submitConsoleForm(doctor, `/admin/launch?name=Quimby`, '/admin/launch', { client: app.clientId });
    const launch = new URL(res.headers.get('location')!).searchParams.get('launch')!;
    await createUser(gw, { username: 'dr.other', role: 'practitioner', fhirUser: `Practitioner/${await createPractitioner(gw, 'Other')}` });
    await expect(authorizeCode(gw, app, { username: 'dr.other', launch, scope: 'launch openid patient/*.rs' })).rejects.toThrow(/another user/);
  });

  it('refuses a launch for a patient that does not exist or an app without a launch URI, and creates nothing', async () => {
    const missing = await submitConsoleForm(doctor, '/admin/launch', '/admin/launch', { client: app.clientId, patient: 'no-such-patient' });
    expect(missing.status).toBe(400);
    expect(problemOf(await missing.text())).toMatch(/does not exist/);
    const other = (await gw.store.clients.list()).find((c) => c.name === 'No launch URI')!;
    const noUri = await submitConsoleForm(doctor, '/admin/launch', '/admin/launch', { client: other.clientId });
    expect(noUri.status).toBe(400);
    expect(problemOf(await noUri.text())).toMatch(/no launch URI/);
  });
});

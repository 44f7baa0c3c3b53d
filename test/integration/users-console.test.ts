import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { consolePageOf, consoleSignIn, csrfOf, submitConsoleForm } from '../helpers/console.ts';
import { json, startTestGateway, type TestGateway } from '../helpers/gateway.ts';
import { Browser, createPatientUser, createPractitioner, createUser, formFor, launch, problemOf, refresh, registerApp } from '../helpers/oauth.ts';

let gw: TestGateway;
let practitionerRef: string;

beforeAll(async () => {
  gw = await startTestGateway({ PUBLIC_URL: 'http://localhost' });
  await createUser(gw, { username: 'admin', role: 'admin' });
  practitionerRef = `Practitioner/${await createPractitioner(gw)}`;
  await createUser(gw, { username: 'dr.welby', role: 'practitioner', fhirUser: practitionerRef });
  await createPatientUser(gw, 'amy');
});
afterAll(() => gw.close());

describe('who may use the users and outbox pages', () => {
  const pages = ['/admin/users', '/admin/outbox', '/admin/outbox/some-id'];
  const forms = ['/admin/users/invite', '/admin/users/x/disable', '/admin/users/x/enable', '/admin/users/x/reset-mfa'];

  it('sends anonymous browsers to the sign-in', async () => {
    for (const path of [...pages, ...forms]) {
      const res = await gw.app.request(path, forms.includes(path) ? { method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, body: 'csrf=x' } : {});
      expect(res.status, path).toBe(303);
      expect(res.headers.get('location'), path).toMatch(/^\/admin\/sign-in/);
    }
  });

  it.each(['amy', 'dr.welby'])('refuses %s (not an admin) every page and form', async (username) => {
    const browser = await consoleSignIn(gw, username);
    for (const path of pages) expect((await browser.get(path)).status, path).toBe(403);
    const csrf = csrfOf(await (await browser.get('/admin/users')).text());
    const amy = (await gw.store.users.findByUsername('amy'))!;
    for (const path of [...forms, `/admin/users/${amy.id}/disable`]) {
      expect((await browser.post(path, { csrf, email: 'x@example.org', role: 'admin' })).status, path).toBe(403);
    }
    expect((await gw.store.users.findByUsername('amy'))!.disabledAt).toBeNull();
    expect(await gw.store.invitations.list(5)).toEqual([]);
  });

  it('refuses an admin form without the session token', async () => {
    const browser = await consoleSignIn(gw, 'admin');
    const res = await browser.post('/admin/users/invite', { csrf: 'forged', email: 'x@example.org', role: 'admin' });
    expect(res.status).toBe(403);
    expect(await gw.store.invitations.list(5)).toEqual([]);
  });
});

describe('admin', () => {
  it('lists users with role, status and MFA', async () => {
    const browser = await consoleSignIn(gw, 'admin');
    const { html } = await consolePageOf(browser, '/admin/users');
    for (const text of ['dr.welby', 'Practitioner', practitionerRef, 'amy', 'Active', 'Off']) expect(html).toContain(text);
    expect(html).not.toContain('password');
  });

  it('invites a practitioner: the link is shown and the message is in the outbox', async () => {
    const browser = await consoleSignIn(gw, 'admin');
    const res = await submitConsoleForm(browser, '/admin/users', '/admin/users/invite', { email: 'new.doc@clinic.example', role: 'practitioner', 'fhir-user': practitionerRef });
    expect(res.status).toBe(200);
    const html = await res.text();
    const link = /(http:\/\/localhost\/account\/invite\/[\w-]{43})/.exec(html)?.[1];
    expect(link).toBeTruthy();

    const outbox = await consolePageOf(browser, '/admin/outbox');
    expect(outbox.html).toContain('new.doc@clinic.example');
    const messagePath = /href="(\/admin\/outbox\/[0-9a-f-]{36})"/.exec(outbox.html)![1]!;
    expect((await consolePageOf(browser, messagePath)).html).toContain(link!);
    const audit = await gw.store.audit.list({ action: 'user.invite' }, { limit: 5 });
    expect(audit.events[0]).toMatchObject({ userId: (await gw.store.users.findByUsername('admin'))!.id, outcome: 'success' });

    const bad = await submitConsoleForm(browser, '/admin/users', '/admin/users/invite', { email: 'nope', role: 'practitioner', 'fhir-user': practitionerRef });
    expect(bad.status).toBe(400);
    expect(await bad.text()).toContain('Not invited — email: must be an email address');
    const unknown = await submitConsoleForm(browser, '/admin/users', '/admin/users/invite', { email: 'other.doc@clinic.example', role: 'practitioner', 'fhir-user': 'Practitioner/no-such-one' });
    expect(unknown.status).toBe(400);
    expect(await unknown.text()).toContain('Not invited — fhir-user: Practitioner/no-such-one does not exist');
  });

  it('disables a user: their tokens are refused at /fhir, refresh fails, sign-in fails; enabling lets them sign in again', async () => {
    const { user, patientId } = await createPatientUser(gw, 'victor');
    const app = await registerApp(gw, { scope: 'launch/patient openid fhirUser offline_access patient/*.rs' });
    const tokens = await launch(gw, app, { username: 'victor', duration: 'forever' });
    expect((await gw.fhir(`/fhir/Patient/${patientId}`, { token: tokens.access_token })).status).toBe(200);

    const browser = await consoleSignIn(gw, 'admin');
    const res = await submitConsoleForm(browser, '/admin/users', `/admin/users/${user.id}/disable`);
    expect(res.status).toBe(303);
    expect((await consolePageOf(browser, res.headers.get('location')!)).html).toContain('User disabled');

    expect((await gw.fhir(`/fhir/Patient/${patientId}`, { token: tokens.access_token })).status).toBe(401);
    const refreshed = await refresh(gw, app, tokens.refresh_token);
    expect(refreshed.status).toBe(400);
    expect((await json(refreshed)).error).toBe('invalid_grant');
    await expect(launch(gw, app, { username: 'victor' })).rejects.toThrow(/do not match/);
    const audit = await gw.store.audit.list({ action: 'user.disable' }, { limit: 5 });
    expect(audit.events[0]!.detail).toContain(user.id);
    // The row's agent is the admin who acted, not the patient whose account was disabled.
    expect(audit.events[0]).toMatchObject({ userId: (await gw.store.users.findByUsername('admin'))!.id, fhirUser: null });

    expect((await submitConsoleForm(browser, '/admin/users', `/admin/users/${user.id}/enable`)).status).toBe(303);
    const again = await launch(gw, app, { username: 'victor' });
    expect((await gw.fhir(`/fhir/Patient/${patientId}`, { token: again.access_token })).status).toBe(200);
    expect((await gw.fhir(`/fhir/Patient/${patientId}`, { token: tokens.access_token })).status).toBe(401);
  });

  it('disabling ends the user\'s console session', async () => {
    const doctor = await createUser(gw, { username: 'dr.gone', role: 'practitioner', fhirUser: practitionerRef });
    const theirs = await consoleSignIn(gw, 'dr.gone');
    expect((await theirs.get('/admin/launch')).status).toBe(200);
    const admin = await consoleSignIn(gw, 'admin');
    await submitConsoleForm(admin, '/admin/users', `/admin/users/${doctor.id}/disable`);
    expect((await theirs.get('/admin/launch')).status).toBe(303);
    // Ended, not merely refused while disabled: enabling the user does not bring the session back.
    await submitConsoleForm(admin, '/admin/users', `/admin/users/${doctor.id}/enable`);
    expect((await theirs.get('/admin/launch')).status).toBe(303);
  });

  it('resets MFA: secret and recovery codes gone, a notice mailed; refuses acting on oneself', async () => {
    const doctor = await createUser(gw, { username: 'dr.reset', role: 'practitioner', fhirUser: practitionerRef });
    await gw.store.users.update(doctor.id, { totpSecret: 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP', recoveryCodes: ['ab'], email: 'dr.reset@clinic.example' });
    const browser = await consoleSignIn(gw, 'admin');
    expect((await consolePageOf(browser, '/admin/users')).html).toContain('On (1 recovery codes left)');
    const res = await submitConsoleForm(browser, '/admin/users', `/admin/users/${doctor.id}/reset-mfa`);
    expect(res.status).toBe(303);
    expect(await gw.store.users.findById(doctor.id)).toMatchObject({ totpSecret: null, recoveryCodes: [] });
    expect((await gw.store.outbox.list(1))[0]).toMatchObject({ to: 'dr.reset@clinic.example', subject: 'Two-step verification was reset on your Portico account' });
    expect((await gw.store.audit.list({ action: 'user.reset-mfa' }, { limit: 1 })).events).toHaveLength(1);

    const self = (await gw.store.users.findByUsername('admin'))!;
    const { csrf } = await consolePageOf(browser, '/admin/users');
    expect((await browser.post(`/admin/users/${self.id}/disable`, { csrf })).status).toBe(400);
    expect((await gw.store.users.findById(self.id))!.disabledAt).toBeNull();
    expect((await browser.post('/admin/users/no-such-user/disable', { csrf })).status).toBe(404);
  });
});

describe('self-registration', () => {
  it('is a 404 when SELF_REGISTRATION is off', async () => {
    expect((await new Browser(gw).get('/account/register')).status).toBe(404);
    expect((await new Browser(gw).post('/account/register', { csrf: 'x' })).status).toBe(404);
  });

  it('creates a Patient and a patient user linked to it when on; the new patient signs in to their own record', async () => {
    const open = await startTestGateway({ SELF_REGISTRATION: 'true' });
    try {
      const browser = new Browser(open);
      const page = await browser.get('/account/register');
      expect(page.status).toBe(200);
      const form = formFor(await page.text(), 'register');
      const fill = (fields: Record<string, string>) => {
        const body = new URLSearchParams(form.fields);
        for (const [k, v] of Object.entries(fields)) body.set(k, v);
        return browser.post(form.action, body);
      };
      const details = { 'given-name': 'Rosa', 'family-name': 'Marquez', 'birth-date': '1984-03-09', email: 'rosa@example.org', username: 'rosa.m' };
      const weak = await fill({ ...details, password: 'qwerty123456' });
      expect(weak.status).toBe(400);
      expect(problemOf(await weak.text())).toBe('Password is a commonly used password; choose another.');
      const future = await fill({ ...details, 'birth-date': '2999-01-01', password: 'lantern orbit pickle' });
      expect(problemOf(await future.text())).toBe('Date of birth must be a date in the past, as YYYY-MM-DD.');
      expect((await json(await open.fhir('/fhir/Patient'))).total ?? 0).toBe(0);

      const done = await fill({ ...details, password: 'lantern orbit pickle' });
      expect(done.status).toBe(201);
      const user = (await open.store.users.findByUsername('rosa.m'))!;
      expect(user).toMatchObject({ role: 'patient', email: 'rosa@example.org', fhirUser: expect.stringMatching(/^Patient\//) });
      const patient = await json(await open.fhir(`/fhir/${user.fhirUser}`));
      expect(patient).toMatchObject({ resourceType: 'Patient', birthDate: '1984-03-09', name: [{ family: 'Marquez', given: ['Rosa'] }] });

      const app = await registerApp(open);
      const tokens = await launch(open, app, { username: 'rosa.m', password: 'lantern orbit pickle' });
      expect(`Patient/${tokens.patient}`).toBe(user.fhirUser);
      const taken = await fill({ ...details, password: 'lantern orbit pickle' });
      expect(problemOf(await taken.text())).toBe('Username is taken; choose another.');
    } finally {
      await open.close();
    }
  });
});

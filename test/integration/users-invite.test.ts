import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import * as OTPAuth from 'otpauth';
import { afterEach, describe, expect, it } from 'vitest';
import { inviteUser } from '../../gateway/src/users/invitations.ts';
import { createMailer } from '../../gateway/src/users/outbox.ts';
import { startTestGateway, type TestGateway } from '../helpers/gateway.ts';
import { authorizeUrl, Browser, codeFrom, createPractitioner, formFor, pkce, problemOf, registerApp, signInAndConsent, TestClock } from '../helpers/oauth.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const PASSWORD = 'lantern orbit pickle';
const totp = (secret: string, at: Date) => new OTPAuth.TOTP({ secret: OTPAuth.Secret.fromBase32(secret), digits: 6, period: 30 }).generate({ timestamp: at.getTime() });

let gw: TestGateway | undefined;
const cleanups: (() => void)[] = [];
afterEach(async () => {
  await gw?.close();
  gw = undefined;
  for (const clean of cleanups.splice(0)) clean();
});

/** Invites through the domain function, as the console does; returns the link's path. */
async function invite(g: TestGateway, input: Parameters<typeof inviteUser>[1]): Promise<string> {
  const { invitationUrl } = await inviteUser(
    { store: g.store, mailer: createMailer({ outbox: g.store.outbox, now: g.now }), publicUrl: g.config.publicUrl, now: g.now, fhirUserExists: async (r) => g.resources.isLive(r) },
    input,
  );
  return new URL(invitationUrl).pathname;
}

/** Opens the invitation page and submits its form with `fields` (the CSRF token from the page). */
async function accept(browser: Browser, link: string, fields: Record<string, string>): Promise<Response> {
  const page = await browser.get(link);
  expect(page.status).toBe(200);
  const form = formFor(await page.text(), link.slice(link.lastIndexOf('/') + 1));
  for (const [name, value] of Object.entries(fields)) form.fields.set(name, value);
  return browser.post(form.action, form.fields);
}

describe('CLI user invite', () => {
  it('prints {"invitationUrl"}; the invitee sets a password on that page and signs in with it', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'portico-invite-'));
    cleanups.push(() => fs.rmSync(dir, { recursive: true, force: true }));
    const env = { ...process.env, DATABASE_URL: `file:${path.join(dir, 'portico.db')}`, SEED: 'none', PUBLIC_URL: 'https://clinic.example' };
    const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', 'gateway/src/cli/main.ts', 'user', 'invite', '--email', 'ops@clinic.example', '--role', 'admin'], { cwd: ROOT, env });
    const printed = JSON.parse(stdout);
    expect(Object.keys(printed)).toEqual(['invitationUrl']);
    expect(printed.invitationUrl).toMatch(/^https:\/\/clinic\.example\/account\/invite\/[\w-]{43}$/);

    gw = await startTestGateway({ DATABASE_URL: env.DATABASE_URL, PUBLIC_URL: 'https://clinic.example', REQUIRE_STAFF_MFA: 'false' });
    const [mail] = await gw.store.outbox.list(5);
    expect(mail).toMatchObject({ to: 'ops@clinic.example', sentAt: null });
    expect(mail!.body).toContain(printed.invitationUrl);

    const browser = new Browser(gw);
    const link = new URL(printed.invitationUrl).pathname;
    const page = await (await browser.get(link)).text();
    expect(page).toContain('ops@clinic.example');
    expect(page).toContain('At least 12 characters');
    const done = await accept(browser, link, { username: 'ops', password: PASSWORD });
    expect(done.status).toBe(200);
    expect(await done.text()).toContain('Your account is ready');

    const app = await registerApp(gw, { scope: 'openid fhirUser user/Patient.rs' });
    const url = authorizeUrl(gw, { client_id: app.clientId, code_challenge: pkce().challenge, scope: 'openid fhirUser user/Patient.rs' });
    codeFrom(gw, await signInAndConsent(gw, url, { username: 'ops', password: PASSWORD }));
  });

  it('refuses bad input with one error line', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'portico-invite-'));
    cleanups.push(() => fs.rmSync(dir, { recursive: true, force: true }));
    const env = { ...process.env, DATABASE_URL: `file:${path.join(dir, 'portico.db')}`, SEED: 'none' };
    const failed = await promisify(execFile)(process.execPath, ['--import', 'tsx', 'gateway/src/cli/main.ts', 'user', 'invite', '--email', 'x@clinic.example', '--role', 'practitioner'], { cwd: ROOT, env }).catch((e) => e);
    expect(failed.code).toBe(2);
    expect(failed.stdout).toBe('');
    expect(failed.stderr).toMatch(/^error: fhir-user: a practitioner must be linked to a Practitioner\/ID/m);
  });
});

describe('accepting an invitation', () => {
  it('checks the CSRF token and the password rule, then works once', async () => {
    gw = await startTestGateway();
    const link = await invite(gw, { email: 'nurse.joy@clinic.example', role: 'practitioner', fhirUser: `Practitioner/${await createPractitioner(gw)}` });
    const browser = new Browser(gw);

    const page = await browser.get(link);
    expect(page.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
    expect(page.headers.get('cache-control')).toBe('no-store');
    const form = formFor(await page.text(), link.slice(link.lastIndexOf('/') + 1));
    expect(form.fields.get('username')).toBe('nurse.joy@clinic.example');

    const forged = await new Browser(gw).post(link, { csrf: form.fields.get('csrf')!, username: 'joy', password: PASSWORD });
    expect(forged.status).toBe(403);
    const crossSite = await browser.post(link, { csrf: form.fields.get('csrf')!, username: 'joy', password: PASSWORD }, { 'Sec-Fetch-Site': 'cross-site' });
    expect(crossSite.status).toBe(403);

    const weak = await accept(browser, link, { username: 'joy', password: 'password1234' });
    expect(weak.status).toBe(400);
    expect(problemOf(await weak.text())).toBe('Password is a commonly used password; choose another.');
    const mine = await accept(browser, link, { username: 'joy', password: 'nurse.joy rocks the ward' });
    expect(problemOf(await mine.text())).toBe('Password must not contain your username or email address.');
    expect(await gw.store.users.findByUsername('joy')).toBeUndefined();

    expect((await accept(browser, link, { username: 'joy', password: PASSWORD })).status).toBe(200);
    expect(await gw.store.users.findByUsername('joy')).toMatchObject({ role: 'practitioner', email: 'nurse.joy@clinic.example' });
    const again = await new Browser(gw).get(link);
    expect(again.status).toBe(410);
    expect(await again.text()).toContain('already been accepted');
    expect((await new Browser(gw).get('/account/invite/not-a-real-token-at-all-0000000')).status).toBe(404);
  });

  it('with REQUIRE_STAFF_MFA, takes the new practitioner straight to MFA set-up; the next sign-in asks for a code', async () => {
    const clock = new TestClock();
    gw = await startTestGateway({ REQUIRE_STAFF_MFA: 'true' }, clock.now);
    const link = await invite(gw, { email: 'dr.lin@clinic.example', role: 'practitioner', fhirUser: `Practitioner/${await createPractitioner(gw)}` });
    const browser = new Browser(gw);
    const done = await accept(browser, link, { username: 'dr.lin', password: PASSWORD });
    expect(done.status).toBe(303);
    expect(done.headers.get('location')).toBe('/account/mfa');

    const enrolPage = await (await browser.get('/account/mfa')).text();
    const secret = /data-secret="([A-Z2-7]+)"/.exec(enrolPage)![1]!;
    expect(enrolPage).toContain('<svg');
    // Another browser holds no ticket: it is asked for the password instead.
    expect(formFor(await (await new Browser(gw).get('/account/mfa')).text(), 'sign-in').action).toBe('/account/mfa/sign-in');

    const form = formFor(enrolPage, 'mfa');
    form.fields.set('otp', totp(secret, clock.now()));
    const codes = await browser.post(form.action, form.fields);
    expect(codes.status).toBe(200);
    expect([...(await codes.text()).matchAll(/<code>([a-z2-9]{5}-[a-z2-9]{5})<\/code>/g)]).toHaveLength(10);
    const [notice] = await gw.store.outbox.list(1);
    expect(notice!.subject).toBe('Two-step verification is on for your Portico account');

    clock.advance(30);
    const app = await registerApp(gw, { scope: 'openid fhirUser user/Patient.rs' });
    const url = authorizeUrl(gw, { client_id: app.clientId, code_challenge: pkce().challenge, scope: 'openid fhirUser user/Patient.rs' });
    codeFrom(gw, await signInAndConsent(gw, url, { username: 'dr.lin', password: PASSWORD, otp: () => totp(secret, clock.now()) }));
  });

  it('lets a user without MFA prove the password at /account/mfa and set it up there', async () => {
    const clock = new TestClock();
    gw = await startTestGateway({}, clock.now);
    const link = await invite(gw, { email: 'front@clinic.example', role: 'admin' });
    await accept(new Browser(gw), link, { username: 'front', password: PASSWORD });
    const browser = new Browser(gw);
    const signIn = formFor(await (await browser.get('/account/mfa')).text(), 'sign-in');
    const wrong = await browser.post(signIn.action, { csrf: signIn.fields.get('csrf')!, username: 'front', password: 'not the password' });
    expect(wrong.status).toBe(400);
    const right = await browser.post(signIn.action, { csrf: signIn.fields.get('csrf')!, username: 'front', password: PASSWORD });
    expect(right.headers.get('location')).toBe('/account/mfa');
    const page = await (await browser.get('/account/mfa')).text();
    const form = formFor(page, 'mfa');
    form.fields.set('otp', totp(/data-secret="([A-Z2-7]+)"/.exec(page)![1]!, clock.now()));
    expect((await browser.post(form.action, form.fields)).status).toBe(200);
    expect((await gw.store.users.findByUsername('front'))!.totpSecret).toBeTruthy();
  });
});

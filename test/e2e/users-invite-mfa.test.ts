import * as OTPAuth from 'otpauth';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium, screenshot } from '../helpers/browser.ts';
import type { TestGateway } from '../helpers/gateway.ts';
import { createPractitioner, createUser, PASSWORD, serveGateway, TestClock } from '../helpers/oauth.ts';

const INVITEE_PASSWORD = 'lantern orbit pickle';
const ADMIN_SECRET = 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP';

// The gateway reads this clock; codes are computed from it, and moving it on gives the next time step
// without waiting.
const clock = new TestClock();
const totp = (secret: string) => new OTPAuth.TOTP({ secret: OTPAuth.Secret.fromBase32(secret), digits: 6, period: 30 }).generate({ timestamp: clock.now().getTime() });

let gw: TestGateway;
let base: string;
let closeGateway: () => Promise<void>;
let chromium: Browser;
let practitionerRef: string;

beforeAll(async () => {
  ({ gw, base, close: closeGateway } = await serveGateway({ REQUIRE_STAFF_MFA: 'true' }, clock.now));
  const admin = await createUser(gw, { username: 'admin', role: 'admin' });
  await gw.store.users.setTotpSecret(admin.id, ADMIN_SECRET);
  practitionerRef = `Practitioner/${await createPractitioner(gw, 'Okafor')}`;
  chromium = await launchChromium();
});
afterAll(async () => {
  await chromium?.close();
  await closeGateway?.();
});

describe('inviting a practitioner (Chromium)', () => {
  it('admin invites; the invitation is in the outbox; the invitee sets a password, sets up MFA and signs in with a code', async () => {
    // The admin, in the console.
    const adminContext = await chromium.newContext();
    const admin = await adminContext.newPage();
    await admin.goto(`${base}/admin/users`);
    await admin.fill('#username', 'admin');
    await admin.fill('#password', PASSWORD);
    await admin.click('button[type=submit]');
    await admin.fill('#otp', totp(ADMIN_SECRET));
    await admin.click('button[type=submit]');
    await admin.waitForURL(`${base}/admin/users`);
    await admin.fill('#email', 'dr.okafor@clinic.example');
    await admin.selectOption('#role', 'practitioner');
    await admin.fill('#fhir-user', practitionerRef);
    await admin.click('form[action="/admin/users/invite"] button[type=submit]');
    await expect.poll(() => admin.textContent('main')).toContain('Invitation created.');

    await admin.click('nav a[href="/admin/outbox"]');
    await admin.click('text=You are invited to Portico');
    const message = (await admin.textContent('main'))!;
    expect(message).toContain('dr.okafor@clinic.example');
    const link = /(http:\/\/127\.0\.0\.1:\d+\/account\/invite\/[\w-]{43})/.exec(message)?.[1];
    expect(link).toBeTruthy();
    await screenshot(admin, 'users-outbox-message');

    // The invitee, in a browser of their own.
    const inviteeContext = await chromium.newContext();
    const invitee = await inviteeContext.newPage();
    await invitee.goto(link!);
    expect(await invitee.textContent('h1')).toBe('Welcome to Portico');
    expect(await invitee.inputValue('#username')).toBe('dr.okafor@clinic.example');
    await invitee.fill('#username', 'dr.okafor');
    await invitee.fill('#password', 'password1234');
    await invitee.click('button[type=submit]');
    expect(await invitee.textContent('.problem')).toBe('Password is a commonly used password; choose another.');
    await invitee.fill('#password', INVITEE_PASSWORD);
    await invitee.click('button[type=submit]');

    await invitee.waitForURL(`${base}/account/mfa`);
    expect(await invitee.textContent('h1')).toBe('Set up two-step verification');
    expect(await invitee.locator('figure.qr svg').count()).toBe(1);
    const secret = (await invitee.textContent('#totp-secret'))!.replace(/\s/g, '');
    expect(secret).toMatch(/^[A-Z2-7]{32}$/);
    await screenshot(invitee, 'users-mfa-enrolment');
    await invitee.fill('#otp', totp(secret));
    await invitee.click('button[type=submit]');
    expect(await invitee.textContent('h1')).toBe('Two-step verification is on');
    expect(await invitee.locator('ul.recovery-codes li').count()).toBe(10);

    // Signing in: password, then the next code from the app.
    await invitee.click('text=Sign in to the Portico console');
    await invitee.waitForURL(/\/admin\/sign-in/);
    await invitee.fill('#username', 'dr.okafor');
    await invitee.fill('#password', INVITEE_PASSWORD);
    await invitee.click('button[type=submit]');
    await invitee.waitForURL(/\/admin\/sign-in\/otp/);
    clock.advance(30);
    await invitee.fill('#otp', totp(secret));
    await invitee.click('button[type=submit]');
    await invitee.waitForURL(`${base}/admin/launch`);
    expect(await invitee.textContent('header')).toContain('dr.okafor');
    await screenshot(invitee, 'users-signed-in');

    const user = (await gw.store.users.findByUsername('dr.okafor'))!;
    expect(user).toMatchObject({ role: 'practitioner', fhirUser: practitionerRef, totpSecret: secret });
    await adminContext.close();
    await inviteeContext.close();
  }, 90_000);
});

import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from '../helpers/browser.ts';
import { json } from '../helpers/gateway.ts';
import { launch, refresh, registerApp, type RegisteredApp } from '../helpers/oauth.ts';
import { AMY, checkPage, MOBILE, navigate, PageProblems, signInToPortal, startPortalGateway, type PortalGateway } from '../helpers/portal.ts';

/**
 * Connected apps in Chromium: a third-party app amy allowed through the gateway's real sign-in and
 * consent pages loses one permission, then all access, from the portal's page — and its own
 * requests show it at once.
 */
let portal: PortalGateway;
let chromium: Browser;
let context: BrowserContext;
let page: Page;
let problems: PageProblems;
let app: RegisteredApp;
let tokens: Record<string, any>;

const APP_NAME = 'Stride step counter';

beforeAll(async () => {
  [portal, chromium] = await Promise.all([startPortalGateway(), launchChromium()]);
  app = await registerApp(portal.gw, {
    name: APP_NAME,
    scope: 'launch/patient openid fhirUser offline_access patient/Patient.rs patient/Observation.rs',
    policyUri: 'https://stride.example/privacy',
  });
  tokens = await launch(portal.gw, app, {
    username: AMY.username,
    password: AMY.password,
    scope: 'launch/patient openid fhirUser offline_access patient/Patient.rs patient/Observation.rs',
    duration: 'forever',
  });
  expect(tokens.patient).toBe(AMY.patientId);
  context = await chromium.newContext({ viewport: MOBILE, isMobile: true, hasTouch: true, timezoneId: 'UTC', locale: 'en-GB' });
  problems = new PageProblems().watch(context);
  page = await context.newPage();
});
afterAll(async () => {
  await chromium?.close();
  await portal?.close();
});

/** The app's own request to the FHIR API over HTTP, as it would make it. */
const appRequest = async (path: string, token = tokens.access_token) =>
  (await fetch(`${portal.base}/fhir/${path}`, { headers: { Authorization: `Bearer ${token}`, Accept: 'application/fhir+json' } })).status;

describe('connected apps in the portal', { timeout: 120_000 }, () => {
  it('lists the app with what it may do and what it did', async () => {
    expect(await appRequest(`Observation?patient=${AMY.patientId}&category=vital-signs`)).toBe(200);
    expect(await appRequest(`Patient/${AMY.patientId}`)).toBe(200);
    await signInToPortal(page, portal.base);
    await navigate(page, 'Connected apps', 'Connected apps');
    const card = page.getByRole('region', { name: APP_NAME });
    await card.getByRole('button', { name: `Revoke access for ${APP_NAME}` }).waitFor();
    await expect.poll(() => card.getByRole('listitem').filter({ hasText: /^Looked through your health measurements and test results — once, on / }).count()).toBe(1);
    expect(await card.getByRole('button', { name: /^Remove this permission: / }).count()).toBe(2);
    await checkPage(page, 'apps');
    problems.check();
  });

  it('removes one permission: the app’s next request of that kind is 403, another kind still 200', async () => {
    const card = page.getByRole('region', { name: APP_NAME });
    await card.getByRole('button', { name: /^Remove this permission: .*measurements/ }).click();
    await card.getByRole('heading', { name: 'Remove this permission?' }).waitFor();
    await checkPage(page, 'apps-remove-confirm');
    await card.getByRole('button', { name: 'Yes, remove it' }).click();
    await expect.poll(() => card.getByRole('button', { name: /^Remove this permission: / }).count()).toBe(1);
    expect(await card.getByRole('button', { name: /^Remove this permission: .*measurements/ }).count()).toBe(0);

    expect(await appRequest(`Observation?patient=${AMY.patientId}&category=vital-signs`)).toBe(403);
    expect(await appRequest(`Patient/${AMY.patientId}`)).toBe(200);
    problems.check();
  });

  it('revokes the app: its access token is refused (401), its refresh token too, and the page counts the refusals', async () => {
    const card = page.getByRole('region', { name: APP_NAME });
    await card.getByRole('button', { name: `Revoke access for ${APP_NAME}` }).click();
    await card.getByRole('heading', { name: `Revoke ${APP_NAME}’s access?` }).waitFor();
    await card.getByRole('button', { name: 'Yes, revoke access' }).click();
    await expect.poll(() => card.getByRole('status').textContent()).toMatch(/^Revoked at \d{2}:\d{2} — access and refresh tokens no longer work — 0 requests refused since$/);
    expect(await card.getByRole('button', { name: /^Revoke access for / }).count()).toBe(0);

    expect(await appRequest(`Patient/${AMY.patientId}`)).toBe(401);
    const refreshed = await refresh(portal.gw, app, tokens.refresh_token);
    expect(refreshed.status).toBe(400);
    expect((await json(refreshed)).error).toBe('invalid_grant');

    await page.reload();
    await page.getByRole('heading', { level: 1, name: 'Connected apps' }).waitFor();
    const after = page.getByRole('region', { name: APP_NAME });
    await expect.poll(() => after.getByRole('status').textContent()).toMatch(/^Revoked at \d{2}:\d{2} — access and refresh tokens no longer work — [1-9]\d* requests? refused since$/);
    await checkPage(page, 'apps-revoked');
    problems.check();
  });
});

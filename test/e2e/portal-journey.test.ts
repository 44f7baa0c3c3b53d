import type { Bundle, Slot } from 'fhir/r4';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchPersistentChromium } from '../helpers/browser.ts';
import { json } from '../helpers/gateway.ts';
import { AMY, checkPage, MOBILE, navigate, PageProblems, signInToPortal, startPortalGateway, waitForServiceWorker, type PortalGateway } from '../helpers/portal.ts';

/**
 * One patient's whole visit to the portal in Chromium at phone width (390 px), in one signed-in
 * browser context: sign-in and consent, home, vitals, booking and cancelling, notes, connected apps,
 * offline reading, sign-out. Every page is screenshotted and checked with axe.
 */
let portal: PortalGateway;
let profile: string;
let context: BrowserContext;
let page: Page;
let problems: PageProblems;

beforeAll(async () => {
  // An ordinary profile, not an off-the-record context: Chromium offers to install only there.
  profile = fs.mkdtempSync(path.join(os.tmpdir(), 'portico-portal-profile-'));
  [portal, context] = await Promise.all([
    startPortalGateway(),
    launchPersistentChromium(profile, { viewport: MOBILE, isMobile: true, hasTouch: true, timezoneId: 'UTC', locale: 'en-GB' }),
  ]);
  problems = new PageProblems().watch(context);
  page = context.pages()[0] ?? (await context.newPage());
});
afterAll(async () => {
  await context?.close();
  await portal?.close();
  if (profile) fs.rmSync(profile, { recursive: true, force: true });
});

const fhirSearch = async <T>(path: string) => (await json<Bundle>(await portal.gw.fhir(path))).entry?.map((e) => e.resource as T) ?? [];

describe('the patient portal at 390 px in Chromium', { timeout: 120_000 }, () => {
  it('is installable: no installability errors, and a manifest for a standalone app with its icons', async () => {
    await page.goto(`${portal.base}/portal/`);
    await waitForServiceWorker(page);
    const cdp = await context.newCDPSession(page);
    const { installabilityErrors } = (await cdp.send('Page.getInstallabilityErrors')) as { installabilityErrors: unknown[] };
    expect(installabilityErrors).toEqual([]);
    await cdp.detach();

    const href = await page.locator('link[rel="manifest"]').getAttribute('href');
    const manifest = await json(await fetch(new URL(href!, `${portal.base}/portal/`)));
    expect(manifest).toMatchObject({ id: '/portal/', name: 'Portico patient portal', short_name: 'Portico', start_url: '/portal/', scope: '/portal/', display: 'standalone' });
    expect(manifest.theme_color).toMatch(/^#[0-9a-f]{6}$/i);
    const icons = manifest.icons as { sizes: string; purpose?: string; src: string }[];
    expect(icons.map((i) => `${i.sizes} ${i.purpose ?? 'any'}`).sort()).toEqual(['192x192 any', '512x512 any', '512x512 maskable']);
    for (const icon of icons) expect((await fetch(new URL(icon.src, `${portal.base}/portal/`))).headers.get('content-type')).toBe('image/png');
  });

  it('signs in through the gateway’s sign-in and consent pages and lands on home', async () => {
    await signInToPortal(page, portal.base, {
      onPage: async (step) => {
        if (step === 'landing') await checkPage(page, 'signed-out-landing');
        if (step === 'sign-in') await checkPage(page, 'gateway-sign-in');
        if (step === 'consent') {
          await expect.poll(() => page.getByRole('heading', { level: 1 }).textContent()).toMatch(/Portico patient portal/);
          await checkPage(page, 'gateway-consent');
        }
      },
    });
    await page.getByRole('heading', { level: 1, name: 'Hello, Amy' }).waitFor();
    await expect.poll(() => page.getByText('Signed in as').textContent()).toContain('Amy Rivera');
    // The home cards have loaded (no "Loading …" line left).
    await page.locator('.loading').first().waitFor({ state: 'detached' });
    await expect.poll(() => page.locator('.glance dd').count()).toBeGreaterThan(0);
    expect(await page.evaluate(() => document.querySelectorAll('h1').length)).toBe(1);
    await checkPage(page, 'home');
    problems.check();
  });

  it('shows each vital sign as an SVG chart with points and the latest value with its unit, and saves a home reading', async () => {
    await navigate(page, 'Vital signs', 'Vital signs');
    const pressure = page.getByRole('region', { name: 'Blood pressure' });
    await pressure.getByRole('img', { name: /Blood pressure chart/ }).waitFor();
    expect(await pressure.locator('svg circle.point').count()).toBeGreaterThan(2);
    expect(await pressure.locator('.latest').textContent()).toMatch(/^Latest: \d{2,3}\/\d{2,3} mmHg on /);
    await page.getByRole('button', { name: '12 months' }).click();
    await checkPage(page, 'vitals');

    await page.getByLabel('What did you measure?').selectOption('bodyWeight');
    await page.getByRole('spinbutton', { name: 'Weight (kg)' }).fill('71.3');
    await page.getByRole('button', { name: 'Save reading' }).click();
    await expect.poll(() => page.getByRole('status').filter({ hasText: 'Saved' }).textContent()).toBe('Saved your weight 71.3 kg.');
    await expect.poll(() => page.getByRole('region', { name: 'Weight' }).locator('.latest').textContent()).toMatch(/^Latest: 71\.3 kg on /);
    const saved = await fhirSearch<{ valueQuantity?: { value?: number } }>(`/fhir/Observation?patient=${AMY.patientId}&code=http://loinc.org|29463-7&_sort=-date&_count=1`);
    expect(saved[0]?.valueQuantity?.value).toBe(71.3);
    problems.check();
  });

  let slotLabel: string;
  let slotId: string;

  it('books a free time: the confirmation shows, the appointment is under upcoming, the slot is busy', async () => {
    await navigate(page, 'Appointments', 'Appointments');
    await page.getByRole('link', { name: 'Book an appointment' }).click();
    await page.getByRole('heading', { level: 1, name: 'Book an appointment' }).waitFor();
    await page.getByLabel('Care provider').selectOption({ label: 'Dr. Samuel Osei' });
    const firstDay = page.locator('section.slot-day').first();
    await firstDay.waitFor();
    const dayName = (await firstDay.getByRole('heading', { level: 3 }).textContent())!;
    const slot = page.getByRole('region', { name: dayName }).getByRole('button').first();
    slotLabel = (await slot.getAttribute('aria-label'))!;
    expect(slotLabel).toMatch(new RegExp(`^\\d{2}:\\d{2} on ${dayName}$`));
    await checkPage(page, 'book');
    await slot.click();
    await page.getByLabel('Reason for the visit (optional)').fill('Knee pain after running');
    await page.getByRole('button', { name: 'Book this time' }).click();
    await expect.poll(() => page.getByRole('status').filter({ hasText: 'Appointment booked' }).textContent()).toContain('You are booked with Dr. Samuel Osei');
    await checkPage(page, 'book-confirmed');

    const [booked] = await fhirSearch<{ id: string; status: string; slot: { reference: string }[]; description?: string; comment?: string }>(
      `/fhir/Appointment?patient=${AMY.patientId}&status=booked&_sort=-_lastUpdated&_count=1`,
    );
    expect(booked?.comment).toBe('Knee pain after running');
    slotId = booked!.slot[0]!.reference.split('/')[1]!;
    expect((await json<Slot>(await portal.gw.fhir(`/fhir/Slot/${slotId}`))).status).toBe('busy');

    await page.getByRole('link', { name: 'See your appointments' }).click();
    await page.getByRole('heading', { level: 1, name: 'Appointments' }).waitFor();
    const upcoming = page.getByRole('region', { name: 'Upcoming' });
    const time = slotLabel.slice(0, 5);
    await expect.poll(() => upcoming.getByRole('listitem').filter({ hasText: `, ${time} with Dr. Samuel Osei` }).count()).toBe(1);
    await checkPage(page, 'appointments');
    problems.check();
  });

  it('cancels it after a confirmation, and the time is offered again', async () => {
    const time = slotLabel.slice(0, 5);
    const item = page.getByRole('region', { name: 'Upcoming' }).getByRole('listitem').filter({ hasText: `, ${time} with Dr. Samuel Osei` });
    await item.getByRole('button', { name: /^Cancel appointment on / }).click();
    await page.getByRole('heading', { name: 'Cancel this appointment?' }).waitFor();
    await checkPage(page, 'appointments-cancel-confirm');
    await page.getByRole('button', { name: 'Yes, cancel it' }).click();
    await expect.poll(() => page.getByRole('status').filter({ hasText: 'is cancelled' }).count()).toBe(1);
    await expect.poll(() => item.count()).toBe(0);
    expect((await json<Slot>(await portal.gw.fhir(`/fhir/Slot/${slotId}`))).status).toBe('free');

    await page.getByRole('link', { name: 'Book an appointment' }).click();
    await page.getByLabel('Care provider').selectOption({ label: 'Dr. Samuel Osei' });
    await page.getByRole('button', { name: slotLabel, exact: true }).waitFor();
    problems.check();
  });

  it('lists the notes and shows one as text', async () => {
    await navigate(page, 'Notes', 'Notes');
    const links = page.getByRole('main').getByRole('listitem').getByRole('link');
    await links.first().waitFor();
    await checkPage(page, 'notes');
    const title = (await links.first().textContent())!.split(':')[0]!;
    await links.first().click();
    await page.getByRole('heading', { level: 1, name: title }).waitFor();
    const text = page.getByRole('article', { name: title });
    expect((await text.textContent())!.length).toBeGreaterThan(40);
    await checkPage(page, 'note');
    problems.check();
  });

  it('shows the connected apps page', async () => {
    await navigate(page, 'Connected apps', 'Connected apps');
    await page.getByText('No apps are connected to your records.').waitFor();
    await checkPage(page, 'apps-empty');
    problems.check();
  });

  it('reloads offline: the banner, the data loaded before, and actions disabled', async () => {
    await waitForServiceWorker(page);
    // Load the pages once more under the worker, so it keeps a copy of what they show.
    await page.goto(`${portal.base}/portal/vitals`);
    await page.getByRole('region', { name: 'Blood pressure' }).locator('.latest').waitFor();
    await page.goto(`${portal.base}/portal/`);
    await expect.poll(() => page.locator('.glance dd').count()).toBeGreaterThan(0);
    await page.waitForLoadState('networkidle');
    const weight = page.locator('.glance div').filter({ hasText: 'Weight' }).locator('dd');
    const latestWeight = (await weight.textContent())!;
    expect(await page.evaluate(() => caches.keys())).toContain(`portico-data-${AMY.patientId}`);

    await context.setOffline(true);
    try {
      await page.reload();
      await page.getByRole('heading', { level: 1, name: 'Hello, Amy' }).waitFor();
      const banner = page.getByRole('status').filter({ hasText: 'Offline' });
      await expect.poll(() => banner.textContent()).toMatch(/^Offline — last updated \w{3}, \d{1,2} \w{3,4} \d{4}, \d{2}:\d{2}\. Booking, cancelling/);
      await expect.poll(() => weight.textContent()).toBe(latestWeight);
      await checkPage(page, 'home-offline');

      await navigate(page, 'Vital signs', 'Vital signs');
      await page.getByRole('region', { name: 'Blood pressure' }).locator('svg circle.point').first().waitFor();
      expect(await page.getByRole('button', { name: 'Save reading' }).isDisabled()).toBe(true);
      await checkPage(page, 'vitals-offline');
      await navigate(page, 'Appointments', 'Appointments');
      await page.getByRole('region', { name: 'Upcoming' }).waitFor();
      for (const cancel of await page.getByRole('button', { name: /^Cancel appointment on / }).all()) expect(await cancel.isDisabled()).toBe(true);
      expect(await page.getByRole('link', { name: 'Book an appointment' }).getAttribute('aria-disabled')).toBe('true');
    } finally {
      await context.setOffline(false);
    }
    problems.check();
  });

  it('signs out and leaves no health data in the browser; the refresh token is refused', async () => {
    await page.goto(`${portal.base}/portal/`);
    await page.getByRole('heading', { level: 1, name: 'Hello, Amy' }).waitFor();
    const refreshToken = await page.evaluate(() => {
      const state = JSON.parse(sessionStorage.getItem(JSON.parse(sessionStorage.getItem('SMART_KEY')!))!);
      return state.tokenResponse.refresh_token as string;
    });
    expect(refreshToken).toBeTruthy();
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.waitForURL(`${portal.base}/portal/signed-out`);
    await page.getByRole('heading', { level: 1, name: 'You are signed out' }).waitFor();
    await checkPage(page, 'signed-out');

    const left = await page.evaluate(async () => {
      const databases = await indexedDB.databases();
      const stores: Record<string, number> = {};
      for (const { name } of databases) {
        if (!name) continue;
        const db = await new Promise<IDBDatabase>((resolve, reject) => {
          const open = indexedDB.open(name);
          open.onsuccess = () => resolve(open.result);
          open.onerror = () => reject(open.error);
        });
        for (const store of db.objectStoreNames) {
          stores[`${name}/${store}`] = await new Promise<number>((resolve) => {
            const count = db.transaction(store).objectStore(store).count();
            count.onsuccess = () => resolve(count.result);
          });
        }
        db.close();
      }
      return { session: sessionStorage.length, local: localStorage.length, stores, caches: await caches.keys() };
    });
    expect(left.session).toBe(0);
    expect(left.local).toBe(0);
    expect(Object.values(left.stores).filter((n) => n > 0)).toEqual([]);
    expect(left.caches.length).toBeGreaterThan(0);
    for (const name of left.caches) expect(name).toMatch(/^workbox-precache-v2-/);

    const refused = await fetch(`${portal.base}/auth/token`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: refreshToken, client_id: 'portico-portal' }),
    });
    expect(refused.status).toBe(400);
    expect((await json(refused)).error).toBe('invalid_grant');
    problems.check();
  });
});

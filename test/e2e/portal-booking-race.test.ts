import type { Appointment, Bundle } from 'fhir/r4';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from '../helpers/browser.ts';
import { json } from '../helpers/gateway.ts';
import { createUser, PASSWORD } from '../helpers/oauth.ts';
import { AMY, checkPage, failedRequestWith, PageProblems, signInToPortal, startPortalGateway, type PortalGateway } from '../helpers/portal.ts';

/**
 * Two patients in two browser contexts choose the same free time and press "Book this time" at the
 * same moment: the gateway books it once, one of them is told it was just taken.
 */
let portal: PortalGateway;
let chromium: Browser;
// The loser's $book answer is a 409, which Chromium logs as a failed request: expected here.
const problems = new PageProblems(failedRequestWith(409));

/** A second patient sign-in, linked to another demo patient (Patient/demo-pat-02). */
const BEA = { username: 'bea', password: PASSWORD, patientId: 'demo-pat-02' };
const PRACTITIONER = 'Dr. Lucia Ferreira';

beforeAll(async () => {
  [portal, chromium] = await Promise.all([startPortalGateway(), launchChromium()]);
  await createUser(portal.gw, { username: BEA.username, fhirUser: `Patient/${BEA.patientId}` });
});
afterAll(async () => {
  await chromium?.close();
  await portal?.close();
});

/** A signed-in patient (desktop width) on the booking page with `PRACTITIONER`'s free times shown. */
async function onBookingPage(user: { username: string; password: string }): Promise<Page> {
  const context = await chromium.newContext({ timezoneId: 'UTC', locale: 'en-GB' });
  problems.watch(context);
  const page = await context.newPage();
  await signInToPortal(page, portal.base, user);
  await page.goto(`${portal.base}/portal/appointments/book`);
  await page.getByLabel('Care provider').selectOption({ label: PRACTITIONER });
  await page.locator('section.slot-day').first().waitFor();
  return page;
}

describe('two patients booking the same time', { timeout: 120_000 }, () => {
  it('exactly one gets it; the other sees “just taken”; the FHIR API holds one Appointment for the slot', async () => {
    const [amy, bea] = await Promise.all([onBookingPage(AMY), onBookingPage(BEA)]);
    // The last free time amy is offered: one bea is offered too.
    const slotLabel = (await amy.locator('button.slot').last().getAttribute('aria-label'))!;
    for (const page of [amy, bea]) {
      await page.getByRole('button', { name: slotLabel, exact: true }).click();
      await page.getByRole('button', { name: 'Book this time' }).waitFor();
    }
    await checkPage(amy, 'book-confirm-desktop');
    await Promise.all([amy, bea].map((page) => page.getByRole('button', { name: 'Book this time' }).click()));

    const outcome = async (page: Page) => {
      const booked = page.getByRole('status').filter({ hasText: 'Appointment booked' });
      const taken = page.getByRole('alert').filter({ hasText: 'that time was just taken by someone else' });
      await booked.or(taken).waitFor();
      return (await booked.count()) === 1 ? 'booked' : 'taken';
    };
    const outcomes = await Promise.all([outcome(amy), outcome(bea)]);
    expect([...outcomes].sort()).toEqual(['booked', 'taken']);
    const loser = outcomes[0] === 'taken' ? amy : bea;
    await checkPage(loser, 'book-just-taken');
    // The loser's list was reloaded: the time is no longer offered.
    await expect.poll(() => loser.getByRole('button', { name: slotLabel, exact: true }).count()).toBe(0);

    const winner = outcomes[0] === 'booked' ? AMY : BEA;
    const mine = await json<Bundle<Appointment>>(await portal.gw.fhir(`/fhir/Appointment?patient=${winner.patientId}&status=booked&_sort=-_lastUpdated&_count=1`));
    const slot = mine.entry![0]!.resource!.slot![0]!.reference!;
    const forSlot = await json<Bundle<Appointment>>(await portal.gw.fhir(`/fhir/Appointment?slot=${slot}`));
    expect(forSlot.entry?.map((e) => [e.resource!.status, e.resource!.participant.find((p) => p.actor?.reference?.startsWith('Patient/'))?.actor?.reference])).toEqual([
      ['booked', `Patient/${winner.patientId}`],
    ]);
    problems.check();
  });
});

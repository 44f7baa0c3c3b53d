import fs from 'node:fs';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { serve } from '@hono/node-server';
import axe from 'axe-core';
import type { BrowserContext, ConsoleMessage, Page } from 'playwright-core';
import { expect } from 'vitest';
import { ensurePortalBuilt } from '../../gateway/src/portal/portal-build.ts';
import { seedDemo } from '../../gateway/src/seed/seed-demo.ts';
import { screenshot } from './browser.ts';
import { startTestGateway, type TestGateway } from './gateway.ts';

/** The portal workspace (its `dist/` is what the gateway serves by default). */
export const PORTAL_DIR = fileURLToPath(new URL('../../portal/', import.meta.url));

/** The demo patient sign-in (gateway/src/seed/demo-users.ts). */
export const AMY = { username: 'amy', password: 'portico-demo-patient', patientId: 'demo-pat-01' } as const;

/** The phone-sized viewport the portal is designed for. */
export const MOBILE = { width: 390, height: 844 } as const;

let built: Promise<void> | undefined;

/**
 * Builds the portal into `portal/dist` unless it is already built from the current sources (the
 * same rule as `npm start`). Test files run in parallel workers: a lock directory makes the
 * others wait for one build instead of writing the same files at once.
 */
export function ensurePortalBuiltOnce(): Promise<void> {
  built ??= (async () => {
    const lock = path.join(os.tmpdir(), 'portico-portal-build.lock');
    for (;;) {
      try {
        fs.mkdirSync(lock);
        break;
      } catch {
        // Another worker is building; a lock left by a killed run is taken over after 5 minutes.
        const age = Date.now() - (fs.statSync(lock, { throwIfNoEntry: false })?.mtimeMs ?? Date.now());
        if (age > 300_000) fs.rmSync(lock, { recursive: true, force: true });
        await new Promise((resolve) => setTimeout(resolve, 500));
      }
    }
    try {
      const lines: string[] = [];
      const outcome = await ensurePortalBuilt({ portalDir: PORTAL_DIR, log: (line) => lines.push(line) });
      if (outcome === 'failed') throw new Error(`the portal did not build:\n${lines.join('\n')}`);
    } finally {
      fs.rmSync(lock, { recursive: true, force: true });
    }
  })();
  return built;
}

export interface PortalGateway {
  readonly gw: TestGateway;
  /** `http://127.0.0.1:PORT`, also the gateway's PUBLIC_URL (so the portal client's redirect URI matches). */
  readonly base: string;
  close(): Promise<void>;
}

/**
 * A gateway listening on 127.0.0.1 (port chosen by the system), serving the built portal, with the
 * demo practice seeded (amy and her records, four practitioners with free slots for two weeks).
 */
export async function startPortalGateway(env: Record<string, string> = {}): Promise<PortalGateway> {
  await ensurePortalBuiltOnce();
  // Listen first: PUBLIC_URL must name the port, and the app that answers needs PUBLIC_URL.
  let app: TestGateway['app'] | undefined;
  const server = serve({ fetch: (request) => (app ? app.fetch(request) : new Response('starting', { status: 503 })), port: 0, hostname: '127.0.0.1' });
  await new Promise<void>((resolve) => server.once('listening', () => resolve()));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const gw = await startTestGateway({ PUBLIC_URL: base, ...env });
  await seedDemo({ fhir: gw.localFhir, resources: gw.resources, store: gw.store, now: gw.now }, () => ({ tick() {}, done() {} }));
  app = gw.app;
  const close = async () => {
    // Keep-alive connections from the browser would hold close() open.
    (server as unknown as { closeAllConnections?: () => void }).closeAllConnections?.();
    await new Promise((resolve) => server.close(resolve));
    await gw.close();
  };
  return { gw, base, close };
}

/** Errors a page reports: uncaught exceptions, and console errors except those `expected` allows. */
export class PageProblems {
  readonly errors: string[] = [];
  constructor(private readonly expected: (message: ConsoleMessage) => boolean = () => false) {}

  /** Listens on every page the context opens (now and later). */
  watch(context: BrowserContext): this {
    const attach = (page: Page) => {
      page.on('pageerror', (error) => this.errors.push(`uncaught: ${error.message}`));
      page.on('console', (message) => {
        if (message.type() === 'error' && !this.expected(message)) this.errors.push(`console: ${message.text()} (${message.location().url})`);
      });
    };
    context.pages().forEach(attach);
    context.on('page', attach);
    return this;
  }

  /** Fails the test if anything went wrong so far. */
  check(): void {
    expect(this.errors).toEqual([]);
  }
}

/** A browser's console line for a failed request with one of these statuses (what fetch logs for a 401/403). */
export const failedRequestWith = (...statuses: number[]) => (message: ConsoleMessage) =>
  statuses.some((status) => message.text().includes(`the server responded with a status of ${status}`));

interface AxeViolation {
  readonly id: string;
  readonly impact?: string | null;
  readonly help: string;
  readonly nodes: { target: unknown[] }[];
}

/**
 * Runs axe-core (WCAG 2.0/2.1 A and AA rules) on the page as it stands and fails on any serious or
 * critical violation. axe is injected through the DevTools protocol (the page's CSP allows only its
 * own scripts; an evaluation over CDP is not subject to it).
 */
export async function expectAccessible(page: Page, name: string): Promise<void> {
  if (!(await page.evaluate(() => 'axe' in window))) await page.evaluate(axe.source);
  const violations = await page.evaluate(async () => {
    const { axe: injected } = window as unknown as { axe: { run: (context: Document, options: unknown) => Promise<{ violations: AxeViolation[] }> } };
    const result = await injected.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] } });
    return result.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map((n) => ({ target: n.target })) }));
  });
  const bad = violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  expect(bad.map((v) => `${name}: ${v.impact} ${v.id} (${v.help}) at ${v.nodes.map((n) => JSON.stringify(n.target)).join(', ')}`)).toEqual([]);
}

/** Screenshot into test/artifacts/portal/, the axe check and, at phone width, no sideways scrolling. */
export async function checkPage(page: Page, name: string): Promise<void> {
  await screenshot(page, `portal/${name}`);
  await expectAccessible(page, name);
  const width = page.viewportSize()?.width ?? 0;
  if (width <= MOBILE.width) expect(await page.evaluate(() => document.documentElement.scrollWidth), `${name} scrolls sideways`).toBeLessThanOrEqual(width);
}

/**
 * Signs in through the portal's real standalone launch: "Sign in" on /portal/, the gateway's
 * sign-in page, its consent page (everything allowed), back to the portal's home. `onPage` sees
 * the sign-in and consent pages before they are submitted.
 */
export async function signInToPortal(
  page: Page,
  base: string,
  opts: { username?: string; password?: string; onPage?: (step: 'landing' | 'sign-in' | 'consent') => Promise<void> } = {},
): Promise<void> {
  await page.goto(`${base}/portal/`);
  await page.getByRole('heading', { level: 1, name: 'Welcome to your patient portal' }).waitFor();
  await opts.onPage?.('landing');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL((url) => url.pathname.startsWith('/auth/'));
  await page.getByLabel('Username').waitFor();
  await opts.onPage?.('sign-in');
  await page.getByLabel('Username').fill(opts.username ?? AMY.username);
  await page.getByLabel('Password').fill(opts.password ?? AMY.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('button', { name: 'Allow' }).waitFor();
  await opts.onPage?.('consent');
  await page.getByRole('button', { name: 'Allow' }).click();
  await page.waitForURL((url) => url.pathname === '/portal/' && !url.searchParams.has('code'));
  await page.getByRole('navigation', { name: 'Main' }).waitFor();
}

/** Follows a link of the portal's main navigation and waits for the page's h1. */
export async function navigate(page: Page, link: string, heading: string | RegExp): Promise<void> {
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: link, exact: true }).click();
  await page.getByRole('heading', { level: 1, name: heading }).waitFor();
}

/** Resolves once a service worker controls the page (the offline copy needs it). */
export async function waitForServiceWorker(page: Page): Promise<void> {
  await page.waitForFunction(() => navigator.serviceWorker?.controller !== null && navigator.serviceWorker?.controller !== undefined);
}

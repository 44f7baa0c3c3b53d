import { expect } from 'vitest';
import type { TestGateway } from './gateway.ts';
import { Browser, PASSWORD, postForms, problemOf } from './oauth.ts';

/** The value of the first `csrf` hidden field of a page. */
export function csrfOf(html: string): string {
  const match = /name="csrf" value="([^"]+)"/.exec(html);
  if (!match) throw new Error(`no CSRF field on the page: ${html.slice(0, 300)}`);
  return match[1]!;
}

/**
 * Signs in to the console through its sign-in page as a browser would (fresh browser unless given);
 * `otp` answers the one-time-code step. Fails the test unless the console lets the person in.
 */
export async function consoleSignIn(gw: TestGateway, username: string, opts: { password?: string; otp?: () => string; browser?: Browser } = {}): Promise<Browser> {
  const browser = opts.browser ?? new Browser(gw);
  const page = await browser.get('/admin/sign-in');
  expect(page.status).toBe(200);
  let res = await browser.post('/admin/sign-in', { csrf: csrfOf(await page.text()), username, password: opts.password ?? PASSWORD });
  if (res.headers.get('location')?.startsWith('/admin/sign-in/otp')) {
    if (!opts.otp) throw new Error('the console asks for a one-time code');
    const otpPage = await browser.get(res.headers.get('location')!);
    res = await browser.post('/admin/sign-in/otp', { csrf: csrfOf(await otpPage.text()), otp: opts.otp() });
  }
  if (res.status !== 303) throw new Error(`console sign-in answered ${res.status}: ${problemOf(await res.text())}`);
  return browser;
}

/** GETs a console page (must answer 200) and returns its HTML and CSRF token. */
export async function consolePageOf(browser: Browser, path: string): Promise<{ html: string; csrf: string }> {
  const res = await browser.get(path);
  const html = await res.text();
  expect(res.status, `${path}: ${html.slice(0, 300)}`).toBe(200);
  return { html, csrf: csrfOf(html) };
}

/** Submits a console form: GETs `page`, fills in the form whose action is `action` and posts it with `fields`. */
export async function submitConsoleForm(browser: Browser, page: string, action: string, fields: Record<string, string | string[]> = {}): Promise<Response> {
  const { html } = await consolePageOf(browser, page);
  const form = postForms(html).find((f) => f.action === action);
  if (!form) throw new Error(`no form posting to ${action} on ${page}`);
  const body = new URLSearchParams(form.fields);
  for (const [name, value] of Object.entries(fields)) {
    body.delete(name);
    for (const v of Array.isArray(value) ? value : [value]) body.append(name, v);
  }
  return browser.post(action, body);
}

import { createHash, randomBytes } from 'node:crypto';
import net from 'node:net';
import { serve } from '@hono/node-server';
import * as oauth from 'oauth4webapi';
import { expect } from 'vitest';
import { registerClient, type NewClient } from '../../gateway/src/clients/register-client.ts';
import { createLaunch, type CreatedLaunch } from '../../gateway/src/oauth/launch.ts';
import type { UserRecord, UserRole } from '../../gateway/src/db/store.ts';
import { registerUser } from '../../gateway/src/users/register-user.ts';
import { create } from './fhir.ts';
import { json, startTestGateway, type TestGateway } from './gateway.ts';

/** The password every test user gets (long enough for registerUser). */
export const PASSWORD = 'correct horse battery staple';
export const REDIRECT_URI = 'https://app.example/cb';

/** A clock the tests move by hand (from the real time): the gateway reads it wherever it asks for the time. */
export class TestClock {
  current = new Date();
  readonly now = (): Date => new Date(this.current);
  advance(seconds: number): void {
    this.current = new Date(this.current.getTime() + seconds * 1000);
  }
}

/** A PKCE verifier and its S256 challenge (RFC 7636). */
export function pkce(): { verifier: string; challenge: string } {
  const verifier = randomBytes(32).toString('base64url');
  return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') };
}

export interface RegisteredApp {
  readonly clientId: string;
  readonly secret?: string;
  readonly redirectUri: string;
}

/** Registers a client the way the CLI's `client add` does (public, one redirect URI unless told). */
export async function registerApp(gw: TestGateway, opts: Partial<NewClient> = {}): Promise<RegisteredApp> {
  const { client, secret } = await registerClient(gw.store, { name: 'Test app', redirectUris: [REDIRECT_URI], ...opts }, gw.now);
  return { clientId: client.clientId, secret, redirectUri: client.redirectUris[0] ?? '' };
}

/** A Patient in the FHIR store; returns its id. */
export async function createPatient(gw: TestGateway, family = 'Doe'): Promise<string> {
  return (await create(gw, { resourceType: 'Patient', name: [{ family, given: ['Pat'] }] })).id;
}

export async function createPractitioner(gw: TestGateway, family = 'Welby'): Promise<string> {
  return (await create(gw, { resourceType: 'Practitioner', name: [{ family, given: ['Marcus'] }] })).id;
}

/** A user as the CLI's `user add` makes one. */
export async function createUser(gw: TestGateway, opts: { username: string; role?: UserRole; fhirUser?: string; password?: string }): Promise<UserRecord> {
  return registerUser(
    gw.store,
    { username: opts.username, password: opts.password ?? PASSWORD, role: opts.role ?? 'patient', fhirUser: opts.fhirUser },
    { now: gw.now, fhirUserExists: async (reference) => gw.resources.isLive(reference) },
  );
}

/** A patient user linked to a new Patient. */
export async function createPatientUser(gw: TestGateway, username: string): Promise<{ user: UserRecord; patientId: string }> {
  const patientId = await createPatient(gw, username);
  return { user: await createUser(gw, { username, fhirUser: `Patient/${patientId}` }), patientId };
}

/** An EHR launch of `clientId` for a patient, as the console and the CLI's `launch` create one. */
export function ehrLaunch(gw: TestGateway, request: { clientId: string; patientId: string; encounterId?: string; userId?: string }): Promise<CreatedLaunch> {
  return createLaunch(request, {
    store: gw.store,
    fhirBaseUrl: gw.config.fhirBaseUrl,
    now: gw.now,
    lifetimeSeconds: gw.config.lifetimes.launch,
    resourceExists: async (reference) => gw.resources.isLive(reference),
  });
}

/** `/auth/authorize?…` for `params`, with SMART's required parameters filled in unless given (undefined drops one). */
export function authorizeUrl(gw: TestGateway, params: Record<string, string | undefined> & { client_id: string; code_challenge?: string }): string {
  const all: Record<string, string | undefined> = {
    response_type: 'code',
    redirect_uri: REDIRECT_URI,
    scope: 'launch/patient openid fhirUser offline_access patient/*.rs',
    state: 'state-123',
    aud: gw.config.fhirBaseUrl,
    code_challenge_method: 'S256',
    ...params,
  };
  const query = new URLSearchParams();
  for (const [name, value] of Object.entries(all)) if (value !== undefined) query.append(name, value);
  return `/auth/authorize?${query}`;
}

/** A browser: a cookie jar in front of the app, following nothing by itself. */
export class Browser {
  readonly cookies = new Map<string, string>();
  constructor(private readonly gw: TestGateway) {}

  async request(path: string, init: RequestInit = {}): Promise<Response> {
    const headers = new Headers(init.headers);
    if (this.cookies.size > 0) headers.set('Cookie', [...this.cookies].map(([n, v]) => `${n}=${v}`).join('; '));
    const res = await this.gw.app.request(path, { ...init, headers });
    for (const line of res.headers.getSetCookie()) {
      const [pair = ''] = line.split(';');
      const eq = pair.indexOf('=');
      const name = pair.slice(0, eq).trim();
      if (/;\s*max-age=0/i.test(line)) this.cookies.delete(name);
      else this.cookies.set(name, pair.slice(eq + 1).trim());
    }
    return res;
  }

  get(path: string, headers?: Record<string, string>): Promise<Response> {
    return this.request(path, { headers });
  }

  post(path: string, form: URLSearchParams | Record<string, string>, headers: Record<string, string> = {}): Promise<Response> {
    const body = form instanceof URLSearchParams ? form : new URLSearchParams(form);
    return this.request(path, { method: 'POST', body: body.toString(), headers: { 'Content-Type': 'application/x-www-form-urlencoded', ...headers } });
  }
}

export interface PageForm {
  readonly action: string;
  /** Hidden and text inputs, checked checkboxes and radios, as a browser would submit them (buttons excluded). */
  readonly fields: URLSearchParams;
  /** Every checkbox `scope` value offered, checked or not. */
  readonly scopes: string[];
  /** Every radio option, as [name, value]. */
  readonly options: [string, string][];
}

const unescape = (s: string) =>
  s.replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');

const attribute = (tag: string, name: string) => {
  const match = new RegExp(`\\s${name}="([^"]*)"`).exec(tag);
  return match ? unescape(match[1]!) : undefined;
};

/** The POST forms of a page. */
export function postForms(html: string): PageForm[] {
  const forms: PageForm[] = [];
  for (const [, open = '', inner = ''] of html.matchAll(/(<form[^>]*>)([\s\S]*?)<\/form>/g)) {
    if (attribute(open, 'method') !== 'post') continue;
    const fields = new URLSearchParams();
    const scopes: string[] = [];
    const options: [string, string][] = [];
    for (const [tag] of inner.matchAll(/<input[^>]*>/g)) {
      const name = attribute(tag, 'name');
      const value = attribute(tag, 'value') ?? '';
      const type = attribute(tag, 'type') ?? 'text';
      const checked = /\schecked(=""|\s|\/|>)/.test(tag);
      if (!name) continue;
      if (type === 'checkbox' && name === 'scope') scopes.push(value);
      if (type === 'radio') options.push([name, value]);
      if ((type === 'checkbox' || type === 'radio') && !checked) continue;
      fields.append(name, value);
    }
    forms.push({ action: attribute(open, 'action') ?? '', fields, scopes, options });
  }
  return forms;
}

/** The one POST form of a page whose action ends with `step`. */
export function formFor(html: string, step: string): PageForm {
  const form = postForms(html).find((f) => f.action.endsWith(`/${step}`));
  if (!form) throw new Error(`no ${step} form on the page: ${html.slice(0, 400)}`);
  return form;
}

export interface SignInOptions {
  readonly username: string;
  readonly password?: string;
  /** The one-time code, or a function giving it when the code page appears. */
  readonly otp?: string | (() => string);
  /** Patient id a clinician picks in the patient picker. */
  readonly patient?: string;
  /** Scope checkboxes to untick on the consent page. */
  readonly uncheck?: readonly string[];
  readonly decision?: 'allow' | 'deny';
  readonly duration?: 'session' | '30d' | 'forever';
  /** Reuse a browser (its session cookie) instead of a fresh one. */
  readonly browser?: Browser;
  /** Send the authorization request as a form POST instead of a GET. */
  readonly method?: 'GET' | 'POST';
  /** Scope values added to the consent post although the page did not offer them (a forged form). */
  readonly alsoPost?: readonly string[];
  /** Called with every page the flow shows, before it is submitted (and awaited). */
  readonly onPage?: (step: string, html: string, browser: Browser) => void | Promise<void>;
}

/** The step a flow page is at, from its form action. */
export function stepOf(html: string): string {
  const form = postForms(html).find((f) => /\/auth\/flow\/[^/]+\/[a-z-]+$/.test(f.action));
  return form ? form.action.slice(form.action.lastIndexOf('/') + 1) : 'none';
}

/**
 * Follows the real pages of an authorization request — sign-in, one-time code, patient picker,
 * consent — the way a person with a browser would, and returns where the gateway finally sends the
 * browser back to the app (the `Location` of its last redirect).
 */
export async function signInAndConsent(gw: TestGateway, authorizeUrl: string, opts: SignInOptions): Promise<string> {
  const browser = opts.browser ?? new Browser(gw);
  let res =
    opts.method === 'POST'
      ? await browser.post('/auth/authorize', new URLSearchParams(authorizeUrl.slice(authorizeUrl.indexOf('?') + 1)))
      : await browser.get(authorizeUrl);
  for (let pages = 0; pages < 10; pages++) {
    const location = res.headers.get('location');
    if (res.status === 302 && location) return location;
    if (res.status === 303 && location?.startsWith('/auth/flow/')) {
      res = await browser.get(location);
      continue;
    }
    const html = await res.text();
    const step = stepOf(html);
    if (res.status !== 200) throw new Error(`the ${step} page answered ${res.status}: ${problemOf(html) ?? html.slice(0, 300)}`);
    await opts.onPage?.(step, html, browser);
    const form = formFor(html, step);
    const fields = new URLSearchParams(form.fields);
    switch (step) {
      case 'sign-in':
        fields.set('username', opts.username);
        fields.set('password', opts.password ?? PASSWORD);
        break;
      case 'otp':
        if (opts.otp === undefined) throw new Error('the flow asks for a one-time code');
        fields.set('otp', typeof opts.otp === 'function' ? opts.otp() : opts.otp);
        break;
      case 'patient':
        if (opts.patient === undefined) throw new Error('the flow asks to pick a patient');
        fields.set('patient', opts.patient);
        break;
      case 'consent':
        fields.delete('scope');
        for (const scope of form.scopes) if (!opts.uncheck?.includes(scope)) fields.append('scope', scope);
        for (const scope of opts.alsoPost ?? []) fields.append('scope', scope);
        if (opts.duration) fields.set('duration', opts.duration);
        fields.set('decision', opts.decision ?? 'allow');
        break;
      default:
        throw new Error(`unexpected page: ${html.slice(0, 300)}`);
    }
    res = await browser.post(form.action, fields);
  }
  throw new Error('the flow did not end');
}

/** The message a page shows in its alert line. */
export function problemOf(html: string): string | undefined {
  const match = /<p class="problem" role="alert">([\s\S]*?)<\/p>/.exec(html);
  return match ? unescape(match[1]!) : undefined;
}

/** The `code` of a redirect back to the app, after checking `state` and `iss` came with it and no `error`. */
export function codeFrom(gw: TestGateway, location: string, state = 'state-123'): string {
  const url = new URL(location);
  expect(url.searchParams.get('error'), location).toBeNull();
  expect(url.searchParams.get('state')).toBe(state);
  expect(url.searchParams.get('iss')).toBe(gw.config.publicUrl);
  const code = url.searchParams.get('code');
  expect(code).toBeTruthy();
  return code!;
}

/** POST /auth/token (or another form endpoint) with a form body; `basic` sends HTTP Basic client credentials. */
export async function postForm(
  gw: TestGateway,
  path: string,
  form: Record<string, string>,
  opts: { basic?: readonly [string, string]; headers?: Record<string, string> } = {},
): Promise<Response> {
  const headers: Record<string, string> = { 'Content-Type': 'application/x-www-form-urlencoded', ...opts.headers };
  if (opts.basic) headers.Authorization = basicAuth(opts.basic[0], opts.basic[1]);
  return gw.app.request(path, { method: 'POST', headers, body: new URLSearchParams(form).toString() });
}

/** RFC 6749 §2.3.1: form-urlencode, then base64. */
export function basicAuth(clientId: string, secret: string): string {
  const encode = (s: string) => encodeURIComponent(s).replace(/%20/g, '+');
  return `Basic ${Buffer.from(`${encode(clientId)}:${encode(secret)}`).toString('base64')}`;
}

/** The client authentication parts of a token request: Basic for an app with a secret, client_id otherwise. */
export function clientAuth(app: RegisteredApp): { form: Record<string, string>; basic?: readonly [string, string] } {
  return app.secret ? { form: {}, basic: [app.clientId, app.secret] } : { form: { client_id: app.clientId } };
}

export function exchangeCode(gw: TestGateway, app: RegisteredApp, code: string, verifier: string, extra: Record<string, string> = {}): Promise<Response> {
  const auth = clientAuth(app);
  const form = { grant_type: 'authorization_code', code, redirect_uri: app.redirectUri, code_verifier: verifier, ...auth.form, ...extra };
  return postForm(gw, '/auth/token', form, { basic: auth.basic });
}

export function refresh(gw: TestGateway, app: RegisteredApp, refreshToken: string, extra: Record<string, string> = {}): Promise<Response> {
  const auth = clientAuth(app);
  return postForm(gw, '/auth/token', { grant_type: 'refresh_token', refresh_token: refreshToken, ...auth.form, ...extra }, { basic: auth.basic });
}

export type LaunchOptions = Omit<SignInOptions, 'username'> & {
  username: string;
  scope?: string;
  nonce?: string;
  state?: string;
  launch?: string;
  aud?: string;
  /** More authorization request parameters. */
  params?: Record<string, string>;
};

/** Authorizes `app` as `username` (sign-in and consent) and returns the code with its PKCE verifier. */
export async function authorizeCode(gw: TestGateway, app: RegisteredApp, opts: LaunchOptions): Promise<{ code: string; verifier: string }> {
  const { verifier, challenge } = pkce();
  const state = opts.state ?? 'state-123';
  const url = authorizeUrl(gw, {
    client_id: app.clientId,
    redirect_uri: app.redirectUri,
    code_challenge: challenge,
    state,
    ...(opts.scope ? { scope: opts.scope } : {}),
    ...(opts.nonce ? { nonce: opts.nonce } : {}),
    ...(opts.launch ? { launch: opts.launch } : {}),
    ...(opts.aud ? { aud: opts.aud } : {}),
    ...opts.params,
  });
  return { code: codeFrom(gw, await signInAndConsent(gw, url, opts), state), verifier };
}

/**
 * A whole standalone launch for `app`: authorize, sign in and consent as `username`, exchange the
 * code; fails the test unless the exchange answers 200. Returns the token response.
 */
export async function launch(gw: TestGateway, app: RegisteredApp, opts: LaunchOptions): Promise<Record<string, any>> {
  const { code, verifier } = await authorizeCode(gw, app, opts);
  const res = await exchangeCode(gw, app, code, verifier);
  const body = await json(res);
  expect(res.status, JSON.stringify(body)).toBe(200);
  return body;
}

/** Checks an OAuth error response (RFC 6749 §5.2): status, JSON `error`, no caching; returns the body. */
export async function expectOAuthError(res: Response, status: number, error: string): Promise<Record<string, unknown>> {
  const text = await res.text();
  expect(res.status, text).toBe(status);
  expect(res.headers.get('content-type')).toMatch(/^application\/json/);
  expect(res.headers.get('cache-control')).toContain('no-store');
  const body = JSON.parse(text);
  expect(body.error, text).toBe(error);
  if (body.error_description !== undefined) expect(typeof body.error_description).toBe('string');
  return body;
}

/** A port nobody listens on at the moment. */
export async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** A gateway listening on a real loopback port, PUBLIC_URL set to match (for clients that use real HTTP). */
export async function serveGateway(env: Record<string, string> = {}, now?: () => Date): Promise<{ gw: TestGateway; base: string; close: () => Promise<void> }> {
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const gw = await startTestGateway({ PUBLIC_URL: base, ...env }, now);
  const server = serve({ fetch: gw.app.fetch, port, hostname: '127.0.0.1' });
  await new Promise<void>((resolve) => server.once('listening', () => resolve()));
  const close = async () => {
    await new Promise((resolve) => server.close(resolve));
    await gw.close();
  };
  return { gw, base, close };
}

/** oauth4webapi request options that reach the gateway in-process (its issuer is http, hence insecure allowed). */
export function viaApp(gw: TestGateway) {
  return {
    [oauth.customFetch]: async (url: string, init: oauth.CustomFetchOptions<string, unknown>) => gw.app.request(url, init as RequestInit),
    [oauth.allowInsecureRequests]: true,
  };
}

/** The gateway's authorization server metadata, discovered and checked by oauth4webapi. */
export async function discover(gw: TestGateway): Promise<oauth.AuthorizationServer> {
  const issuer = new URL(gw.config.publicUrl);
  return oauth.processDiscoveryResponse(issuer, await oauth.discoveryRequest(issuer, viaApp(gw)));
}

import { createHmac, randomBytes } from 'node:crypto';
import type { Context, MiddlewareHandler } from 'hono';
import { getCookie } from 'hono/cookie';
import { createMiddleware } from 'hono/factory';
import type { Config } from '../config.ts';
import type { SessionRecord } from '../db/oauth-records.ts';
import type { GatewayStore, UserRecord, UserRole } from '../db/store.ts';
import type { FhirBackend } from '../fhir/interaction.ts';
import { formOf } from '../http/form-body.ts';
import type { Logger } from '../log.ts';
import { cookieNames } from '../oauth/http/flow-routes.tsx';
import { constantTimeEqual, hashSecret } from '../oauth/secrets.ts';
import { mfaRequired } from '../users/mfa.ts';
import { consolePage, ForbiddenPage } from './console-pages.tsx';

/** What every console page handler can read from the context once {@link consoleAuth} let it through. */
export type ConsoleEnv = { Variables: { user: UserRecord; session: SessionRecord; csrf: string } };

/** What the console is built from (a subset of the app's dependencies). */
export interface ConsoleDeps {
  readonly config: Config;
  readonly store: GatewayStore;
  /** The embedded FHIR store, queried with the gateway's own authority (patient search, names). */
  readonly fhir: FhirBackend;
  readonly now: () => Date;
  /** Where a failed mail delivery is reported (the message itself stays in the outbox). */
  readonly log: Logger;
}

const CSRF_KEY_SETTING = 'console.csrf-key';

/**
 * The key the console's CSRF tokens (and its signed sign-in cookies) are made with: random, created
 * once per database and kept in `settings`, so every gateway process on the database agrees.
 */
export function consoleKey(store: GatewayStore): () => Promise<Buffer> {
  let key: Promise<Buffer> | undefined;
  return () => (key ??= store.settings.getOrSet(CSRF_KEY_SETTING, randomBytes(32).toString('base64url')).then((v) => Buffer.from(v, 'base64url')));
}

/** HMAC-SHA256 of `purpose` and `value` under the console key, base64url. */
export function sign(key: Buffer, purpose: string, value: string): string {
  return createHmac('sha256', key).update(`${purpose}\n${value}`).digest('base64url');
}

/**
 * The CSRF token of a session: an HMAC of the session id, so it needs no storage, is the same on
 * every page of the session and is useless in any other session.
 */
export function csrfTokenFor(key: Buffer, session: SessionRecord): string {
  return sign(key, 'csrf', session.id);
}

/** The person signed in on this browser (the gateway's session cookie), if any and still allowed in. */
export async function signedInUser(c: Context, deps: Pick<ConsoleDeps, 'config' | 'store' | 'now'>): Promise<{ user: UserRecord; session: SessionRecord } | undefined> {
  const secret = getCookie(c, cookieNames(secureCookies(deps.config)).session);
  if (!secret) return undefined;
  const session = await deps.store.sessions.findActive(hashSecret(secret), deps.now());
  const user = session && (await deps.store.users.findById(session.userId));
  // A staff session made without the second factor the practice now requires does not open the console.
  const owesMfa = user && mfaRequired(user, deps.config.requireStaffMfa) && !user.totpSecret;
  return session && user && user.disabledAt === null && !owesMfa ? { session, user } : undefined;
}

/** Session cookies get `Secure` and the `__Host-` prefix when the gateway is served over https. */
export function secureCookies(config: Config): boolean {
  return config.publicUrl.startsWith('https:');
}

/**
 * Lets only signed-in users of `roles` through: anonymous browsers are sent to the console's
 * sign-in (303, coming back to the page afterwards), anyone else gets a 403 page. Sets `user`,
 * `session` and the session's `csrf` token on the context.
 */
export function consoleAuth(deps: Pick<ConsoleDeps, 'config' | 'store' | 'now'>, options: { roles: readonly UserRole[] }): MiddlewareHandler<ConsoleEnv> {
  const key = consoleKey(deps.store);
  return createMiddleware<ConsoleEnv>(async (c, next) => {
    c.header('Cache-Control', 'no-store');
    const current = await signedInUser(c, deps);
    if (!current) {
      const url = new URL(c.req.url);
      // Only a GET can be resumed after signing in; a POST's form is lost anyway.
      const back = c.req.method === 'GET' ? `${url.pathname}${url.search}` : '/admin/';
      return c.redirect(`/admin/sign-in?next=${encodeURIComponent(back)}`, 303);
    }
    c.set('user', current.user);
    c.set('session', current.session);
    c.set('csrf', csrfTokenFor(await key(), current.session));
    if (!options.roles.includes(current.user.role)) return consolePage(c, ForbiddenPage({ user: current.user, csrf: c.get('csrf') }), 403);
    await next();
  });
}

/**
 * Refuses state-changing requests that did not come from a console form of this session: the
 * request must be a same-origin form post (`Sec-Fetch-Site`, `Origin`, an urlencoded body — a
 * `text/plain` or typeless body is how cross-site forms slip past CSRF checks) carrying the
 * session's token in `csrf`, compared in constant time. Runs after {@link consoleAuth}.
 */
export function checkCsrf(deps: Pick<ConsoleDeps, 'config'>): MiddlewareHandler<ConsoleEnv> {
  const origin = new URL(deps.config.publicUrl).origin;
  return createMiddleware<ConsoleEnv>(async (c, next) => {
    if (c.req.method === 'GET' || c.req.method === 'HEAD') return next();
    const token = c.get('csrf');
    if (!sameOriginForm(c, origin) || !token || !constantTimeEqual((await formOf(c)).get('csrf') ?? '', token)) {
      return consolePage(c, ForbiddenPage({ user: c.get('user'), csrf: token, reason: 'csrf' }), 403);
    }
    await next();
  });
}

/** True when a POST is an urlencoded form sent by a page of this origin (or by a browser that does not say). */
export function sameOriginForm(c: Context, origin: string): boolean {
  const site = c.req.header('sec-fetch-site');
  if (site !== undefined && site !== 'same-origin' && site !== 'none') return false;
  const from = c.req.header('origin');
  // Under `Referrer-Policy: no-referrer` (ours) browsers send `Origin: null` with form posts; then
  // the browser's own Sec-Fetch-Site, which pages cannot set, must vouch for the origin.
  if (from === 'null' ? site !== 'same-origin' : from !== undefined && from !== origin) return false;
  return (c.req.header('content-type') ?? '').toLowerCase().startsWith('application/x-www-form-urlencoded');
}

import { Hono, type Context } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import { recordSignInStep } from '../audit/sign-in-audit.ts';
import type { SessionRecord } from '../db/oauth-records.ts';
import type { UserRecord } from '../db/store.ts';
import { formOf } from '../http/form-body.ts';
import { throttleAddress } from '../http/peer-address.ts';
import { cookieNames } from '../oauth/http/flow-routes.tsx';
import { constantTimeEqual, hashSecret, newSecret } from '../oauth/secrets.ts';
import { checkPassword } from '../oauth/sign-in/authenticate.ts';
import { LoginThrottle } from '../oauth/sign-in/login-throttle.ts';
import { OneTimeCodeField, UsernamePasswordFields } from '../ui/credential-fields.tsx';
import { CsrfField, Problem } from '../ui/layout.tsx';
import { MfaEnrolPage, RecoveryCodesPage } from '../ui/mfa-pages.tsx';
import { beginEnrolment, confirmEnrolment, MfaError, mfaRequired, verifySecondFactor, type Enrolment } from '../users/mfa.ts';
import { consoleKey, csrfTokenFor, sameOriginForm, secureCookies, sign, signedInUser, type ConsoleDeps } from './console-auth.ts';
import { ConsoleLayout } from './console-layout.tsx';
import { consolePage, ForbiddenPage } from './console-pages.tsx';

const SIGN_IN_MINUTES = 15;

/**
 * The console's sign-in and sign-out. Same users, same password and one-time-code checks and the
 * same throttle as the authorization flow's sign-in; it makes the same gateway session (cookie), so
 * signing in here signs the person in for apps too, and the other way round.
 *
 * Before there is a session, forms are protected by a random cookie (`…console_login`) whose HMAC is
 * the form's CSRF token. Between password and one-time code, a cookie signed with the console key
 * names the user who still owes the code (bound to that login cookie, valid 15 minutes).
 */
export function signInRoutes(deps: ConsoleDeps): Hono {
  const app = new Hono();
  const key = consoleKey(deps.store);
  const secure = secureCookies(deps.config);
  const prefix = secure ? '__Host-' : '';
  const names = { session: cookieNames(secure).session, login: `${prefix}portico_console_login`, pending: `${prefix}portico_console_mfa` };
  const origin = new URL(deps.config.publicUrl).origin;
  const throttle = new LoginThrottle(deps.store.loginThrottle);
  const cookie = (maxAge: number) => ({ path: '/', httpOnly: true, secure, sameSite: 'Lax' as const, maxAge });

  /** The login cookie (made now if the browser has none) and the CSRF token derived from it. */
  const loginToken = async (c: Context) => {
    let value = getCookie(c, names.login);
    if (!value) {
      value = newSecret();
      setCookie(c, names.login, value, cookie(SIGN_IN_MINUTES * 60));
    }
    return sign(await key(), 'login', value);
  };
  const loginTokenMatches = async (c: Context, form: URLSearchParams) => {
    const value = getCookie(c, names.login);
    return value !== undefined && sameOriginForm(c, origin) && constantTimeEqual(form.get('csrf') ?? '', sign(await key(), 'login', value));
  };
  const expired = (c: Context) => consolePage(c, ForbiddenPage({ reason: 'csrf' }), 403);

  app.use('*', async (c, next) => {
    await next();
    c.header('Cache-Control', 'no-store');
  });
  app.use('*', bodyLimit({ maxSize: 16 * 1024 }));

  app.get('/sign-in', async (c) => {
    const current = await signedInUser(c, deps);
    if (current && current.user.role !== 'patient') return c.redirect(nextPage(c.req.query('next'), current.user), 303);
    return consolePage(c, <SignInForm csrf={await loginToken(c)} next={c.req.query('next')} />);
  });

  app.post('/sign-in', async (c) => {
    const form = await formOf(c);
    if (!(await loginTokenMatches(c, form))) return expired(c);
    const next = form.get('next') ?? undefined;
    const username = form.get('username') ?? '';
    const address = throttleAddress(c);
    const result = await checkPassword(deps.store.users, throttle, { username, password: form.get('password') ?? '', address }, deps.now());
    const csrf = await loginToken(c);
    if (result.outcome !== 'ok') {
      const named = await deps.store.users.findByUsername(username.trim());
      await recordSignInStep(deps.store.audit, c, { action: 'sign-in', outcome: 'denied', user: named, detail: `console ${result.outcome === 'locked' ? 'locked' : 'invalid credentials'}` });
      const problem = result.outcome === 'locked' ? `Too many failed sign-ins. Try again in ${minutesUntil(result.until, deps.now())}.` : 'That username and password do not match.';
      return consolePage(c, <SignInForm csrf={csrf} next={next} username={username} problem={problem} />, result.outcome === 'locked' ? 429 : 400);
    }
    // MFA on, or staff who must set it up first (REQUIRE_STAFF_MFA): the password is half a sign-in.
    if (result.user.totpSecret || mfaRequired(result.user, deps.config.requireStaffMfa)) {
      setCookie(c, names.pending, await pendingValue(result.user.id, getCookie(c, names.login)!), cookie(SIGN_IN_MINUTES * 60));
      return c.redirect(`/admin/sign-in/otp${next ? `?next=${encodeURIComponent(next)}` : ''}`, 303);
    }
    return startSession(c, result.user, next);
  });

  app.get('/sign-in/otp', async (c) => {
    const login = getCookie(c, names.login);
    const user = login && (await pendingUser(getCookie(c, names.pending), login));
    if (!user) return c.redirect('/admin/sign-in', 303);
    const next = c.req.query('next');
    if (!user.totpSecret) return consolePage(c, <EnrolForm csrf={await loginToken(c)} next={next} enrolment={await beginEnrolment(deps.store, user, login)} />);
    return consolePage(c, <OneTimeCodeForm csrf={await loginToken(c)} next={next} />);
  });

  app.post('/sign-in/otp', async (c) => {
    const form = await formOf(c);
    if (!(await loginTokenMatches(c, form))) return expired(c);
    const next = form.get('next') ?? undefined;
    const csrf = await loginToken(c);
    const user = await pendingUser(getCookie(c, names.pending), getCookie(c, names.login)!);
    if (!user) return consolePage(c, <SignInForm csrf={csrf} next={next} problem="Please sign in again." />, 400);
    const now = deps.now();
    const address = throttleAddress(c);
    if (await throttle.lockedUntil(user.username, address, now)) {
      return consolePage(c, <OneTimeCodeForm csrf={csrf} next={next} problem="Too many failed attempts. Try again later." />, 429);
    }
    // A recovery code is accepted in place of the TOTP code, and used up (as in the app sign-in).
    if (!user.totpSecret) {
      // Setting MFA up: the first code from the new authenticator turns it on and completes the sign-in.
      let codes: string[];
      try {
        // Bound to this browser's login cookie: a secret shown to another browser is never the one confirmed.
        codes = await confirmEnrolment(deps.store, user, form.get('otp') ?? '', now, getCookie(c, names.login)!);
      } catch (error) {
        if (!(error instanceof MfaError)) throw error;
        if (error.reason === 'invalid-code') await throttle.recordFailure(user.username, address, now);
        const fresh = (await deps.store.users.findById(user.id))!;
        const enrolment = fresh.totpSecret ? undefined : await beginEnrolment(deps.store, fresh, getCookie(c, names.login)!);
        if (!enrolment) return c.redirect('/admin/sign-in', 303);
        return consolePage(c, <EnrolForm csrf={csrf} next={next} enrolment={enrolment} problem={error.message} />, 400);
      }
      await throttle.recordSuccess(user.username);
      await recordSignInStep(deps.store.audit, c, { action: 'mfa', outcome: 'success', user, detail: 'console enrolled' });
      deleteCookie(c, names.pending, { path: '/', secure });
      await startSession(c, user, next);
      return consolePage(c, <RecoveryCodesPage codes={codes} continueHref={nextPage(next, user)} continueLabel="Continue to the console" />);
    }
    if (!(await verifySecondFactor(deps.store.users, user, form.get('otp') ?? '', now))) {
      await throttle.recordFailure(user.username, address, now);
      await recordSignInStep(deps.store.audit, c, { action: 'mfa', outcome: 'denied', user, detail: 'console invalid credentials' });
      return consolePage(c, <OneTimeCodeForm csrf={csrf} next={next} problem="That code is not valid. Enter the current code from your authenticator app." />, 400);
    }
    await throttle.recordSuccess(user.username);
    deleteCookie(c, names.pending, { path: '/', secure });
    return startSession(c, user, next);
  });

  app.post('/sign-out', async (c) => {
    const current = await signedInUser(c, deps);
    const form = await formOf(c);
    if (current) {
      const token = csrfTokenFor(await key(), current.session);
      if (!sameOriginForm(c, origin) || !constantTimeEqual(form.get('csrf') ?? '', token)) return expired(c);
      await deps.store.sessions.end(current.session.id, deps.now());
      await recordSignInStep(deps.store.audit, c, { action: 'sign-out', outcome: 'success', user: current.user, detail: 'console' });
    }
    deleteCookie(c, names.session, { path: '/', secure });
    return c.redirect('/admin/sign-in', 303);
  });

  /** A new gateway session for `user` (as the authorization flow makes one), then on to the page asked for. */
  async function startSession(c: Context, user: UserRecord, next: string | undefined): Promise<Response> {
    const now = deps.now();
    const secret = newSecret();
    const session: SessionRecord = { id: hashSecret(secret), userId: user.id, createdAt: now, expiresAt: new Date(now.getTime() + deps.config.lifetimes.session * 1000), endedAt: null };
    await deps.store.sessions.insert(session);
    await recordSignInStep(deps.store.audit, c, { action: 'sign-in', outcome: 'success', user, detail: 'console' });
    setCookie(c, names.session, secret, cookie(deps.config.lifetimes.session));
    deleteCookie(c, names.login, { path: '/', secure });
    return c.redirect(nextPage(next, user), 303);
  }

  async function pendingValue(userId: string, login: string): Promise<string> {
    const expires = deps.now().getTime() + SIGN_IN_MINUTES * 60_000;
    return `${userId}.${expires}.${sign(await key(), 'mfa-pending', `${userId}.${expires}.${login}`)}`;
  }

  async function pendingUser(value: string | undefined, login: string): Promise<UserRecord | undefined> {
    const [userId = '', expires = '', mac = ''] = (value ?? '').split('.');
    if (!constantTimeEqual(mac, sign(await key(), 'mfa-pending', `${userId}.${expires}.${login}`)) || Number(expires) <= deps.now().getTime()) return undefined;
    const user = await deps.store.users.findById(userId);
    return user && user.disabledAt === null && (user.totpSecret || mfaRequired(user, deps.config.requireStaffMfa)) ? user : undefined;
  }

  return app;
}

/** Where to go after signing in: the console page asked for (same-origin paths under /admin only), else the role's home. */
export function nextPage(next: string | undefined, user: UserRecord): string {
  if (next && /^\/admin\/[^/\\]/.test(next) && !next.startsWith('/admin/sign-')) return next;
  return user.role === 'practitioner' ? '/admin/launch' : '/admin/apps';
}

function minutesUntil(until: Date, now: Date): string {
  const minutes = Math.max(1, Math.ceil((until.getTime() - now.getTime()) / 60_000));
  return `${minutes} minute${minutes === 1 ? '' : 's'}`;
}

function NextField(props: { next?: string }) {
  return props.next ? <input type="hidden" name="next" value={props.next} /> : null;
}

function SignInForm(props: { csrf: string; next?: string; username?: string; problem?: string }) {
  return (
    <ConsoleLayout title="Sign in">
      <h1>Sign in to the Portico console</h1>
      <p class="muted">For practice staff. Patients sign in to the patient portal.</p>
      <Problem message={props.problem} />
      <form method="post" action="/admin/sign-in">
        <CsrfField token={props.csrf} />
        <NextField next={props.next} />
        <UsernamePasswordFields username={props.username} />
        <button type="submit">Sign in</button>
      </form>
    </ConsoleLayout>
  );
}

function EnrolForm(props: { csrf: string; next?: string; enrolment: Enrolment; problem?: string }) {
  return <MfaEnrolPage action="/admin/sign-in/otp" csrf={props.csrf} enrolment={props.enrolment} required problem={props.problem} hidden={props.next ? { next: props.next } : {}} />;
}

function OneTimeCodeForm(props: { csrf: string; next?: string; problem?: string }) {
  return (
    <ConsoleLayout title="Verification code">
      <h1>Enter your verification code</h1>
      <p class="muted">Open your authenticator app and enter the 6-digit code it shows for Portico. Lost your phone? Enter one of your recovery codes instead.</p>
      <Problem message={props.problem} />
      <form method="post" action="/admin/sign-in/otp">
        <CsrfField token={props.csrf} />
        <NextField next={props.next} />
        <OneTimeCodeField />
        <button type="submit">Verify</button>
      </form>
    </ConsoleLayout>
  );
}

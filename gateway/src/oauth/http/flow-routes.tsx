import { Hono, type Context } from 'hono';
import { getCookie, setCookie } from 'hono/cookie';
import type { AuthorizationRequestRecord, GrantDuration, SessionRecord } from '../../db/oauth-records.ts';
import type { UserRecord } from '../../db/store.ts';
import { formOf } from '../../http/form-body.ts';
import { throttleAddress } from '../../http/peer-address.ts';
import { ConsentPage } from '../../ui/consent-page.tsx';
import { ErrorPage } from '../../ui/error-page.tsx';
import { PatientPickerPage, type PatientChoice } from '../../ui/patient-picker-page.tsx';
import { OneTimeCodePage, SignInPage } from '../../ui/sign-in-page.tsx';
import { MfaEnrolPage, RecoveryCodesPage } from '../../ui/mfa-pages.tsx';
import { recordAudit, requestOrigin } from '../../audit/record-audit.ts';
import { beginEnrolment } from '../../users/mfa.ts';
import { RedirectableError, validateAuthorizationRequest, type AuthorizeDeps } from '../authorize/authorization-request.ts';
import { confirmMfaInFlow, decide, findFlow, FlowProblem, nextStep, offeredScopes, pickPatient, signIn, startFlow, verifyOneTimeCode, type FlowDeps } from '../authorize/flow.ts';
import { redirectWithParams } from '../authorize/redirect.ts';
import { OAuthError } from '../errors.ts';
import { auditedSignIn } from '../../audit/sign-in-audit.ts';
import { constantTimeEqual, hashSecret } from '../secrets.ts';

export interface FlowRoutesDeps extends FlowDeps, AuthorizeDeps {
  readonly secureCookies: boolean;
  /** Patients a clinician may choose from, by name (empty query: the first few). */
  readonly searchPatients: (query: string) => Promise<PatientChoice[]>;
  readonly patientExists: (id: string) => Promise<boolean>;
  readonly displayName: (fhirUser: string) => Promise<string | null>;
}

const GRANT_DURATIONS: readonly GrantDuration[] = ['session', '30d', 'forever'];

/**
 * The authorization endpoint (GET and POST, RFC 6749 §4.1.1) and the pages a person goes through:
 * sign-in, one-time code, patient picker, consent. Thin: every decision is in ../authorize.
 */
export function flowRoutes(deps: FlowRoutesDeps): Hono {
  const cookies = cookieNames(deps.secureCookies);
  const app = new Hono();

  // Only these pages: the sub-app is mounted at the root of /auth, where '*' would reach every route.
  const noStore = async (c: Context, next: () => Promise<void>) => {
    await next();
    c.header('Cache-Control', 'no-store');
  };
  app.use('/authorize', noStore);
  app.use('/flow/*', noStore);

  const authorize = async (c: Context, params: URLSearchParams) => {
    let request;
    try {
      request = await validateAuthorizationRequest(params, deps);
    } catch (error) {
      if (error instanceof RedirectableError) {
        return c.redirect(
          redirectWithParams(error.redirectUri, { error: error.code, error_description: error.description, state: error.state, iss: deps.issuer }),
          302,
        );
      }
      if (error instanceof OAuthError) {
        return c.html(<ErrorPage title="This app cannot sign you in" message={error.description} />, 400);
      }
      throw error;
    }
    const { flow, bindingSecret } = await startFlow(request, await signedIn(c), deps);
    setCookie(c, cookies.flow(flow.id), bindingSecret, cookieOptions(deps.secureCookies, deps.lifetimes.authorizationFlow));
    return c.redirect(`/auth/flow/${flow.id}`, 303);
  };

  app.get('/authorize', (c) => authorize(c, new URL(c.req.url).searchParams));
  app.post('/authorize', async (c) => authorize(c, await formOf(c)));

  /** Loads the flow this browser is in, or answers with an error page. */
  const withFlow = async (c: Context, handle: (flow: AuthorizationRequestRecord, user: UserRecord | undefined) => Promise<Response>) => {
    const id = c.req.param('id') ?? '';
    const flow = await findFlow(id, getCookie(c, cookies.flow(id)), deps);
    if (!flow) {
      return c.html(
        <ErrorPage title="This sign-in has expired" message="Go back to the app and start again. Sign-in links work for 15 minutes, in the browser that opened them." />,
        400,
      );
    }
    const user = flow.userId ? await deps.store.users.findById(flow.userId) : undefined;
    return handle(flow, user);
  };

  const render = async (c: Context, flow: AuthorizationRequestRecord, user: UserRecord | undefined, problem?: string) => {
    const client = await deps.store.clients.findById(flow.clientId);
    const appName = client?.name ?? 'this app';
    const step = await nextStep(flow, user, deps.store.users);
    const base = `/auth/flow/${flow.id}`;
    switch (step) {
      case 'sign-in':
        return c.html(<SignInPage action={`${base}/sign-in`} csrf={flow.csrf} appName={appName} problem={problem} />, problem ? 400 : 200);
      case 'one-time-code':
        return c.html(<OneTimeCodePage action={`${base}/otp`} csrf={flow.csrf} problem={problem} />, problem ? 400 : 200);
      case 'enrol-mfa': {
        const pending = await deps.store.users.findById(flow.pendingUserId!);
        if (!pending) return c.redirect(`/auth/flow/${flow.id}`, 303);
        return c.html(<MfaEnrolPage action={`${base}/enrol-mfa`} csrf={flow.csrf} enrolment={await beginEnrolment(deps.store, pending, flow.id)} required problem={problem} />, problem ? 400 : 200);
      }
      case 'pick-patient': {
        const query = c.req.query('q') ?? '';
        const patients = await deps.searchPatients(query);
        return c.html(
          <PatientPickerPage action={`${base}/patient`} searchAction={base} csrf={flow.csrf} appName={appName} query={query} patients={patients} problem={problem} />,
          problem ? 400 : 200,
        );
      }
      case 'consent': {
        const scopes = offeredScopes(flow, user);
        // The consent form's POST ends in a redirect to the app: CSP form-action must allow its origin.
        c.header('Content-Security-Policy', pageCsp(flow.redirectUri, client?.logoUri ?? null));
        return c.html(
          <ConsentPage
            action={`${base}/consent`}
            csrf={flow.csrf}
            appName={appName}
            policyUri={client?.policyUri ?? null}
            logoUri={client?.logoUri ?? null}
            privacyAttestation={client?.privacyAttestation ?? null}
            userName={(user?.fhirUser && (await deps.displayName(user.fhirUser))) || user?.username || ''}
            patientName={flow.patientId ? await deps.displayName(`Patient/${flow.patientId}`) : null}
            scopes={scopes}
            defaultDuration={scopes.some((s) => s.kind === 'offline_access') ? 'forever' : 'session'}
            problem={problem}
          />,
          problem ? 400 : 200,
        );
      }
    }
  };

  app.get('/flow/:id', (c) => withFlow(c, (flow, user) => render(c, flow, user)));

  /** Every POST of the flow: CSRF token checked, a problem re-renders the step with its message. */
  const step = (path: string, act: (c: Context, flow: AuthorizationRequestRecord, form: URLSearchParams, user: UserRecord | undefined) => Promise<Response | void>) =>
    app.post(`/flow/:id/${path}`, (c) =>
      withFlow(c, async (flow, user) => {
        const form = await formOf(c);
        if (!constantTimeEqual(form.get('csrf') ?? '', flow.csrf)) {
          return c.html(<ErrorPage title="This form has expired" message="Reload the page and try again." />, 403);
        }
        try {
          return (await act(c, flow, form, user)) ?? c.redirect(`/auth/flow/${flow.id}`, 303);
        } catch (error) {
          if (!(error instanceof FlowProblem)) throw error;
          const fresh = (await deps.store.authorizationRequests.find(flow.id)) ?? flow;
          return render(c, fresh, fresh.userId ? await deps.store.users.findById(fresh.userId) : undefined, error.message);
        }
      }),
    );

  step('sign-in', async (c, flow, form) => {
    const username = form.get('username') ?? '';
    const user = () => deps.store.users.findByUsername(username.trim());
    const { sessionSecret } = await auditedSignIn(deps.store.audit, c, { action: 'sign-in', clientId: flow.clientId, user }, () =>
      signIn(flow, { username, password: form.get('password') ?? '', address: throttleAddress(c) }, deps),
    );
    if (sessionSecret) setCookie(c, cookies.session, sessionSecret, cookieOptions(deps.secureCookies, deps.lifetimes.session));
  });
  step('otp', async (c, flow, form) => {
    const user = async () => (flow.pendingUserId ? deps.store.users.findById(flow.pendingUserId) : undefined);
    const { sessionSecret } = await auditedSignIn(deps.store.audit, c, { action: 'mfa', clientId: flow.clientId, user }, () =>
      verifyOneTimeCode(flow, form.get('otp') ?? '', throttleAddress(c), deps),
    );
    setCookie(c, cookies.session, sessionSecret, cookieOptions(deps.secureCookies, deps.lifetimes.session));
  });
  step('enrol-mfa', async (c, flow, form) => {
    const { sessionSecret, recoveryCodes, user } = await confirmMfaInFlow(flow, form.get('otp') ?? '', throttleAddress(c), deps);
    await recordAudit(deps.store.audit, { category: 'login', action: 'mfa', outcome: 'success', userId: user.id, fhirUser: user.fhirUser, clientId: flow.clientId, detail: 'enrolled', ...requestOrigin(c) });
    setCookie(c, cookies.session, sessionSecret, cookieOptions(deps.secureCookies, deps.lifetimes.session));
    return c.html(<RecoveryCodesPage codes={recoveryCodes} continueHref={`/auth/flow/${flow.id}`} continueLabel="Continue" />);
  });
  step('patient', async (_c, flow, form, user) => {
    if (!user) throw new FlowProblem('Please sign in first.');
    await pickPatient(flow, user, form.get('patient') ?? '', deps.patientExists, deps);
  });
  step('consent', async (c, flow, form, user) => {
    if (!user || (await nextStep(flow, user)) !== 'consent') return c.redirect(`/auth/flow/${flow.id}`, 303);
    const duration = form.get('duration') as GrantDuration;
    const decision = form.get('decision');
    if (decision !== 'allow' && decision !== 'deny') throw new FlowProblem('Choose Allow or Deny.');
    const target = await decide(flow, { allow: decision === 'allow', scopes: form.getAll('scope'), duration: GRANT_DURATIONS.includes(duration) ? duration : 'session' }, deps);
    return c.redirect(target, 302);
  });

  /** The person signed in on this browser, from the session cookie. */
  async function signedIn(c: Context): Promise<{ session: SessionRecord; user: UserRecord } | undefined> {
    const secret = getCookie(c, cookies.session);
    if (!secret) return undefined;
    const session = await deps.store.sessions.findActive(hashSecret(secret), deps.now());
    const user = session && (await deps.store.users.findById(session.userId));
    return session && user && user.disabledAt === null ? { session, user } : undefined;
  }

  return app;
}

/** `__Host-` names (https only) pin a cookie to this exact origin: no subdomain can set or read it. */
export function cookieNames(secure: boolean) {
  const prefix = secure ? '__Host-' : '';
  return {
    session: `${prefix}portico_session`,
    flow: (id: string) => `${prefix}portico_flow_${id.slice(0, 12)}`,
  };
}

function cookieOptions(secure: boolean, maxAgeSeconds: number) {
  return { path: '/', httpOnly: true, secure, sameSite: 'Lax' as const, maxAge: maxAgeSeconds };
}

function pageCsp(redirectUri: string, logoUri: string | null): string {
  const url = new URL(redirectUri);
  const target = url.protocol === 'http:' || url.protocol === 'https:' ? url.origin : url.protocol;
  // The app's logo (https, or http on loopback: checked at registration) is the one image from elsewhere.
  const images = logoUri ? `; img-src 'self' ${new URL(logoUri).origin}` : '';
  return `default-src 'self'; frame-ancestors 'none'; object-src 'none'; base-uri 'none'; form-action 'self' ${target}${images}`;
}

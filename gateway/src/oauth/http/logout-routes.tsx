import { Hono, type Context } from 'hono';
import { deleteCookie, getCookie } from 'hono/cookie';
import { recordAudit, requestOrigin } from '../../audit/record-audit.ts';
import { formOf } from '../../http/form-body.ts';
import { ErrorPage } from '../../ui/error-page.tsx';
import { LogoutConfirmPage, SignedOutPage } from '../../ui/logout-pages.tsx';
import { logOutWithHint, logoutCsrf, LogoutProblem, postLogoutRedirect, readLogoutRequest, verifyIdTokenHint, type LogoutDeps, type LogoutRequest } from '../logout.ts';
import { constantTimeEqual, hashSecret } from '../secrets.ts';
import { cookieNames } from './flow-routes.tsx';

export interface LogoutRoutesDeps extends LogoutDeps {
  readonly secureCookies: boolean;
}

const PAGE_CSP = "default-src 'self'; frame-ancestors 'none'; object-src 'none'; base-uri 'none'";

/**
 * `GET|POST /auth/logout` (the `end_session_endpoint`, OpenID Connect RP-Initiated Logout 1.0).
 * Thin: the decisions are in ../logout.ts.
 */
export function logoutRoutes(deps: LogoutRoutesDeps): Hono {
  const sessionCookie = cookieNames(deps.secureCookies).session;
  const app = new Hono();

  app.on(['GET', 'POST'], '/logout', async (c) => {
    c.header('Cache-Control', 'no-store');
    const params = c.req.method === 'GET' ? new URL(c.req.url).searchParams : await formOf(c);
    let request: LogoutRequest;
    try {
      request = readLogoutRequest(params);
    } catch (error) {
      if (error instanceof LogoutProblem) return page(c, <ErrorPage title="This sign-out link is not valid" message={error.message} />, 400);
      throw error;
    }
    const secret = getCookie(c, sessionCookie);
    const browserSession = secret ? await deps.store.sessions.findActive(hashSecret(secret), deps.now()) : undefined;
    const clearCookie = () => deleteCookie(c, sessionCookie, { path: '/', secure: deps.secureCookies, httpOnly: true, sameSite: 'Lax' });

    const hint = request.idTokenHint ? await verifyIdTokenHint(request.idTokenHint, deps) : undefined;
    if (hint) {
      if (request.clientId !== undefined && request.clientId !== hint.clientId) {
        return page(c, <ErrorPage title="This sign-out link is not valid" message="client_id does not match the app the id_token was issued to." />, 400);
      }
      const { browserSessionEnded } = await logOutWithHint(hint, browserSession, deps);
      if (browserSessionEnded || (secret && !browserSession)) clearCookie();
      await audited(c, { userId: hint.sub, clientId: hint.clientId, grantId: hint.grantId ?? null, detail: 'id_token_hint' });
      return finish(c, hint.clientId, request);
    }

    // No valid hint: nobody signed in here has nothing to confirm; otherwise a CSRF-checked confirmation.
    if (!browserSession || !secret) {
      if (secret) clearCookie();
      return finish(c, request.clientId, request);
    }
    if (c.req.method === 'POST' && params.get('confirm') === 'yes') {
      if (!constantTimeEqual(params.get('csrf') ?? '', logoutCsrf(secret))) {
        return page(c, <ErrorPage title="This form has expired" message="Reload the page and try again." />, 403);
      }
      await deps.store.sessions.end(browserSession.id, deps.now());
      clearCookie();
      await audited(c, { userId: browserSession.userId, clientId: request.clientId ?? null, detail: 'confirmed' });
      return finish(c, request.clientId, request);
    }
    const target = await postLogoutRedirect(request.clientId, request, deps.store);
    // The form's POST may end in a redirect to the app: CSP form-action must allow its origin.
    c.header('Content-Security-Policy', `${PAGE_CSP}; form-action 'self'${target ? ` ${new URL(target).origin}` : ''}`);
    return page(
      c,
      <LogoutConfirmPage
        action="/auth/logout"
        csrf={logoutCsrf(secret)}
        carry={{ clientId: request.clientId, postLogoutRedirectUri: target ? request.postLogoutRedirectUri : undefined, state: request.state }}
      />,
    );
  });

  /** The audit trail's `login`/`sign-out` row, written before the answer leaves. */
  function audited(c: Context, who: { userId: string; clientId: string | null; grantId?: string | null; detail: string }) {
    return recordAudit(deps.store.audit, { category: 'login', action: 'sign-out', outcome: 'success', ...who, ...requestOrigin(c) });
  }

  /** To the app's registered post-logout URI, or the signed-out page. */
  async function finish(c: Context, clientId: string | undefined, request: LogoutRequest): Promise<Response> {
    const target = await postLogoutRedirect(clientId, request, deps.store);
    if (target) return c.redirect(target, 303);
    return page(c, <SignedOutPage />);
  }

  return app;
}

function page(c: Context, body: unknown, status: 200 | 400 | 403 = 200): Response | Promise<Response> {
  return c.html(body as never, status);
}

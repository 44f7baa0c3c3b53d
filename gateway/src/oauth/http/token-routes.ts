import { Hono, type Context } from 'hono';
import type { Lifetimes } from '../../config.ts';
import type { GatewayStore } from '../../db/store.ts';
import { corsPreflight } from '../../http/cors.ts';
import { NO_STORE_HEADERS } from '../../http/headers.ts';
import { BodyTooLargeError, readBodyText } from '../../http/read-body.ts';
import type { AssertionDeps } from '../client-assertion.ts';
import { authenticateClient, type AuthenticatedClient } from '../client-auth.ts';
import { invalidRequest, InvalidClientError, OAuthError } from '../errors.ts';
import { issueBackendToken } from '../grants/client-credentials.ts';
import { exchangeAuthorizationCode } from '../grants/authorization-code.ts';
import { refreshAccessToken } from '../grants/refresh-token.ts';
import type { GrantContext } from '../grants/context.ts';
import { introspect } from '../introspection.ts';
import { revokeToken } from '../revocation.ts';
import { hashSecret } from '../secrets.ts';
import { recordTokenIssued, recordTokenRefused, recordTokenRevoked } from '../../audit/token-audit.ts';
import type { AccessTokenClaims } from '../tokens/access-token.ts';
import type { IssueDeps } from '../tokens/token-response.ts';

export interface TokenRoutesDeps {
  readonly store: GatewayStore;
  readonly assertion: AssertionDeps;
  readonly issue: IssueDeps;
  readonly lifetimes: Lifetimes;
  readonly verifyAccessToken: (token: string) => Promise<AccessTokenClaims>;
  readonly issuer: string;
  readonly now: () => Date;
  readonly apiHeaders: Readonly<Record<string, string>>;
}

const MAX_FORM_BYTES = 64 * 1024;

const GRANTS: Record<string, (context: GrantContext) => Promise<unknown>> = {
  authorization_code: exchangeAuthorizationCode,
  refresh_token: refreshAccessToken,
  client_credentials: issueBackendToken,
};

/**
 * The token endpoint (RFC 6749 §3.2), introspection (RFC 7662) and revocation (RFC 7009): form posts
 * from apps and servers — no cookies, no CSRF token, CORS open (tokens are not ambient credentials),
 * `Cache-Control: no-store` on every answer. Errors are RFC 6749 JSON (see http/errors.ts).
 */
export function tokenRoutes(deps: TokenRoutesDeps): Hono {
  const app = new Hono();
  // Mounted at the root of /auth: middleware on '*' would also reach the pages and the style document.
  const endpoints = ['/token', '/introspect', '/revoke'];
  // Every answer of these endpoints — errors too, see http/errors.ts — carries these headers, built
  // in one plain object: touching the response's headers afterwards would cost each request a
  // WHATWG Headers object.
  const headers = { ...deps.apiHeaders, ...NO_STORE_HEADERS };
  // Only these endpoints are called from browser apps' scripts; /authorize is a navigation, no CORS.
  app.on('OPTIONS', endpoints, corsPreflight({ allowMethods: ['POST', 'OPTIONS'], allowHeaders: ['Authorization', 'Content-Type', 'Accept'] }));

  // RFC 6749 §3.2: the endpoints take POST only; anything else is told so, not given a 404.
  app.on(['GET', 'PUT', 'PATCH', 'DELETE'], endpoints, (c) =>
    c.json(invalidRequest(`${c.req.method} is not allowed here; use POST`).toJSON(), 405, { ...headers, Allow: 'POST, OPTIONS' }),
  );

  app.post('/token', async (c) => {
    const form = await readForm(c);
    let clientId: string | undefined;
    try {
      const handler = GRANTS[form.get('grant_type') ?? ''];
      if (!form.get('grant_type')) throw invalidRequest('grant_type is required');
      // Before client authentication: an unknown grant type is the answer whoever asks (RFC 6749 §5.2).
      if (!handler) throw new OAuthError('unsupported_grant_type', 'grant_type must be authorization_code, refresh_token or client_credentials');
      const owner = await refreshTokenOwner(form, deps.store);
      clientId = owner;
      const client = await authenticateClient(form, c.req.header('authorization'), deps.assertion, owner);
      clientId = client.client.clientId;
      const response = await handler({ client, form, store: deps.store, issue: deps.issue, lifetimes: deps.lifetimes, now: deps.now });
      // The tokens leave only once their audit row is written.
      await recordTokenIssued(deps.store.audit, c, form.get('grant_type')!, response);
      return c.json(response, 200, headers);
    } catch (error) {
      if (error instanceof OAuthError) await recordTokenRefused(deps.store.audit, c, form, clientId, error);
      throw error;
    }
  });

  app.post('/introspect', async (c) => {
    const form = await readForm(c);
    await authorizeIntrospection(c, form, deps);
    return c.json(await introspect(form.get('token') ?? '', deps), 200, headers);
  });

  app.post('/revoke', async (c) => {
    const form = await readForm(c);
    const { client } = await authenticateClient(form, c.req.header('authorization'), deps.assertion);
    if (form.get('token') === null) throw invalidRequest('token is required');
    const revoked = await revokeToken(client, form.get('token')!, deps);
    if (revoked) await recordTokenRevoked(deps.store.audit, c, revoked);
    return c.body(null, 200, headers);
  });

  return app;
}

/**
 * Introspection is for confidential clients and backend services: client authentication, or (SMART
 * 2.2) a bearer access token of such a client. Public apps cannot introspect.
 */
async function authorizeIntrospection(c: Context, form: URLSearchParams, deps: TokenRoutesDeps): Promise<void> {
  const authorization = c.req.header('authorization');
  if (authorization && /^bearer /i.test(authorization)) {
    try {
      const claims = await deps.verifyAccessToken(authorization.slice(7).trim());
      const client = await deps.store.clients.findById(claims.client_id);
      if (client && client.type !== 'public') return;
    } catch {
      // Falls through to the refusal below.
    }
    throw new InvalidClientError('Introspection needs a confidential client or a backend service token');
  }
  const { client }: AuthenticatedClient = await authenticateClient(form, authorization, deps.assertion);
  if (client.type === 'public') throw new InvalidClientError('Public clients cannot introspect tokens');
}

/**
 * The client a presented refresh token was issued to. A public client may refresh without naming
 * itself (RFC 6749 §6 asks only confidential clients to authenticate, and fhirclient sends no
 * client_id), so the token's own client stands in; a confidential one must still authenticate.
 */
async function refreshTokenOwner(form: URLSearchParams, store: GatewayStore): Promise<string | undefined> {
  const token = form.get('grant_type') === 'refresh_token' ? form.get('refresh_token') : null;
  return token ? (await store.refreshTokens.find(hashSecret(token)))?.clientId : undefined;
}

/** The form body: application/x-www-form-urlencoded only, each parameter at most once (RFC 6749 §3.2). */
async function readForm(c: Context): Promise<URLSearchParams> {
  const type = (c.req.header('content-type') ?? '').split(';')[0]!.trim().toLowerCase();
  if (type !== 'application/x-www-form-urlencoded') throw invalidRequest('Send the parameters as application/x-www-form-urlencoded');
  let text: string;
  try {
    text = await readBodyText(c, MAX_FORM_BYTES);
  } catch (error) {
    if (error instanceof BodyTooLargeError) throw new OAuthError('invalid_request', 'The request body is too large', 413);
    throw error;
  }
  const form = new URLSearchParams(text);
  const seen = new Set<string>();
  for (const [name] of form) {
    if (seen.has(name)) throw invalidRequest(`${name} must not be repeated`);
    seen.add(name);
  }
  return form;
}

import { Hono, type Context } from 'hono';
import { requestOrigin } from '../audit/record-audit.ts';
import { BodyTooLargeError, readBodyText } from '../http/read-body.ts';
import { NO_STORE_HEADERS, withHeaders } from '../http/headers.ts';
import type { AccessTokenClaims } from '../oauth/tokens/access-token.ts';
import type { ConnectedAppsDeps, PatientActor } from './context.ts';
import { ConnectedAppsError } from './errors.ts';
import { listConnectedApps } from './list-connected-apps.ts';
import { requirePortalToken, type PortalTokenEnv } from './portal-token.ts';
import { removeScope } from './remove-scope.ts';
import { revokeApp } from './revoke-app.ts';

export interface ConnectedAppsRoutesDeps extends ConnectedAppsDeps {
  readonly verifyAccessToken: (token: string) => Promise<AccessTokenClaims>;
  /** Security headers of JSON API responses; CORS headers among them are dropped (only the portal, same origin, calls). */
  readonly headers: Readonly<Record<string, string>>;
  readonly fhirBaseUrl: string;
}

const MAX_BODY_BYTES = 4096;

/**
 * The connected-apps API the portal's "Connected apps" page calls (`shared/src/portal/connected-apps.ts`),
 * mounted at `/api/me`: the patient's apps, revoking one, taking one scope away.
 */
export function connectedAppsRoutes(deps: ConnectedAppsRoutesDeps): Hono<PortalTokenEnv> {
  const headers = { ...sameOrigin(deps.headers), ...NO_STORE_HEADERS };
  const actor = (c: Context<PortalTokenEnv>): PatientActor => {
    const token = c.get('portalToken');
    return {
      userId: token.sub,
      patientId: token.patient,
      fhirUser: token.fhirUser?.startsWith(`${deps.fhirBaseUrl}/`) ? token.fhirUser.slice(deps.fhirBaseUrl.length + 1) : null,
      ...requestOrigin(c),
    };
  };

  return new Hono<PortalTokenEnv>()
    .use('*', withHeaders(headers))
    .use('*', requirePortalToken(deps.verifyAccessToken))
    .get('/apps', async (c) => c.json({ apps: await listConnectedApps(deps, c.get('portalToken').patient) }))
    .post('/apps/:clientId/revoke', async (c) => c.json(await revokeApp(deps, actor(c), c.req.param('clientId'))))
    .post('/apps/:clientId/remove-scope', async (c) => {
      const scope = await scopeOf(c);
      return c.json(await removeScope(deps, actor(c), c.req.param('clientId'), scope));
    })
    .all('*', () => {
      throw new ConnectedAppsError('not_found', 'No such connected-apps request');
    })
    .onError((error, c) => {
      if (!(error instanceof ConnectedAppsError)) throw error;
      // RFC 6750 §3: refusals of the token name the scheme, and why.
      const challenge: Record<string, string> = {};
      if (error.noCredentials) challenge['WWW-Authenticate'] = 'Bearer realm="portico"';
      else if (error.status === 401 || error.status === 403) {
        challenge['WWW-Authenticate'] = `Bearer realm="portico", error="${error.code}", error_description="${error.description.replace(/"/g, "'")}"`;
      }
      return c.json(error.toJSON(), error.status, challenge);
    });
}

/** `{"scope": "…"}` from a JSON body. */
async function scopeOf(c: Context): Promise<string> {
  let text: string;
  try {
    text = await readBodyText(c, MAX_BODY_BYTES);
  } catch (error) {
    if (error instanceof BodyTooLargeError) throw new ConnectedAppsError('invalid_request', error.message);
    throw error;
  }
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw new ConnectedAppsError('invalid_request', 'The body must be JSON: {"scope": "…"}');
  }
  const scope = (body as { scope?: unknown } | null)?.scope;
  if (typeof scope !== 'string') throw new ConnectedAppsError('invalid_request', 'The body must name the scope to remove: {"scope": "…"}');
  return scope;
}

function sameOrigin(headers: Readonly<Record<string, string>>): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).filter(([name]) => !name.toLowerCase().startsWith('access-control-')));
}

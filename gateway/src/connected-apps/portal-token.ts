import { createMiddleware } from 'hono/factory';
import { PORTAL_CLIENT_ID } from '@portico/shared/portal/portal-client';
import { InvalidTokenError, type AccessTokenClaims } from '../oauth/tokens/access-token.ts';
import { ConnectedAppsError } from './errors.ts';

export type PortalTokenEnv = { Variables: { portalToken: AccessTokenClaims & { readonly patient: string }; requestId: string } };

/**
 * Lets through only a live access token the portal holds for a patient (RFC 6750 §2.1, header only):
 * an app's patient token must not manage the patient's other apps, nor a clinician's anyone's.
 */
export function requirePortalToken(verify: (token: string) => Promise<AccessTokenClaims>) {
  return createMiddleware<PortalTokenEnv>(async (c, next) => {
    const header = c.req.header('authorization');
    if (header === undefined || !/^bearer /i.test(header)) {
      throw new ConnectedAppsError('invalid_token', 'A bearer access token from the portal is required', true);
    }
    const match = /^Bearer +([A-Za-z0-9\-._~+/]+=*) *$/i.exec(header);
    if (!match) throw new ConnectedAppsError('invalid_token', 'The Authorization header must be "Bearer <token>"');
    let claims: AccessTokenClaims;
    try {
      claims = await verify(match[1]!);
    } catch (error) {
      if (error instanceof InvalidTokenError) throw new ConnectedAppsError('invalid_token', error.message);
      throw error;
    }
    if (claims.client_id !== PORTAL_CLIENT_ID || claims.patient === undefined) {
      throw new ConnectedAppsError('insufficient_scope', 'Only the patient portal may manage connected apps');
    }
    c.set('portalToken', { ...claims, patient: claims.patient });
    await next();
  });
}

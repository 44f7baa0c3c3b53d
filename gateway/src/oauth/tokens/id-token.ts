import { createHash } from 'node:crypto';
import { signCompactJws } from '../../keys/jws.ts';
import type { KeyRing } from '../../keys/key-ring.ts';

export interface IdTokenClaims {
  readonly sub: string;
  readonly clientId: string;
  readonly nonce: string | null;
  /** Absolute URL of the user's FHIR resource, when `fhirUser` was granted. */
  readonly fhirUser: string | null;
  readonly authTime: Date | null;
  /** The gateway sign-in session the token was issued in (becomes `sid`). */
  readonly sessionId?: string | null;
  /** The grant the token was issued with: RP-initiated logout revokes it (oauth/logout.ts). */
  readonly grantId?: string;
}

/**
 * The id_token's `sid` (OpenID Connect Front-Channel Logout 1.0 §3) for a session: a hash of the
 * session's id, so the token names the session without carrying anything that could be used as
 * its cookie (the session id is itself the SHA-256 of the cookie's secret).
 */
export function sessionSid(sessionId: string): string {
  return createHash('sha256').update(`sid:${sessionId}`).digest('base64url').slice(0, 32);
}

/**
 * An OpenID Connect id_token (OIDC Core §2), signed RS256 with the current RSA key and its `kid`
 * (SMART requires RS256; several RSA keys live during a rotation, so the kid is always set).
 */
export async function signIdToken(keys: KeyRing, settings: { issuer: string; now: () => Date }, claims: IdTokenClaims, lifetimeSeconds: number): Promise<string> {
  const iat = Math.floor(settings.now().getTime() / 1000);
  const { kid, key } = await keys.signingKey('RS256');
  const payload = {
    iss: settings.issuer,
    sub: claims.sub,
    aud: claims.clientId,
    iat,
    exp: iat + lifetimeSeconds,
    ...(claims.nonce ? { nonce: claims.nonce } : {}),
    ...(claims.fhirUser ? { fhirUser: claims.fhirUser } : {}),
    ...(claims.authTime ? { auth_time: Math.floor(claims.authTime.getTime() / 1000) } : {}),
    ...(claims.sessionId ? { sid: sessionSid(claims.sessionId) } : {}),
    ...(claims.grantId ? { grant_id: claims.grantId } : {}),
  };
  return signCompactJws({ alg: 'RS256', kid, typ: 'JWT' }, payload, key);
}

import { randomUUID } from 'node:crypto';
import { errors as joseErrors, jwtVerify, type JWTPayload } from 'jose';
import { signCompactJws } from '../../keys/jws.ts';
import type { KeyRing } from '../../keys/key-ring.ts';

/** The claims of a Portico access token (a JWT profiled after RFC 9068). */
export interface AccessTokenClaims {
  readonly iss: string;
  readonly aud: string;
  readonly sub: string;
  readonly client_id: string;
  readonly scope: string;
  readonly jti: string;
  readonly iat: number;
  readonly exp: number;
  readonly patient?: string;
  readonly encounter?: string;
  readonly fhirUser?: string;
  /** The grant this token was issued under; revoking the grant kills the token. */
  readonly grant_id: string;
}

export type AccessTokenContent = Omit<AccessTokenClaims, 'iss' | 'aud' | 'jti' | 'iat' | 'exp'>;

export interface TokenSettings {
  readonly issuer: string;
  /** The FHIR base URL: the only audience the resource server accepts. */
  readonly audience: string;
  readonly now: () => Date;
}

/** Signs an access token with the ring's current ES256 key. */
export async function signAccessToken(
  keys: KeyRing,
  settings: TokenSettings,
  content: AccessTokenContent,
  lifetimeSeconds: number,
): Promise<{ token: string; claims: AccessTokenClaims }> {
  const iat = Math.floor(settings.now().getTime() / 1000);
  const claims: AccessTokenClaims = {
    ...content,
    iss: settings.issuer,
    aud: settings.audience,
    jti: randomUUID(),
    iat,
    exp: iat + lifetimeSeconds,
  };
  const { kid, key } = await keys.signingKey('ES256');
  const token = await signCompactJws({ alg: 'ES256', kid, typ: 'at+jwt' }, claims, key);
  return { token, claims };
}

/** A bearer token that is missing, malformed, expired, or not ours. */
export class InvalidTokenError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InvalidTokenError';
  }
}

const CACHE_LIMIT = 10_000;
const CLOCK_TOLERANCE_SECONDS = 5;

/**
 * Verifies access tokens (signature by a key of ours, `typ` at+jwt, issuer, audience, expiry,
 * required claims, and that the grant they were issued under is still alive) and caches the
 * cryptographic part until the token expires, so a repeated token costs a map lookup and the grant
 * check instead of an ECDSA verification. The grant check runs every time: revocation bites on the
 * very next request.
 */
export function createAccessTokenVerifier(
  keys: KeyRing,
  settings: TokenSettings,
  isGrantActive: (grantId: string, now: Date) => Promise<boolean>,
) {
  const cache = new Map<string, AccessTokenClaims>();

  return async function verifyAccessToken(token: string): Promise<AccessTokenClaims> {
    const claims = await verifySignedClaims(token);
    if (!(await isGrantActive(claims.grant_id!, settings.now()))) throw new InvalidTokenError('The access token was revoked');
    return claims;
  };

  async function verifySignedClaims(token: string): Promise<AccessTokenClaims> {
    const nowSeconds = settings.now().getTime() / 1000;
    const cached = cache.get(token);
    if (cached) {
      if (cached.exp + CLOCK_TOLERANCE_SECONDS > nowSeconds) return cached;
      cache.delete(token);
    }
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, async (header) => (await keys.verificationKey(header.kid, header.alg)) ?? unknownKey(), {
        algorithms: ['ES256'],
        typ: 'at+jwt',
        issuer: settings.issuer,
        audience: settings.audience,
        requiredClaims: ['exp', 'iat', 'jti', 'sub'],
        clockTolerance: CLOCK_TOLERANCE_SECONDS,
        currentDate: settings.now(),
      }));
    } catch (error) {
      if (error instanceof joseErrors.JOSEError || error instanceof InvalidTokenError) {
        throw new InvalidTokenError('The access token is invalid or expired');
      }
      throw error;
    }
    const claims = checkShape(payload);
    if (cache.size >= CACHE_LIMIT) cache.delete(cache.keys().next().value!);
    cache.set(token, claims);
    return claims;
  }
}

function unknownKey(): never {
  throw new InvalidTokenError('Unknown signing key');
}

function checkShape(payload: JWTPayload): AccessTokenClaims {
  const strings = ['sub', 'client_id', 'scope', 'jti', 'grant_id'] as const;
  for (const name of strings) {
    if (typeof payload[name] !== 'string' || payload[name] === '') throw new InvalidTokenError(`The access token has no ${name}`);
  }
  for (const name of ['patient', 'encounter', 'fhirUser'] as const) {
    if (payload[name] !== undefined && typeof payload[name] !== 'string') throw new InvalidTokenError(`The access token's ${name} is malformed`);
  }
  return payload as unknown as AccessTokenClaims;
}
